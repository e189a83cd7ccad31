import { ismpGraceMinutes } from '../catalogue/monitoring';

/** Instants are epoch milliseconds throughout watch/ and escalation/ (no Date, no clock). */
export type EpochMs = number;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

export type Timeliness = 'on_time' | 'early' | 'late';

/** How often the dose is given: doses per day (1/7 = weekly) or the interval in hours. */
export type DoseFrequency = { dosesPerDay: number } | { intervalHours: number };

export function dosesPerDayOf(frequency: DoseFrequency): number {
  const perDay = 'dosesPerDay' in frequency ? frequency.dosesPerDay : 24 / frequency.intervalHours;
  if (!Number.isFinite(perDay) || perDay <= 0) {
    throw new RangeError('dose frequency must be a positive, finite number');
  }
  return perDay;
}

/**
 * Half-width of the ISMP 2011 window around the scheduled time [S40a, S40c]: time-critical
 * +/-30 min; daily, weekly or monthly +/-2 h; more often than daily up to q4h +/-1 h; more often
 * than q4h, 25% of the interval. Time-critical status is hospital policy ([C]), hence a flag.
 */
export function administrationWindowMinutes(
  frequency: DoseFrequency,
  timeCritical = false,
): number {
  return ismpGraceMinutes(dosesPerDayOf(frequency), timeCritical);
}

export interface TimelinessInput {
  dueAt: EpochMs;
  administeredAt: EpochMs;
  frequency: DoseFrequency;
  timeCritical?: boolean;
}

/** The window is inclusive: a dose given exactly at its edge is on time. */
export function classifyTimeliness(input: TimelinessInput): Timeliness {
  const windowMs = administrationWindowMinutes(input.frequency, input.timeCritical) * MINUTE_MS;
  const offset = input.administeredAt - input.dueAt;
  if (offset > windowMs) return 'late';
  if (offset < -windowMs) return 'early';
  return 'on_time';
}

/**
 * Where a dose not yet recorded stands against its ISMP window now: `upcoming` before it opens,
 * `due` inside it (given now, it would be on time), `late` after it closes (given now, late).
 * Judged by classifyTimeliness, so the worklist and the recording never disagree.
 */
export type WindowState = 'upcoming' | 'due' | 'late';

export interface AdministrationWindow {
  state: WindowState;
  opensAt: EpochMs;
  closesAt: EpochMs;
}

const STATE_OF: Record<Timeliness, WindowState> = {
  early: 'upcoming',
  on_time: 'due',
  late: 'late',
};

export function administrationWindow(input: {
  dueAt: EpochMs;
  now: EpochMs;
  frequency: DoseFrequency;
  timeCritical?: boolean;
}): AdministrationWindow {
  const windowMs = administrationWindowMinutes(input.frequency, input.timeCritical) * MINUTE_MS;
  const state =
    STATE_OF[
      classifyTimeliness({
        dueAt: input.dueAt,
        administeredAt: input.now,
        frequency: input.frequency,
        timeCritical: input.timeCritical,
      })
    ];
  return { state, opensAt: input.dueAt - windowMs, closesAt: input.dueAt + windowMs };
}
