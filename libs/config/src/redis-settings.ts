import { ValidateBy, ValidationArguments } from 'class-validator';

/** Where a Redis Cluster is reached: its seed nodes and what every node is connected with. */
export interface RedisClusterSettings {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * REDIS_CLUSTER_NODES: comma-separated seed nodes, each `host:port` or a `redis://` /
 * `rediss://` URL with a port and no database. One set of credentials and one scheme for all,
 * since every node of a cluster is connected the same way. Undefined when malformed.
 */
export function parseRedisClusterNodes(raw: string): RedisClusterSettings | undefined {
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.length === 0 || entries.some((entry) => entry === '')) return undefined;
  const parsed: { url: URL; scheme: string }[] = [];
  for (const entry of entries) {
    const withScheme = /^[a-z]+:\/\//i.test(entry) ? entry : `redis://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return undefined;
    // A cluster has database 0 only, and a node without a port is a guess.
    if (!url.port || !url.hostname || (url.pathname !== '' && url.pathname !== '/')) {
      return undefined;
    }
    if (url.search || url.hash) return undefined;
    parsed.push({ url, scheme: url.protocol });
  }
  const [first] = parsed;
  const same = parsed.every(
    ({ url, scheme }) =>
      scheme === first!.scheme &&
      url.username === first!.url.username &&
      url.password === first!.url.password,
  );
  if (!same) return undefined;
  return {
    // URL keeps IPv6 hosts in brackets; a socket wants them bare.
    nodes: parsed.map(({ url }) => ({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port),
    })),
    username: first!.url.username ? decodeURIComponent(first!.url.username) : undefined,
    password: first!.url.password ? decodeURIComponent(first!.url.password) : undefined,
    tls: first!.scheme === 'rediss:',
  };
}

export function IsRedisClusterNodes(): PropertyDecorator {
  return ValidateBy({
    name: 'isRedisClusterNodes',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        typeof value === 'string' &&
        parseRedisClusterNodes(value) !== undefined &&
        (args?.object as { REDIS_URL?: unknown }).REDIS_URL === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        (args?.object as { REDIS_URL?: unknown }).REDIS_URL !== undefined
          ? 'set REDIS_URL or REDIS_CLUSTER_NODES, not both'
          : 'must be host:port (or redis:// / rediss:// URLs with a port) separated by commas, one scheme and one set of credentials for all',
    },
  });
}

/**
 * On a cluster every key of a BullMQ script must share a slot, so the queue prefix must carry
 * a non-empty hash tag (`{…}`); a standalone Redis takes any prefix.
 */
export function HasHashTagOnCluster(): PropertyDecorator {
  return ValidateBy({
    name: 'hasHashTagOnCluster',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        (args?.object as { REDIS_CLUSTER_NODES?: unknown }).REDIS_CLUSTER_NODES === undefined ||
        (typeof value === 'string' && hashTag(value) !== undefined),
      defaultMessage: () =>
        'must contain a hash tag such as {taperwatch} when REDIS_CLUSTER_NODES is set, so every queue key is on one slot',
    },
  });
}

/** The part of a key Redis Cluster hashes: the first non-empty `{…}`, as CLUSTER KEYSLOT does. */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  return key.slice(open + 1, close);
}
