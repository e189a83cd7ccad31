import {
  ClosableRedis,
  closeRedis,
  createRedisSubscriber,
  queueConnection,
  redisOptions,
} from './redis-connection';

function client(status: string, quit: () => Promise<unknown> = () => Promise.resolve('OK')) {
  const calls: string[] = [];
  const fake: ClosableRedis = {
    status,
    quit: () => {
      calls.push('quit');
      return quit();
    },
    disconnect: () => {
      calls.push('disconnect');
    },
  };
  return { fake, calls };
}

describe('closeRedis', () => {
  it('quits a ready connection', async () => {
    const { fake, calls } = client('ready');
    await closeRedis(fake);
    expect(calls).toEqual(['quit']);
  });

  it('disconnects at once from a connection still trying to reach Redis (QUIT would wait)', async () => {
    const { fake, calls } = client('reconnecting', () => new Promise(() => undefined));
    await closeRedis(fake);
    expect(calls).toEqual(['disconnect']);
  });

  it('disconnects when QUIT fails, and ignores a connection never opened', async () => {
    const { fake, calls } = client('ready', () => Promise.reject(new Error('gone')));
    await closeRedis(fake);
    expect(calls).toEqual(['quit', 'disconnect']);
    await expect(closeRedis(undefined)).resolves.toBeUndefined();
  });
});

describe('connections to a Redis Cluster', () => {
  const cluster = {
    REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003',
    QUEUE_PREFIX: '{tw}',
  };

  it('gives BullMQ one server as before, and on a cluster the slot master it finds', () => {
    const url = 'redis://h:6380/2';
    expect(queueConnection({ REDIS_URL: url, QUEUE_PREFIX: '{tw}' })).toEqual(redisOptions(url));
    const options = queueConnection(cluster);
    expect(options.Connector).toEqual(expect.any(Function));
    const reconnect = options.reconnectOnError as (error: Error) => number | false;
    expect(reconnect(new Error('MOVED 3999 127.0.0.1:7002'))).toBe(2);
    expect(reconnect(new Error('UNBLOCKED force unblock from blocking operation'))).toBe(2);
    expect(reconnect(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('moves a subscriber to the next listed node each time it reconnects', () => {
    const subscriber = createRedisSubscriber(cluster, { lazyConnect: true });
    try {
      const ports = [subscriber.options.port];
      for (let times = 1; times <= 3; times++) {
        subscriber.options.retryStrategy!(times);
        ports.push(subscriber.options.port);
      }
      expect(ports).toEqual([7001, 7002, 7003, 7001]);
    } finally {
      subscriber.disconnect();
    }
  });
});
