import { fmt, table } from '../lib/table';

/** Cores over a window of `seconds`, as CPU seconds. */
const cpuSeconds = (cores: number | null | undefined, seconds: number) =>
  fmt(cores === null || cores === undefined ? NaN : cores * seconds, 1);
import { HorizonScaleResult } from './horizon';

/** The growth table: one row per fleet size and horizon run, then Redis with every plan watched. */
export function horizonScaleTable(results: readonly HorizonScaleResult[]): string {
  const first = results[0];
  if (!first) return '';
  return [
    table(
      `Dose horizon job at scale (real worker, DOSE_HORIZON_DAYS=${first.horizonDays}; ` +
        `goal: all plans in one run ≤ 60 s, worker RSS ≤ 512 MB)`,
      [
        'plans',
        'run',
        'jobs',
        'wall s',
        'job s',
        'plans visited',
        'rows',
        'RSS MB',
        'peak RSS MB',
        'worker CPU s',
        'postgres CPU s',
        'other cores',
      ],
      results.flatMap((r) =>
        r.runs.map((run) => [
          fmt(r.fleet.plans),
          run.label,
          run.jobs,
          fmt(run.wallS, 1),
          fmt(run.processingS, 1),
          fmt(run.plansVisited),
          fmt(run.rows),
          fmt(run.rssBeforeMb),
          `${fmt(run.peakRssMb)}${run.peakOfRunOnly ? '' : ' (since start)'}`,
          cpuSeconds(run.cpu.children.worker, run.wallS),
          cpuSeconds(run.cpu.postgres, run.wallS),
          fmt(run.cpu.other, 2),
        ]),
      ),
    ),
    table(
      `Redis with every plan watched (the worker's sweep every ${first.armed?.sweepMs ?? '–'} ms, checks queued ` +
        `${first.armed?.checkHorizonH ?? '–'} h ahead; goal ≤ 100 MB)`,
      [
        'plans',
        'armed after s',
        'doses armed',
        'unarmed left',
        'watched after s',
        'scheduled',
        'checks queued',
        'delayed jobs',
        'prefix MB',
        'B/job',
        'used_memory MB',
      ],
      results
        .flatMap((r) => (r.armed ? [{ fleet: r.fleet, armed: r.armed }] : []))
        .map((r) => [
          fmt(r.fleet.plans),
          fmt(r.armed.armedAfterS, 0),
          fmt(r.armed.armedDoses),
          fmt(r.armed.unarmedLeft),
          fmt(r.armed.watchedAfterS, 0),
          fmt(r.armed.scheduledDoses),
          fmt(r.armed.queuedChecks),
          fmt(r.armed.delayedJobs),
          fmt(r.armed.prefixMb, 1),
          fmt(r.armed.bytesPerDelayedJob),
          `${fmt(r.armed.usedBeforeMb, 1)} → ${fmt(r.armed.usedAfterMb, 1)}`,
        ]),
    ),
    `seeding: ${results.map((r) => `${fmt(r.fleet.plans)} plans ${fmt(r.fleet.seedS, 1)} s`).join(', ')}; ` +
      `${first.fleet.units} units; administrations a day ${first.fleet.dosesPerDay.join('/')}; ` +
      `zones ${first.fleet.zones.join(', ')}; ` +
      `load average at the end ${results.map((r) => r.loadavg.map((l) => l.toFixed(2)).join(' ')).join(' | ')}`,
    '',
  ].join('\n');
}
