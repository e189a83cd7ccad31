import { Injectable } from '@nestjs/common';
import { Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import {
  OPEN_END,
  PlanStep,
  TaperGoal,
  findDrug,
  isoDateAddDays,
  zonedDate,
} from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { PatientsService } from '@taperwatch/patients';
import { PlanStatus } from '@taperwatch/persistence';
import { renderDoseChart } from './plan-schedule-page';
import { PlansRepository } from './plans.repository';
import { CoursePlanRow } from './plans.sql';

export interface CoursePhaseStep {
  startDate: string;
  /** Null: open-ended (maintenance, until a revision). */
  endDate: string | null;
  dailyDoseMg: number;
}

export interface CoursePhase {
  goal: TaperGoal;
  planId: string;
  version: number;
  status: PlanStatus;
  startDate: string;
  /** Null: open-ended. */
  endDate: string | null;
  approvedAt?: string;
  /** Present when the version was replaced: the first day of the version that replaced it. */
  supersededFrom?: string;
  /**
   * The daily dose per step as the phase ran or runs: a superseded version's steps end the day
   * before its successor starts, so the phases together draw the course's one curve.
   */
  steps: CoursePhaseStep[];
  /** Set when the daily doses are mg of this drug (a switch's diazepam equivalents). */
  equivalentDrugCode?: string;
}

export interface CourseView {
  /** The course's id: the request that started it (every revision shares it). */
  id: string;
  drugCode: string;
  drugName: string;
  startDate: string;
  /** The version in force (active or paused), if any. */
  planIdInForce?: string;
  phases: CoursePhase[];
}

const openEnd = (date: string): string | null => (date === OPEN_END ? null : date);

/** Steps up to (not including) `until`, the last one cut short there. */
function stepsBefore(steps: readonly PlanStep[], until: string | undefined): CoursePhaseStep[] {
  const out: CoursePhaseStep[] = [];
  for (const s of steps) {
    if (until !== undefined && s.startDate >= until) break;
    const cut = until !== undefined && s.endDate >= until;
    out.push({
      startDate: s.startDate,
      endDate: cut ? isoDateAddDays(until, -1) : openEnd(s.endDate),
      dailyDoseMg: s.dailyDoseMg,
    });
  }
  return out;
}

/**
 * A course is one patient's treatment with one drug: titration, maintenance and taper are its
 * phases, each a plan version of one request (revisions chain them), so the watcher's windows and
 * the alert history run across phases.
 */
@Injectable()
export class CoursesService {
  constructor(
    private readonly repository: PlansRepository,
    private readonly patients: PatientsService,
    private readonly clock: Clock,
  ) {}

  /** The patient's courses, oldest first; another unit's patient is 404. */
  async list(principal: Principal, patientId: string): Promise<CourseView[]> {
    return (await this.read(principal, patientId)).courses;
  }

  /**
   * One course's curve up and down as the printed schedule's chart (image/svg+xml): the steps of
   * its approved phases as they ran, today marked in the patient's zone. 404 for a course that
   * is not this patient's.
   */
  async chart(principal: Principal, patientId: string, courseId: string): Promise<string> {
    const { courses, timezone } = await this.read(principal, patientId);
    const course = courses.find((c) => c.id === courseId);
    const steps: PlanStep[] = (course?.phases ?? [])
      .filter((p) => p.approvedAt !== undefined)
      .flatMap((p) => p.steps)
      .map((s, i) => ({
        index: i + 1,
        startDate: s.startDate,
        endDate: s.endDate ?? OPEN_END,
        dailyDoseMg: s.dailyDoseMg,
        doses: [],
      }));
    if (!course || !steps.length) throw ProblemException.notFound('Course');
    const equivalent = course.phases.find((p) => p.equivalentDrugCode)?.equivalentDrugCode;
    return renderDoseChart(
      steps,
      zonedDate(this.clock.now(), timezone),
      equivalent ? (findDrug(equivalent)?.name ?? equivalent).toLowerCase() : undefined,
    );
  }

  private async read(principal: Principal, patientId: string) {
    const patient = await this.patients.findVisible(principal, patientId);
    const rows = await this.repository.coursePlans(principal.tenantId, patient.id);
    const byCourse = new Map<string, CoursePlanRow[]>();
    for (const row of rows) {
      const list = byCourse.get(row.requestId) ?? [];
      list.push(row);
      byCourse.set(row.requestId, list);
    }
    return {
      courses: [...byCourse.entries()].map(([id, versions]) => toCourse(id, versions)),
      timezone: patient.timezone,
    };
  }
}

function toCourse(id: string, versions: CoursePlanRow[]): CourseView {
  const drugCode = versions[0].drugCode;
  const inForce = versions.find((v) => v.status === 'active' || v.status === 'paused');
  const phases = versions.map((v): CoursePhase => {
    // The version that replaced this one: the next approved version of the course.
    const next =
      v.status === 'superseded'
        ? versions.find((w) => w.version > v.version && w.approvedAt !== null)
        : undefined;
    return {
      goal: v.goal,
      planId: v.id,
      version: v.version,
      status: v.status,
      startDate: v.startDate,
      endDate: openEnd(v.endDate),
      ...(v.approvedAt ? { approvedAt: new Date(v.approvedAt).toISOString() } : {}),
      ...(next ? { supersededFrom: next.startDate } : {}),
      steps: stepsBefore(v.steps, next?.startDate),
      ...(v.equivalentDrugCode ? { equivalentDrugCode: v.equivalentDrugCode } : {}),
    };
  });
  return {
    id,
    drugCode,
    drugName: findDrug(drugCode)?.name ?? drugCode,
    startDate: versions[0].startDate,
    ...(inForce ? { planIdInForce: inForce.id } : {}),
    phases,
  };
}
