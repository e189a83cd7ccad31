import { ConfigError, loadConfig } from './environment';
import { hashTag, parseRedisClusterNodes } from './redis-settings';

const DATABASE = { DATABASE_URL: 'postgres://u@h/db' };

/** The problems loadConfig names, or [] when it accepts the environment. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...DATABASE, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('Redis settings', () => {
  it('reads seed nodes as host:port or redis(s):// URLs, with one scheme and one set of credentials', () => {
    expect(parseRedisClusterNodes('10.0.0.1:7000, 10.0.0.2:7001')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(
      parseRedisClusterNodes('rediss://app:s%40cret@a:6380,rediss://app:s%40cret@[::1]:6381'),
    ).toEqual({
      nodes: [
        { host: 'a', port: 6380 },
        { host: '::1', port: 6381 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    for (const bad of [
      '',
      'a:7000,',
      'a',
      'redis://a',
      'redis://a:7000/1',
      'http://a:7000',
      'redis://a:7000,rediss://b:7000',
      'redis://:x@a:7000,redis://:y@b:7000',
    ]) {
      expect(parseRedisClusterNodes(bad)).toBeUndefined();
    }
  });

  it('needs exactly one of REDIS_URL and REDIS_CLUSTER_NODES', () => {
    expect(problems({ REDIS_URL: 'redis://h:6379' })).toEqual([]);
    expect(problems({ REDIS_CLUSTER_NODES: 'h:7000' })).toEqual([]);
    expect(problems({})).toEqual([expect.stringMatching(/^REDIS_URL is missing/)]);
    expect(problems({ REDIS_URL: 'redis://h:6379', REDIS_CLUSTER_NODES: 'h:7000' })).toEqual([
      expect.stringMatching(
        /^REDIS_CLUSTER_NODES is invalid: set REDIS_URL or REDIS_CLUSTER_NODES, not both/,
      ),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'h' })).toEqual([
      expect.stringMatching(/^REDIS_CLUSTER_NODES is invalid: must be host:port/),
    ]);
  });

  it('on a cluster, wants a queue prefix whose hash tag puts every queue key on one slot', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'h:7000', QUEUE_PREFIX: 'taperwatch' })).toEqual([
      expect.stringMatching(/^QUEUE_PREFIX is invalid: must contain a hash tag/),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'h:7000', QUEUE_PREFIX: '{}tw' })).toHaveLength(1);
    expect(problems({ REDIS_CLUSTER_NODES: 'h:7000', QUEUE_PREFIX: '{tw-east}' })).toEqual([]);
    // One server takes any prefix, as before.
    expect(problems({ REDIS_URL: 'redis://h:6379', QUEUE_PREFIX: 'taperwatch' })).toEqual([]);
  });

  it('finds the hash tag as Redis does: the first {…} with something in it', () => {
    expect(hashTag('{taperwatch}:planning:wait')).toBe('taperwatch');
    expect(hashTag('{}{a}')).toBeUndefined();
    expect(hashTag('a{b}{c}')).toBe('b');
    expect(hashTag('plain')).toBeUndefined();
  });
});
