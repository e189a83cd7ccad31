import { LoadResult } from './http/load';
import { CpuShare } from './lib/cpu';
import { bracketingCeiling, summarizeHttp } from './report';

const cpu: CpuShare = {
  machineBusy: null,
  cores: 2,
  bench: null,
  children: {},
  postgres: null,
  redis: null,
  irq: null,
  other: null,
  busiestOther: [],
};
function run(target: string, round: number, reqPerS: number): LoadResult {
  return {
    target,
    round,
    reqPerS,
    okPerS: reqPerS,
    p50Ms: 10,
    p90Ms: 20,
    p99Ms: 30,
    maxMs: 40,
    total: reqPerS * 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: {},
    cpu,
  };
}

describe('ratios against the ceiling runs around each run', () => {
  // Two rounds as the bench runs them: the ceiling before and after every target.
  const runs = [
    run('ceiling', 1, 1000),
    run('a', 1, 600),
    run('ceiling', 1, 2000),
    run('b', 1, 900),
    run('ceiling', 1, 1000),
    run('ceiling', 2, 3000),
    run('b', 2, 1500),
    run('ceiling', 2, 3000),
    run('a', 2, 1800),
  ];

  it('compares a run with the mean of the ceilings just before and after it', () => {
    expect(bracketingCeiling(runs, 1, 'ceiling')).toBe(1500);
    expect(bracketingCeiling(runs, 3, 'ceiling')).toBe(1500);
  });

  it('uses the one ceiling there is at the edge of a round, never one from another round', () => {
    expect(bracketingCeiling(runs, 8, 'ceiling')).toBe(3000);
    expect(bracketingCeiling([run('a', 1, 5), run('ceiling', 2, 9)], 0, 'ceiling')).toBeNull();
  });

  it('summarises each target by the median of those ratios', () => {
    const summary = summarizeHttp(runs, 'ceiling');
    const a = summary.byTarget.find((t) => t.target === 'a')!;
    expect(a.perRoundRatio).toEqual([0.4, 0.6]);
    expect(a.ratio?.median).toBeCloseTo(0.5);
    expect(summary.byTarget.find((t) => t.target === 'ceiling')!.ratio).toBeNull();
  });
});
