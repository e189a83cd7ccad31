import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull } from 'typeorm';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { MINUTE_MS, classifyTimeliness } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { DoseView, toDoseView } from '@taperwatch/plans';
import { DoseEntity, DoseOutcome, DoseStatus, preparedQuery } from '@taperwatch/persistence';
import { WatchService } from './watch.service';

export interface AdministrationInput {
  outcome: DoseOutcome;
  administeredAt?: string;
  doseMg?: number;
  note?: string;
}

/** A charting clock a few minutes fast is normal; a time further ahead is a mistake. */
const FUTURE_TOLERANCE_MS = 5 * MINUTE_MS;

const STATUS_OF: Record<DoseOutcome, DoseStatus> = {
  given: 'given',
  held: 'held',
  refused: 'refused',
  // Not given for another reason: still a dose the patient did not take.
  not_given: 'missed',
};

interface DoseRow {
  due_at: Date;
  dose_mg: string;
  status: DoseStatus;
  recorded_outcome: DoseOutcome | null;
  missed_at: Date | null;
  unit_id: string;
  doses_per_day: number | null;
}

@Injectable()
export class DoseRecordingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly watch: WatchService,
  ) {}

  /**
   * The dose with its patient's unit (404 outside the caller's units) in one round trip;
   * doses_per_day is plan-context.ts's dosesPerDay rule (the most doses any step gives) in SQL.
   */
  private async findForRecording(principal: Principal, doseId: string): Promise<DoseRow> {
    const [row] = await preparedQuery<DoseRow>(
      this.dataSource,
      'record-dose-find',
      `SELECT d.due_at, d.dose_mg, d.status, d.recorded_outcome, d.missed_at, pt.unit_id,
              (SELECT max(jsonb_array_length(s -> 'doses')) FROM jsonb_array_elements(p.steps) s)::int
                AS doses_per_day
       FROM doses d
       JOIN patients pt ON pt.id = d.patient_id
       JOIN plans p ON p.id = d.plan_id
       WHERE d.id = $1 AND d.tenant_id = $2`,
      [doseId, principal.tenantId],
    );
    return assertVisible(principal, row ? { ...row, unitId: row.unit_id } : null, 'Dose');
  }

  /**
   * Records what happened to a dose, once. A dose the watcher marked missed may still be
   * recorded (given late, or held/refused to say why); a second recording is a 409.
   */
  async record(
    principal: Principal,
    doseId: string,
    input: AdministrationInput,
  ): Promise<DoseView> {
    const now = this.clock.now();
    const administeredAt = input.administeredAt ? new Date(input.administeredAt) : now;
    if (administeredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw ProblemException.unprocessable('administeredAt is in the future', [
        { field: 'administeredAt', message: 'must not be in the future' },
      ]);
    }
    const dose = await this.findForRecording(principal, doseId);
    if (dose.recorded_outcome) {
      throw ProblemException.conflict(`The dose is already recorded as ${dose.recorded_outcome}`);
    }
    if (dose.status === 'cancelled') throw ProblemException.conflict('The dose was cancelled');
    const given = input.outcome === 'given';
    const dueAt = dose.due_at.getTime();
    const changes: Partial<DoseEntity> = {
      status: STATUS_OF[input.outcome],
      recordedOutcome: input.outcome,
      recordedBy: principal.keyId,
      note: input.note ?? null,
      administeredAt: given ? administeredAt : null,
      givenMg: given ? (input.doseMg ?? Number(dose.dose_mg)) : null,
      missedAt: input.outcome === 'not_given' ? (dose.missed_at ?? now) : dose.missed_at,
      timeliness: given
        ? classifyTimeliness({
            dueAt,
            administeredAt: administeredAt.getTime(),
            frequency: { dosesPerDay: Math.max(1, dose.doses_per_day ?? 1) },
          })
        : null,
      minutesFromDue: given ? Math.round((administeredAt.getTime() - dueAt) / MINUTE_MS) : null,
    };
    // The WHERE is the guard (no lock, no transaction): of two recordings racing, one matches.
    const repo = this.dataSource.getRepository(DoseEntity);
    const result = await repo.update(
      { id: doseId, recordedOutcome: IsNull(), status: In(['scheduled', 'missed']) },
      changes,
    );
    if (!result.affected) throw ProblemException.conflict('The dose was recorded meanwhile');
    const recorded = await repo.findOneByOrFail({ id: doseId });
    // Not awaited: a check that still fires finds the dose recorded and does nothing.
    void this.watch.cancelCheck(recorded.id);
    // A dose not taken counts at once: two refusals can be an abrupt stop before any job fires.
    if (input.outcome !== 'given') await this.watch.evaluatePlan(recorded.planId, 'recording');
    return toDoseView(recorded);
  }
}
