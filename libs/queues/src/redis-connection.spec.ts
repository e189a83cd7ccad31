import { ClosableRedis, closeRedis } from './redis-connection';

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
