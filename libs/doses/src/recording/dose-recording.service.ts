import { Injectable, Logger } from '@nestjs/common';
import { ActorRef, PatientLinkPrincipal, Principal, assertVisible } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { MINUTE_MS, isoDateAddDays, zonedDate, zonedInstant } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { DoseView, doseFromRow, toDoseView } from '../dose-view';
import { DoseOutcome, DoseStatus, ReportedVia } from '@taperwatch/persistence';
import { RecordingWriter } from './recording-writer';
import { DosesRepository } from '../doses.repository';
import { WatchService } from '../watch/watch.service';

export interface AdministrationInput {
  outcome: DoseOutcome;
  administeredAt?: string;
  doseMg?: number;
  note?: string;
}

/** What a patient reports through their link: taken, or skipped (not taken). */
export const PATIENT_REPORTS = ['taken', 'skipped'] as const;
export type PatientReport = (typeof PATIENT_REPORTS)[number];

export interface PatientReportInput {
  outcome: PatientReport;
  /** When it was taken (taken only); default now. */
  takenAt?: string;
}

/**
 * A skipped dose is stored as not_given (status missed), so every rule that counts refusals and
 * doses not given (the cessation rule above all) counts it exactly the same; reported_via tells
 * it came from the patient.
 */
const OUTCOME_OF_REPORT: Record<PatientReport, DoseOutcome> = {
  taken: 'given',
  skipped: 'not_given',
};

/** Who is writing a recording, and what they may touch. */
interface Recorder {
  tenantId: string;
  units: readonly string[] | null;
  patientId: string | null;
  recordedBy: string;
  /** Who recordedBy names, as the answer shows it. */
  actor: ActorRef;
  reportedVia: ReportedVia;
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
  private readonly logger = new Logger(DoseRecordingService.name);

  constructor(
    private readonly repository: DosesRepository,
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
    const recorder: Recorder = {
      tenantId: principal.tenantId,
      units: principal.unitFilter ?? null,
      patientId: null,
      recordedBy: principal.keyId,
      actor: principal.actor,
      reportedVia: 'staff',
    };
    return this.write(recorder, doseId, input, () => this.notRecordable(principal, doseId));
  }

  /**
   * The patient's own report through their link, by the same path as a nurse's recording: only
   * that patient's doses (another's is a 404), due by the end of today in their zone, once.
   */
  async report(
    link: PatientLinkPrincipal,
    doseId: string,
    input: PatientReportInput,
  ): Promise<DoseView> {
    const dose = await this.repository.patientDoseDue(doseId, link.tenantId, link.patientId);
    if (!dose) throw ProblemException.notFound('Dose');
    const today = zonedDate(this.clock.now(), link.timezone);
    if (dose.due_at >= zonedInstant(isoDateAddDays(today, 1), '00:00', link.timezone)) {
      throw ProblemException.unprocessable('This dose is due on a later day', [
        { field: 'doseId', message: 'report a dose on the day it is due, or after' },
      ]);
    }
    const recorder: Recorder = {
      tenantId: link.tenantId,
      units: null,
      patientId: link.patientId,
      recordedBy: link.linkId,
      actor: { type: 'patient', id: link.linkId },
      reportedVia: 'patient',
    };
    const administration: AdministrationInput = { outcome: OUTCOME_OF_REPORT[input.outcome] };
    if (input.outcome === 'taken' && input.takenAt) administration.administeredAt = input.takenAt;
    return this.write(recorder, doseId, administration, () =>
      this.notRecordable(null, doseId, link.tenantId),
    );
  }

  private async write(
    recorder: Recorder,
    doseId: string,
    input: AdministrationInput,
    whyNot: () => Promise<ProblemException>,
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
      tenantId: recorder.tenantId,
      units: recorder.units,
      patientId: recorder.patientId,
      reportedVia: recorder.reportedVia,
      status,
      outcome: input.outcome,
      recordedBy: recorder.recordedBy,
      note: input.note ?? null,
      administeredAt: given ? administeredAt : null,
      givenMg: given ? (input.doseMg ?? null) : null,
      now,
    });
    if (!row) throw await whyNot();
    // The request's columns come first and the row (which has none of them) is spread after:
    // each property after a leading spread is slow on Node 20 (decision 0036).
    const recorded = doseFromRow({
      status,
      recorded_outcome: input.outcome,
      // timestamp(3) keeps what a Date holds: the stored time is this one.
      administered_at: given ? administeredAt : null,
      recorded_by: recorder.recordedBy,
      recorded_by_actor: recorder.actor,
      reported_via: recorder.reportedVia,
      note: input.note ?? null,
      ...row,
    });
    // A dose not taken counts at once: two refusals can be an abrupt stop before any job fires.
    // The recording is stored whatever the judgement does: a failure here leaves the duty the
    // statement wrote (judge_pending) to the watcher's sweep, and the answer is the recording's.
    if (!given) {
      await this.watch
        .judge(recorded.planId, [doseId], 'recording')
        .catch((error: unknown) =>
          this.logger.warn(
            { doseId, planId: recorded.planId, err: { message: (error as Error).message } },
            'judging after a recording failed; the sweep will judge it',
          ),
        );
    }
    return toDoseView(recorded);
  }

  /**
   * Nothing was written: 404 outside the caller's units, else 409 saying what the dose is. A
   * patient link (principal null) has already been shown the dose is its patient's.
   */
  private async notRecordable(
    principal: Principal | null,
    doseId: string,
    tenantId = principal!.tenantId,
  ): Promise<ProblemException> {
    const found = await this.repository.findDose(doseId, tenantId);
    if (principal) assertVisible(principal, found ? { unitId: found.unit_id } : null, 'Dose');
    else if (!found) throw ProblemException.notFound('Dose');
    if (found!.recorded_outcome) {
      return ProblemException.conflict(
        `The dose is already recorded as ${found!.recorded_outcome}`,
      );
    }
    if (found!.status === 'cancelled') return ProblemException.conflict('The dose was cancelled');
    return ProblemException.conflict('The dose was recorded meanwhile');
  }
}
