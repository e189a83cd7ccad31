import { Injectable } from '@nestjs/common';
import ical from 'ical-generator';
import { Clock } from '@taperwatch/common';
import {
  DoseUnit,
  PlanStep,
  describeUnits,
  expandDoses,
  findDrug,
  isoDateAddDays,
  zonedDate,
  zonedInstant,
} from '@taperwatch/domain';
import type { PatientLinkPrincipal } from '@taperwatch/auth';
import { ReportedVia } from '@taperwatch/persistence';
import { DoseScheduleService } from './dose-schedule.service';
import { DosesRepository } from './doses.repository';

/** Days the patient's schedule and calendar reach ahead of today, at most and by default. */
export const PATIENT_SCHEDULE_MAX_DAYS = 28;
export const PATIENT_SCHEDULE_DEFAULT_DAYS = 7;

/** One dose as the patient sees it: what to take and when, in their own zone. */
export interface PatientDoseView {
  id: string;
  dueAt: string;
  /** The patient's calendar date and clock time of the dose. */
  localDate: string;
  localTime: string;
  drugCode: string;
  drugName: string;
  doseMg: number;
  /** "one 10 mg and one 5 mg tablet"; null when the plan no longer names the units. */
  tablets: string | null;
  units: DoseUnit[];
  status: string;
  outcome?: string;
  reportedVia?: ReportedVia;
}

export interface PatientScheduleView {
  timezone: string;
  today: string;
  days: number;
  doses: PatientDoseView[];
}

const localTimeOf = (instant: Date, zone: string): string =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);

const drugName = (code: string): string => findDrug(code)?.name ?? code;

/** The units a dose of `drugCode` and `doseMg` is given as in step `index` (none if it changed). */
function unitsOf(steps: readonly PlanStep[], index: number, drugCode: string, doseMg: number) {
  const step = steps.find((s) => s.index === index);
  return step?.doses.find((d) => d.drugCode === drugCode && d.doseMg === doseMg)?.units ?? [];
}

/**
 * What a patient link may read: the patient's doses from today on, each with its drug, mg and
 * tablets, and the same as an iCalendar feed. No patient identifier leaves here.
 */
@Injectable()
export class PatientScheduleService {
  constructor(
    private readonly repository: DosesRepository,
    private readonly clock: Clock,
    private readonly doseSchedule: DoseScheduleService,
  ) {}

  /** The dose rows due from the start of today (patient's zone) for `days` days, not cancelled. */
  async schedule(link: PatientLinkPrincipal, days: number): Promise<PatientScheduleView> {
    const zone = link.timezone;
    const today = zonedDate(this.clock.now(), zone);
    const from = zonedInstant(today, '00:00', zone);
    const to = zonedInstant(isoDateAddDays(today, days), '00:00', zone);
    const rows = await this.repository.patientDoses(link.tenantId, link.patientId, from, to);
    const steps = await this.stepsOf(link, [...new Set(rows.map((r) => r.plan_id))]);
    return {
      timezone: zone,
      today,
      days,
      doses: rows.map((row) => {
        const doseMg = Number(row.dose_mg);
        const units = unitsOf(steps.get(row.plan_id) ?? [], row.step_index, row.drug_code, doseMg);
        const view: PatientDoseView = {
          id: row.id,
          dueAt: row.due_at.toISOString(),
          localDate: zonedDate(row.due_at, zone),
          localTime: localTimeOf(row.due_at, zone),
          drugCode: row.drug_code,
          drugName: drugName(row.drug_code),
          doseMg,
          tablets: units.length > 0 ? describeUnits(units) : null,
          units,
          status: row.status,
        };
        if (row.recorded_outcome) {
          view.outcome = row.recorded_outcome;
          view.reportedVia = row.reported_via ?? 'staff';
        }
        return view;
      }),
    };
  }

  /**
   * The plans in force as iCalendar, one event per dose from the start of today for `days`
   * days. Computed from the plans (not the dose rows, written only a few days ahead), each dose
   * at its clock time in the patient's zone as a UTC instant: every calendar shows it at that
   * local time on both sides of a DST change, with no VTIMEZONE to get wrong.
   */
  async calendar(link: PatientLinkPrincipal, days: number): Promise<string> {
    const zone = link.timezone;
    const now = this.clock.now();
    const today = zonedDate(now, zone);
    const from = zonedInstant(today, '00:00', zone);
    const to = zonedInstant(isoDateAddDays(today, days), '00:00', zone);
    const plans = await this.repository.patientPlans(link.tenantId, link.patientId);
    const calendar = ical({
      name: 'Medication schedule',
      prodId: { company: 'taperwatch', product: 'patient-schedule', language: 'EN' },
      ttl: 3600,
    });
    for (const plan of plans) {
      if (plan.status !== 'active' && plan.status !== 'paused') continue;
      const steps = this.doseSchedule.effectiveSteps(plan, zone);
      // Doses start at the first time after approval, as the plan's dose rows do.
      const start = plan.approvedAt && plan.approvedAt > from ? plan.approvedAt : from;
      for (const dose of expandDoses(steps, zone, start, to)) {
        const units = unitsOf(steps, dose.stepIndex, dose.drugCode, dose.doseMg);
        const tablets = units.length > 0 ? describeUnits(units) : null;
        const name = drugName(dose.drugCode);
        calendar.createEvent({
          id: `${plan.id}-${dose.dueAt.getTime()}-${dose.drugCode}@taperwatch`,
          start: dose.dueAt,
          end: new Date(dose.dueAt.getTime() + 15 * 60_000),
          stamp: now,
          summary: `${name} ${dose.doseMg} mg`,
          description:
            `Take ${name} ${dose.doseMg} mg${tablets ? `: ${tablets}` : ''} at ` +
            `${localTimeOf(dose.dueAt, zone)}. Do not stop this medicine suddenly; ` +
            'if you miss or skip doses, tell your clinic.',
        });
      }
    }
    return calendar.toString();
  }

  private async stepsOf(
    link: PatientLinkPrincipal,
    planIds: string[],
  ): Promise<Map<string, PlanStep[]>> {
    if (planIds.length === 0) return new Map();
    const plans = await this.repository.planSteps(link.tenantId, planIds);
    return new Map(plans.map((p) => [p.id, p.steps as PlanStep[]]));
  }
}
