import { randomBytes } from 'node:crypto';
import { loadConfig } from './environment';
import { parseEncryptionKey } from './encryption-key';

const base = { DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost' };

describe('WEBHOOK_SECRET_ENCRYPTION_KEY', () => {
  const key = randomBytes(32);

  it('reads 32 bytes written as hex, base64 or url-safe base64', () => {
    for (const text of [
      key.toString('hex'),
      key.toString('base64'),
      key.toString('base64url'),
      ` ${key.toString('base64')}\n`,
    ]) {
      expect(parseEncryptionKey(text)).toEqual(key);
    }
  });

  it('refuses any other length or alphabet', () => {
    expect(parseEncryptionKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseEncryptionKey(randomBytes(33).toString('hex'))).toBeUndefined();
    expect(parseEncryptionKey('not a key at all, just words')).toBeUndefined();
    expect(parseEncryptionKey(undefined)).toBeUndefined();
  });

  it('is optional, but a bad one stops the start with a line naming the setting', () => {
    expect(loadConfig(base).WEBHOOK_SECRET_ENCRYPTION_KEY).toBeUndefined();
    expect(() => loadConfig({ ...base, WEBHOOK_SECRET_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(
      /WEBHOOK_SECRET_ENCRYPTION_KEY is invalid: must be 32 bytes/,
    );
    const config = loadConfig({ ...base, WEBHOOK_SECRET_ENCRYPTION_KEY: key.toString('hex') });
    expect(config.WEBHOOK_SECRET_ENCRYPTION_KEY).toBe(key.toString('hex'));
  });
});
