import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['loopback, 192.168.1.10 ,fd00::/8', ['loopback', '192.168.1.10', 'fd00::/8']],
    ['::1', ['::1']],
  ])('reads %s', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each([
    '',
    'yes',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.1/8/1',
    'proxy.internal',
    '1.2.3',
    '10.0.0.1,',
    // A hop count cannot tell a proxy from a client that sends X-Forwarded-For itself.
    '1',
  ])('refuses %j', (raw) => {
    expect(parseTrustProxy(raw)).toBeUndefined();
  });
});
