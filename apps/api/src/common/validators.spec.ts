import { isValidTimeZone } from './validators';

describe('isValidTimeZone', () => {
  it('accepts the names the runtime knows, asked again from its cache', () => {
    for (let i = 0; i < 2; i++) {
      expect(isValidTimeZone('Europe/London')).toBe(true);
      expect(isValidTimeZone('America/New_York')).toBe(true);
      expect(isValidTimeZone('UTC')).toBe(true);
    }
  });

  it('refuses unknown names every time, whatever was accepted before', () => {
    expect(isValidTimeZone('Europe/London')).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect(isValidTimeZone('Mars/Base')).toBe(false);
      expect(isValidTimeZone('Europe/London ')).toBe(false);
    }
  });

  it('refuses what is not a non-empty string', () => {
    for (const value of ['', null, undefined, 42, {}, ['UTC']]) {
      expect(isValidTimeZone(value)).toBe(false);
    }
  });
});
