// Patients' clocks as a ward reads them.

export const TABLET_ZONE = new Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * A patient's calendar and clock. Doses are scheduled in the patient's IANA zone, so "today's
 * doses", the step in force and dose times are the patient's, whatever zone the tablet is in.
 */
export function patientClock(timeZone) {
  const dateOf = new Intl.DateTimeFormat('en-CA', { timeZone }); // YYYY-MM-DD
  const fields = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** The zone's offset from UTC at an instant, in ms. */
  const offsetAt = (ms) => {
    const p = Object.fromEntries(fields.formatToParts(new Date(ms)).map((f) => [f.type, f.value]));
    const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return wall - (ms - (((ms % 1000) + 1000) % 1000));
  };
  /** The instant of a wall-clock time on a calendar day in the zone (twice, so a DST change settles). */
  const instantOf = (day, hours = 0, minutes = 0) => {
    const [y, m, d] = day.split('-').map(Number);
    const wall = Date.UTC(y, m - 1, d, hours, minutes);
    return new Date(wall - offsetAt(wall - offsetAt(wall)));
  };
  // 24-hour times on every page: no AM/PM to misread on a night shift.
  const hhmm = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return {
    timeZone,
    time: hhmm,
    today: () => dateOf.format(new Date()),
    /** The patient's calendar day of an instant (YYYY-MM-DD). */
    day: (iso) => dateOf.format(new Date(iso)),
    /** How far into the patient's day an instant is, 0 to 1 (where a chart marks it). */
    fraction(iso) {
      const p = Object.fromEntries(
        fields.formatToParts(new Date(iso)).map((f) => [f.type, f.value]),
      );
      return (+p.hour * 60 + +p.minute) / 1440;
    },
    /** [start, end) of the patient's day. */
    dayBounds(day) {
      const next = new Date(instantOf(day).getTime() + 36 * 3600 * 1000);
      return [instantOf(day), instantOf(dateOf.format(next))];
    },
    /** An instant as "HH:MM" on this clock (the value of an <input type="time">). */
    hhmm: (at) => hhmm.format(at),
    /**
     * "HH:MM" on this clock as the latest such instant not after `notAfter`: a dose given at
     * 23:50 and charted at 00:10 is yesterday's 23:50.
     */
    lastAt(value, notAfter = new Date()) {
      const [hours, minutes] = value.split(':').map(Number);
      const today = instantOf(dateOf.format(notAfter), hours, minutes);
      if (today <= notAfter) return today;
      const yesterday = new Date(notAfter.getTime() - 24 * 3600 * 1000);
      return instantOf(dateOf.format(yesterday), hours, minutes);
    },
  };
}
