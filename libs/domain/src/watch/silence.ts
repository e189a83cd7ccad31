import { HOUR_MS, type EpochMs } from './timeliness';

/** Settings outside this range are refused: a silence shorter than an hour is no silence. */
export const NO_CONTACT_HOURS_RANGE = { min: 1, max: 24 * 30 } as const;

export interface SilenceInput {
  now: EpochMs;
  /** NO_CONTACT_HOURS: how long an outpatient may go without a report ([C], default 24). */
  noContactHours: number;
  /** The patient's latest report (any recorded dose); null when there has been none. */
  lastReportAt: EpochMs | null;
  /** The course's first approval: the silence counts from it until the patient reports. */
  monitoringStartedAt: EpochMs;
  /** The first of the course's doses due since the silence began and still unrecorded. */
  firstUnreported: { id: string; dueAt: EpochMs } | null;
  /** How many such doses there are (the message says so). */
  unreportedCount: number;
  /** The drug, so the message names it. */
  drugName?: string;
}

export interface NoContactAlert {
  type: 'no_contact';
  severity: 'warning';
  /**
   * The first dose due unreported after the silence began. It stays the same while the silence
   * lasts, so repeated sweeps fold into the alert (an acknowledgement holds); after a report a
   * new silence has a new first dose, which is news and re-opens an acknowledged alert.
   */
  doseIds: string[];
  silentSince: EpochMs;
  hoursSilent: number;
  message: string;
}

/** When the silence began: the later of the last report and the course's first approval. */
export function silenceStartedAt(
  lastReportAt: EpochMs | null,
  monitoringStartedAt: EpochMs,
): EpochMs {
  return Math.max(lastReportAt ?? -Infinity, monitoringStartedAt);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * no_contact (warning) when an outpatient has reported nothing for noContactHours or more since
 * the silence began, and doses were due in it (a plan with nothing due asks for no report).
 */
export function noContactAlert(input: SilenceInput): NoContactAlert | null {
  const { min, max } = NO_CONTACT_HOURS_RANGE;
  if (!(input.noContactHours >= min && input.noContactHours <= max)) {
    throw new RangeError(`noContactHours must be from ${min} to ${max}`);
  }
  const since = silenceStartedAt(input.lastReportAt, input.monitoringStartedAt);
  const hours = (input.now - since) / HOUR_MS;
  if (hours < input.noContactHours) return null;
  const first = input.firstUnreported;
  if (!first || first.dueAt <= since || first.dueAt > input.now) return null;
  const count = Math.max(1, input.unreportedCount);
  const what =
    input.lastReportAt !== null && input.lastReportAt >= input.monitoringStartedAt
      ? 'since the last report'
      : 'since the plan was approved';
  const text = `no dose reported by the patient for ${round1(hours)} h (${what}), over the ${input.noContactHours} h threshold; ${count} dose${count === 1 ? '' : 's'} due unreported`;
  return {
    type: 'no_contact',
    severity: 'warning',
    doseIds: [first.id],
    silentSince: since,
    hoursSilent: round1(hours),
    message: input.drugName ? `${input.drugName}: ${text}` : text,
  };
}
