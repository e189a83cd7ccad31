import { ApiClient } from './http/api-client';
import { CpuShare, cpuWindow } from './lib/cpu';
import { pool } from './lib/pool';
import { query } from './lib/services';
import { LatencySummary, latencySummary } from './lib/stats';
import { taperRequestBody } from './lib/requests';

export interface PlannedLatencyResult {
  requests: number;
  inFlight: number;
  accepted: number;
  planned: number;
  notPlanned: Record<string, number>;
  /** Client: time for each POST to answer 202. */
  postMs: LatencySummary;
  /** DB: taper_requests.updated_at − created_at (see the note in the report). */
  dbMs: LatencySummary;
  /** Client send time → updated_at (same machine clock): includes HTTP queueing. */
  endToEndMs: LatencySummary;
  /** First send → last updated_at, and the rate it implies. */
  drainS: number;
  plansPerS: number;
  cpu: CpuShare;
}

interface Row {
  id: string;
  status: string;
  created_ms: string;
  updated_ms: string;
}

/**
 * Fires `count` taper requests (at most `inFlight` at once) against the API with a worker
 * running, waits (bounded) until every one is settled, and reads the timings from Postgres.
 */
export async function benchPostToPlanned(
  api: ApiClient,
  databaseUrl: string,
  patientIds: string[],
  options: { count: number; inFlight: number; timeoutMs: number },
  children: Record<string, number>,
): Promise<PlannedLatencyResult> {
  const sentAt = new Map<string, number>();
  const postMs: number[] = [];
  let rejectedPosts = 0;
  const endCpu = cpuWindow(children);
  const firstSend = Date.now();
  await pool(options.count, options.inFlight, async (i) => {
    const sent = Date.now();
    const t0 = process.hrtime.bigint();
    const res = await api.send<{ id: string }>(
      'POST',
      '/v1/taper-requests',
      taperRequestBody(patientIds[i % patientIds.length]!),
    );
    postMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status === 202) sentAt.set(res.body.id, sent);
    else rejectedPosts++;
  });

  const ids = [...sentAt.keys()];
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await query<{ n: number }>(
      databaseUrl,
      `SELECT count(*)::int AS n FROM taper_requests
        WHERE id = ANY($1::uuid[]) AND status IN ('planned', 'rejected', 'failed')`,
      [ids],
    );
    if ((row?.n ?? 0) >= sentAt.size) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpu = endCpu();

  const rows = await query<Row>(
    databaseUrl,
    `SELECT id, status,
            (extract(epoch FROM created_at) * 1000)::text AS created_ms,
            (extract(epoch FROM updated_at) * 1000)::text AS updated_ms
       FROM taper_requests WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const db: number[] = [];
  const endToEnd: number[] = [];
  const notPlanned: Record<string, number> = rejectedPosts ? { 'POST not 202': rejectedPosts } : {};
  let lastUpdate = firstSend;
  for (const row of rows) {
    if (row.status !== 'planned') {
      notPlanned[row.status] = (notPlanned[row.status] ?? 0) + 1;
      continue;
    }
    const created = Number(row.created_ms);
    const updated = Number(row.updated_ms);
    db.push(updated - created);
    endToEnd.push(updated - sentAt.get(row.id)!);
    lastUpdate = Math.max(lastUpdate, updated);
  }
  const drainS = (lastUpdate - firstSend) / 1000;
  return {
    requests: options.count,
    inFlight: options.inFlight,
    accepted: sentAt.size,
    planned: db.length,
    notPlanned,
    postMs: latencySummary(postMs),
    dbMs: latencySummary(db),
    endToEndMs: latencySummary(endToEnd),
    drainS,
    plansPerS: drainS > 0 ? db.length / drainS : Number.NaN,
    cpu,
  };
}
