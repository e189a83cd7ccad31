/**
 * Calendar-date arithmetic on `YYYY-MM-DD` strings in whole UTC days. No Date objects: the
 * planner calls these in its inner loop, and days-from-civil is exact and allocation-light.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): string {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

function parts(date: string): [number, number, number] | undefined {
  const m = ISO_DATE.exec(date);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return undefined;
  const monthDays = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= monthDays[mo - 1] ? [y, mo, d] : undefined;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function isIsoDate(date: string): boolean {
  return parts(date) !== undefined;
}

/** Day number of a valid `YYYY-MM-DD` (throws on an invalid one: callers validate first). */
export function isoDateToDay(date: string): number {
  const p = parts(date);
  if (!p) throw new RangeError(`not a calendar date: ${date}`);
  return daysFromCivil(p[0], p[1], p[2]);
}

export function dayToIsoDate(day: number): string {
  return civilFromDays(day);
}

export function isoDateAddDays(date: string, days: number): string {
  return civilFromDays(isoDateToDay(date) + days);
}

/** Whole days from `a` to `b` (b - a). */
export function isoDaysBetween(a: string, b: string): number {
  return isoDateToDay(b) - isoDateToDay(a);
}

/** Completed years of age on `today`. */
export function ageInYears(birthDate: string, today: string): number {
  const b = parts(birthDate);
  const t = parts(today);
  if (!b || !t) throw new RangeError('not a calendar date');
  const hadBirthday = t[1] > b[1] || (t[1] === b[1] && t[2] >= b[2]);
  return t[0] - b[0] - (hadBirthday ? 0 : 1);
}
