import { Subject } from 'rxjs';
import type { AlertEvents } from '@taperwatch/alerts';
import type { KeyRevocations } from '@taperwatch/auth';
import { loadConfig } from '@taperwatch/config';
import { ProblemException } from '@taperwatch/http';
import { AlertStreams } from './alert-streams';

describe('AlertStreams', () => {
  const lost = new Subject<boolean>();
  const events = { subscriptionLost: () => lost.asObservable() } as unknown as AlertEvents;
  const config = loadConfig({
    DATABASE_URL: 'postgres://localhost/x',
    REDIS_URL: 'redis://localhost',
    ALERT_STREAMS_PER_KEY: '2',
  });
  const stream = () => ({ end: jest.fn() });
  let announceRevoked: (keyId: string) => void = () => undefined;
  const revocations = {
    onRevoked: (listener: (keyId: string) => void) => {
      announceRevoked = listener;
      return () => undefined;
    },
  } as unknown as KeyRevocations;

  it('holds at most ALERT_STREAMS_PER_KEY streams per key: the next is 429 with Retry-After', () => {
    const streams = new AlertStreams(config, events, revocations);
    const forget = streams.add('key-a', stream());
    streams.add('key-a', stream());
    streams.add('key-b', stream());
    let refusal: unknown;
    try {
      streams.add('key-a', stream());
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ProblemException);
    expect((refusal as ProblemException).problem.status).toBe(429);
    expect((refusal as ProblemException).headers['retry-after']).toMatch(/^\d+$/);
    forget();
    expect(streams.count('key-a')).toBe(1);
    expect(() => streams.add('key-a', stream())).not.toThrow();
  });

  it("closeKey ends that key's streams only; forgetting one afterwards is harmless", () => {
    const streams = new AlertStreams(config, events, revocations);
    const a1 = stream();
    const a2 = stream();
    const b = stream();
    const forgetA1 = streams.add('key-a', a1);
    streams.add('key-a', a2);
    streams.add('key-b', b);
    streams.closeKey('key-a');
    expect(a1.end).toHaveBeenCalledTimes(1);
    expect(a2.end).toHaveBeenCalledTimes(1);
    expect(b.end).not.toHaveBeenCalled();
    expect(streams.count('key-a')).toBe(0);
    const a3 = stream();
    streams.add('key-a', a3);
    forgetA1();
    expect(streams.count('key-a')).toBe(1);
    streams.closeKey('unknown');
  });

  it('ends every stream when the Redis subscription is lost', () => {
    const streams = new AlertStreams(config, events, revocations);
    const open = [stream(), stream()];
    streams.add('key-a', open[0]!);
    streams.add('key-b', open[1]!);
    lost.next(false);
    for (const s of open) expect(s.end).toHaveBeenCalledTimes(1);
    expect(streams.count('key-a') + streams.count('key-b')).toBe(0);
    streams.onModuleDestroy();
  });

  it("ends a key's streams when its revocation is heard", () => {
    const streams = new AlertStreams(config, events, revocations);
    const revoked = stream();
    const other = stream();
    streams.add('key-a', revoked);
    streams.add('key-b', other);
    announceRevoked('key-a');
    expect(revoked.end).toHaveBeenCalledTimes(1);
    expect(other.end).not.toHaveBeenCalled();
    expect(streams.count('key-a')).toBe(0);
  });
});
