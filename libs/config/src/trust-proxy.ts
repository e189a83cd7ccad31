import { ValidateBy } from 'class-validator';
import { isIP } from 'node:net';

/** What Fastify's `trustProxy` takes: nobody, everybody, a hop count, or addresses and CIDRs. */
export type TrustProxy = boolean | number | string[];

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
 * when every client comes through a proxy that rewrites it), a hop count, or a comma-separated
 * list of proxy addresses, CIDRs and the names loopback, linklocal, uniquelocal. Undefined for a
 * value that is none of these.
 */
export function parseTrustProxy(raw: string): TrustProxy | undefined {
  const value = raw.trim();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
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
        'must be false, true, a hop count, or proxy addresses/CIDRs separated by commas',
    },
  });
}
