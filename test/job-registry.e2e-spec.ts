import { Queue } from 'bullmq';
import { JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { TestStack, eventually, startStack } from '@taperwatch/testing';

/** The worker dispatches by the job registry, against real Redis and a running worker. */
describe('job registry dispatch', () => {
  let stack: TestStack;
  let queue: Queue;

  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
    queue = new Queue(QUEUES.supply, {
      connection: { url: stack.env.REDIS_URL },
      prefix: stack.env.QUEUE_PREFIX,
    });
  });
  afterAll(async () => {
    await queue.close();
    await stack.close();
  });

  /**
   * Plain values only, so a timeout's message can print the last one. The state is read before
   * the job's fields: a job read while active and a state read after it failed would pair a
   * final state with the active job's counts.
   */
  const settled = (jobId: string) =>
    eventually(
      async () => {
        const state = await queue.getJobState(jobId);
        const job = await queue.getJob(jobId);
        return {
          state,
          attemptsMade: job?.attemptsMade,
          failedReason: job?.failedReason,
          returnvalue: job?.returnvalue as unknown,
        };
      },
      (r) => r.state === 'completed' || r.state === 'failed',
      { timeoutMs: 20_000 },
    );

  it("runs a known job name's handler", async () => {
    await queue.add(JOB_NAMES.supplySweep, {}, { jobId: 'registry-known' });
    const { state, returnvalue } = await settled('registry-known');
    expect(state).toBe('completed');
    expect(returnvalue).toBeDefined();
  });

  it('fails a job name its queue does not know at its first attempt, without retries', async () => {
    await queue.add('no-such-job', {}, { jobId: 'registry-unknown' });
    const { state, attemptsMade, failedReason } = await settled('registry-unknown');
    expect(state).toBe('failed');
    expect(attemptsMade).toBe(1);
    expect(failedReason).toBe(
      'Queue supply has no job named no-such-job; add one of: supply-sweep',
    );
  });
});
