import { ismpGraceMinutes } from '../catalogue/monitoring';
import { MINUTE_MS, type EpochMs } from './timeliness';

/**
 * Dose statuses the watcher sees: a Dose's statuses (docs/api.md, GET /v1/plans/{id}/doses) plus
 * the recorded outcome not_given.
 */
export type WatchedDoseStatus =
  'scheduled' | 'given' | 'held' | 'refused' | 'not_given' | 'missed' | 'cancelled';

/** A grace above a day would let a whole day of doses go unwatched: refused as misconfiguration. */
export const MAX_GRACE_MINUTES = 24 * 60;

/** An unrecorded dose is missed at its window's end (docs/clinical.md#cessation-rule, rule 1). */
export function missedAt(dueAt: EpochMs, graceMinutes: number): EpochMs {
  return dueAt + graceMinutes * MINUTE_MS;
}

/**
 * Inclusive (now >= missedAt), so a delayed job that runs exactly on time acts rather than
 * leaving the dose to the next sweep.
 */
export function isOverdue(
  dose: { dueAt: EpochMs; status: WatchedDoseStatus },
  now: EpochMs,
  graceMinutes: number,
): boolean {
  return dose.status === 'scheduled' && now >= missedAt(dose.dueAt, graceMinutes);
}

function checkGrace(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_GRACE_MINUTES) {
    throw new RangeError(`${name} must be a number of minutes from 0 to ${MAX_GRACE_MINUTES}`);
  }
  return value;
}

/** Parses DOSE_GRACE_MINUTES (fractions allowed); unset or blank means no override. */
export function parseGraceMinutesSetting(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  const trimmed = raw.trim();
  // Number('') and Number('0x10') are too forgiving for a safety setting: decimals only.
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(trimmed)) {
    throw new RangeError('DOSE_GRACE_MINUTES must be a decimal number of minutes');
  }
  return checkGrace(Number(trimmed), 'DOSE_GRACE_MINUTES');
}

export interface GraceSources {
  /** DOSE_GRACE_MINUTES, already parsed; wins over everything when set. */
  overrideMinutes?: number | null;
  /** The catalogue's graceMinutes (null where the drug's frequency is unsourced). */
  drugGraceMinutes: number | null;
  /** The plan's administrations per day: the ISMP window when the catalogue has none. */
  dosesPerDay: number;
  /** Hospital policy [C]: time-critical doses get ISMP's +/-30 min at most. */
  timeCritical?: boolean;
}

/** Which grace applies to a dose: the override, else the drug's, else ISMP for the plan's frequency. */
export function resolveGraceMinutes(sources: GraceSources): number {
  if (sources.overrideMinutes !== undefined && sources.overrideMinutes !== null) {
    return checkGrace(sources.overrideMinutes, 'overrideMinutes');
  }
  const base =
    sources.drugGraceMinutes ?? ismpGraceMinutes(sources.dosesPerDay, sources.timeCritical);
  const grace = sources.timeCritical ? Math.min(base, ismpGraceMinutes(1, true)) : base;
  return checkGrace(grace, 'graceMinutes');
}
