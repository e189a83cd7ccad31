import { DateTime } from 'luxon';

/** Offset of `zone` from UTC at an instant, in minutes (east positive). */
function offsetAt(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/** True when the runtime knows this IANA zone. */
export function isKnownZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}

/**
 * The instant a wall-clock time happens on a calendar date in an IANA zone
 * (docs/decisions/0005-dose-times.md):
 * - a time that exists twice (autumn fall-back) is its earlier instant, so a dose is never
 *   given an hour late or twice;
 * - a time that does not exist (spring-forward gap) is the first valid instant after it, the
 *   moment the clocks jump (02:30 on the New York change day is 03:00 EDT).
 */
export function zonedInstant(date: string, time: string, zone: string): Date {
  const key = `${zone} ${date} ${time}`;
  let ms = instants.get(key);
  if (ms === undefined) {
    if (instants.size >= INSTANTS_KEPT) instants.clear();
    ms = resolveInstant(date, time, zone);
    instants.set(key, ms);
  }
  return new Date(ms);
}

/**
 * Resolved instants by zone, date and time: a horizon run expands the same few clock times on
 * the same days for every plan in a zone, and each resolution asks the zone's offset four times.
 * Bounded: cleared when full (an answer never changes, so a miss only costs the resolution).
 */
const instants = new Map<string, number>();
const INSTANTS_KEPT = 100_000;

/** zonedInstant's rule, as epoch milliseconds. */
function resolveInstant(date: string, time: string, zone: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const day = 86_400_000;
  const offsets = new Set([
    offsetAt(wall - day, zone),
    offsetAt(wall, zone),
    offsetAt(wall + day, zone),
  ]);
  const candidates = [...offsets].map((o) => wall - o * 60_000);
  const valid = candidates.filter((t) => t + offsetAt(t, zone) * 60_000 === wall);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the first instant whose local wall time is at or past the asked one.
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetAt(mid, zone) * 60_000 >= wall) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The calendar date (YYYY-MM-DD) of an instant in an IANA zone. */
export function zonedDate(at: Date, zone: string): string {
  return DateTime.fromMillis(at.getTime(), { zone }).toISODate()!;
}
