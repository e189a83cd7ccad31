import { randomBytes } from 'node:crypto';
import { isSealed, open, seal } from './secret-box';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  it('opens what it sealed, and never shows the plaintext', () => {
    const sealed = seal(key, secret, 'tenant/ward-7');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(open(key, sealed, 'tenant/ward-7')).toBe(secret);
  });

  it('seals the same secret differently each time (a fresh nonce)', () => {
    expect(seal(key, secret, 'c')).not.toBe(seal(key, secret, 'c'));
  });

  it('refuses another key, another row, and a changed byte', () => {
    const sealed = seal(key, secret, 'tenant/ward-7');
    expect(() => open(randomBytes(32), sealed, 'tenant/ward-7')).toThrow();
    expect(() => open(key, sealed, 'tenant/ward-8')).toThrow();
    const bytes = Buffer.from(sealed.slice('enc:v1:'.length), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => open(key, `enc:v1:${bytes.toString('base64')}`, 'tenant/ward-7')).toThrow();
    expect(() => open(key, secret, 'tenant/ward-7')).toThrow(/not a sealed value/);
  });
});
