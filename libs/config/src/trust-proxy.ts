import { ValidateBy } from 'class-validator';
import { isIP } from 'node:net';

/** What Fastify's `trustProxy` takes: nobody, everybody, or proxy addresses and CIDRs. */
export type TrustProxy = boolean | string[];

/** proxy-addr's (Fastify's) names for address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(item: string): boolean {
  const [address = '', prefix, extra] = item.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: `false` (the client is whoever connects), `true` (believe any X-Forwarded-For: only
 * when every client comes through a proxy that rewrites it), or a comma-separated list of proxy
 * addresses, CIDRs and the names loopback, linklocal, uniquelocal. Undefined for anything else,
 * a hop count included: it cannot tell a proxy from a client that sends the header itself, and
 * Fastify 5.12 reads one as "trust nobody", so it is refused at start rather than ignored.
 */
export function parseTrustProxy(raw: string): TrustProxy | undefined {
  const value = raw.trim();
  if (value === 'false') return false;
  if (value === 'true') return true;
  const items = value.split(',').map((item) => item.trim());
  const valid = items.every((item) => RANGE_NAMES.has(item) || isAddressOrCidr(item));
  return valid && value !== '' ? items : undefined;
}

export function IsTrustProxy(): PropertyDecorator {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && parseTrustProxy(value) !== undefined,
      defaultMessage: () =>
        'must be false, true, or proxy addresses/CIDRs separated by commas (not a hop count)',
    },
  });
}
