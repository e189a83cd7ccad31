import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/**
 * Cloud metadata services, refused whatever WEBHOOK_ALLOW_PRIVATE says: AWS/GCP/Azure/OpenStack
 * (169.254.169.254, also link-local), AWS IPv6 (fd00:ec2::254, inside fc00::/7), Alibaba
 * (100.100.100.200, inside 100.64/10) and the names that resolve to them.
 */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data']);
/** Ranges a hospital's own receivers live in: allowed only with WEBHOOK_ALLOW_PRIVATE=true. */
const PRIVATE_RANGES = new Set(['private', 'loopback', 'uniqueLocal', 'carrierGradeNat']);

/**
 * Why a resolved address may not receive a webhook, or null if it may. Only public unicast is
 * always fine; link-local, multicast, unspecified, reserved and the rest are always refused.
 */
export function refusedAddress(address: string, allowPrivate: boolean): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // process() turns ::ffff:a.b.c.d into a.b.c.d, so a mapped address is judged as IPv4.
  const parsed = ipaddr.process(address);
  const normalized = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.has(parsed.toString()) || METADATA_ADDRESSES.has(normalized)) {
    return `${address} is a cloud metadata address`;
  }
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (PRIVATE_RANGES.has(range)) {
    return allowPrivate ? null : `${address} is a ${range} address (WEBHOOK_ALLOW_PRIVATE is off)`;
  }
  return `${address} is a ${range} address`;
}

/** The URL's host without IPv6 brackets. */
export function webhookHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * What can be told from the URL alone (at PUT time and before connecting): a metadata name or a
 * refused literal address. Names are judged again, by their resolved addresses, at send time.
 */
export function webhookAddressProblem(raw: string, allowPrivate: boolean): string | null {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  const host = webhookHost(url).toLowerCase();
  if (METADATA_HOSTS.has(host)) return `${host} is a cloud metadata host`;
  return isIP(host) ? refusedAddress(host, allowPrivate) : null;
}
