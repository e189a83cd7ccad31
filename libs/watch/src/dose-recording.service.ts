import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { MINUTE_MS } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { DoseView, doseFromRow, toDoseView } from '@taperwatch/plans';
import { DoseOutcome, DoseStatus, preparedQuery } from '@taperwatch/persistence';
import { FIND_DOSE_SQL, FoundDoseRow } from './record-dose.sql';
import { RecordingWriter } from './recording-writer';
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

@Injectable()
export class DoseRecordingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly watch: WatchService,
    private readonly writer: RecordingWriter,
  ) {}

  /**
   * Records what happened to a dose, once, in one statement shared with the recordings that
   * arrive with it (RecordingWriter). A dose the watcher marked missed may still be recorded
   * (given late, or held/refused to say why); a second recording is a 409. The dose's delayed
   * check is left to fire and find it recorded: removing it from Redis here would cost every
   * recording a round trip to spare the worker one.
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
    const given = input.outcome === 'given';
    const status = STATUS_OF[input.outcome];
    const row = await this.writer.write({
      doseId,
      tenantId: principal.tenantId,
      units: principal.unitFilter ?? null,
      status,
      outcome: input.outcome,
      recordedBy: principal.keyId,
      note: input.note ?? null,
      administeredAt: given ? administeredAt : null,
      givenMg: given ? (input.doseMg ?? null) : null,
      now,
    });
    if (!row) throw await this.notRecordable(principal, doseId);
    // The request's columns come first and the row (which has none of them) is spread after:
    // Node 20's V8 takes a slow path for each property added after a spread, 2 µs apiece.
    const recorded = doseFromRow({
      status,
      recorded_outcome: input.outcome,
      // timestamp(3) keeps what a Date holds: the stored time is this one.
      administered_at: given ? administeredAt : null,
      recorded_by: principal.keyId,
      note: input.note ?? null,
      ...row,
    });
    // A dose not taken counts at once: two refusals can be an abrupt stop before any job fires.
    if (!given) await this.watch.evaluatePlan(recorded.planId, 'recording');
    return toDoseView(recorded);
  }

  /** Nothing was written: 404 outside the caller's units, else 409 saying what the dose is. */
  private async notRecordable(principal: Principal, doseId: string): Promise<ProblemException> {
    const [found] = await preparedQuery<FoundDoseRow>(this.dataSource, 'find-dose', FIND_DOSE_SQL, [
      doseId,
      principal.tenantId,
    ]);
    assertVisible(principal, found ? { unitId: found.unit_id } : null, 'Dose');
    if (found!.recorded_outcome) {
      return ProblemException.conflict(
        `The dose is already recorded as ${found!.recorded_outcome}`,
      );
    }
    if (found!.status === 'cancelled') return ProblemException.conflict('The dose was cancelled');
    return ProblemException.conflict('The dose was recorded meanwhile');
  }
}
