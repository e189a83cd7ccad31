import { ValidationOptions, registerDecorator } from 'class-validator';

/**
 * Zone names already found valid. Building an Intl.DateTimeFormat to ask is slow (decision
 * 0033), a hospital sends a handful of zones, and only names the runtime accepted are kept, up to
 * a bound, so no stream of odd spellings can grow it without end.
 */
const knownZones = new Set<string>();
const KNOWN_ZONES_MAX = 2000;

export function isValidTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (knownZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    return false;
  }
  if (knownZones.size < KNOWN_ZONES_MAX) knownZones.add(value);
  return true;
}

/** An IANA time zone name that this runtime knows (Europe/London, America/New_York ...). */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an IANA time zone such as Europe/London', ...options },
      validator: { validate: isValidTimeZone },
    });
}

function isCalendarDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is refused). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date written YYYY-MM-DD', ...options },
      validator: { validate: isCalendarDate },
    });
}

export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
