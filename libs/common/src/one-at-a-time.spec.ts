import { OneAtATime } from './one-at-a-time';

describe('OneAtATime', () => {
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }

  it('runs once for the calls made while a run is under way, after it, and never two at once', async () => {
    const gates = [gate(), gate()];
    let started = 0;
    let running = 0;
    let most = 0;
    const work = new OneAtATime(async () => {
      const n = started++;
      most = Math.max(most, ++running);
      await gates[n]!.opened;
      running--;
      return n;
    });
    const first = work.run();
    const later = [work.run(), work.run(), work.run()];
    expect(started).toBe(1);
    gates[0]!.open();
    expect(await first).toBe(0);
    gates[1]!.open();
    expect(await Promise.all(later)).toEqual([1, 1, 1]);
    expect(started).toBe(2);
    expect(most).toBe(1);
    // Idle again: the next call runs at once.
    gates.push(gate());
    const next = work.run();
    gates[2]!.open();
    expect(await next).toBe(2);
  });

  it('runs the waiting calls even when the run they waited for failed', async () => {
    let calls = 0;
    const work = new OneAtATime(async () => {
      if (calls++ === 0) throw new Error('database gone');
      return 'swept';
    });
    const failed = work.run();
    const waiting = work.run();
    await expect(failed).rejects.toThrow('database gone');
    await expect(waiting).resolves.toBe('swept');
  });
});
