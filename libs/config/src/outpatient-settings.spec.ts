import { NO_CONTACT_HOURS_RANGE } from '@taperwatch/domain';
import { loadConfig } from './environment';

const BASE = { DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://h:6379' };

describe('outpatient watch settings', () => {
  it('NO_CONTACT_HOURS defaults to 24 ([C]: no source gives a number) and takes fractions', () => {
    expect(loadConfig(BASE).NO_CONTACT_HOURS).toBe(24);
    expect(loadConfig({ ...BASE, NO_CONTACT_HOURS: '36.5' }).NO_CONTACT_HOURS).toBe(36.5);
    expect(loadConfig(BASE).OUTPATIENT_SWEEP_MS).toBe(60000);
  });

  it.each(['0', '0.5', '721', 'a day', '-24'])(
    'refuses NO_CONTACT_HOURS=%s, naming it',
    (value) => {
      expect(() => loadConfig({ ...BASE, NO_CONTACT_HOURS: value })).toThrow(/NO_CONTACT_HOURS/);
    },
  );

  it('accepts exactly the range the silence rule accepts', () => {
    const { min, max } = NO_CONTACT_HOURS_RANGE;
    for (const hours of [min, max]) {
      expect(loadConfig({ ...BASE, NO_CONTACT_HOURS: String(hours) }).NO_CONTACT_HOURS).toBe(hours);
    }
  });

  it.each(['100', '3600001', '1.5'])('refuses OUTPATIENT_SWEEP_MS=%s, naming it', (value) => {
    expect(() => loadConfig({ ...BASE, OUTPATIENT_SWEEP_MS: value })).toThrow(
      /OUTPATIENT_SWEEP_MS/,
    );
  });
});
