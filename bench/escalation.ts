import { ApiClient } from './http/api-client';
import { CpuShare, cpuWindow } from './lib/cpu';
import { Samples, metricDelta, scrapeMetrics } from './lib/metrics';
import { sleep, until } from './lib/poll';
import { Receiver } from './lib/receiver';
import { activePlans, seedDoses } from './lib/seed';
import { query } from './lib/services';
import { BenchSettings } from './lib/settings';
import { LatencySummary, latencySummary } from './lib/stats';

/**
 * Escalation lateness and webhook delivery rate. Alerts are opened by the built worker's
 * own watcher (AlertsService.raise, the policy frozen onto each alert in the same transaction):
 * active plans get one dose each, armed to fall due at one instant a sweep or two ahead; the
 * sweep queues a delayed check per dose, and each check marks its dose missed and raises the
 * plan's alerts (missed_dose and abrupt_cessation_risk: two per plan).
 */

/** What both items need: the API (admin and prescriber keys), the database and the worker. */
export interface EscalationContext {
  admin: ApiClient;
  prescriber: ApiClient;
  databaseUrl: string;
  settings: BenchSettings;
  receiver: Receiver;
  /** The worker's /metrics (it runs with WORKER_METRICS_PORT). */
  metricsUrl: string;
  /** Child pids by name, for CPU accounting. */
  children: Record<string, number>;
}

type Policy = { steps: { afterMinutes: number; targets: { type: 'webhook'; url: string }[] }[] };

interface Wave {
  planIds: string[];
  /** The doses' missed_after: when the checks fire and the alerts open. */
  dueAt: number;
  alerts: number;
  /** Every alert's escalation exhausted and no delivery left waiting, within the time allowed. */
  settled: boolean;
  cpu: CpuShare;
  metrics: { before: Samples; after: Samples };
}

const ALERTS_OF = 'SELECT id FROM alerts WHERE plan_id = ANY($1::uuid[])';

/**
 * PUTs `policy` for `unitId` (admin), makes `plans` active plans in that unit, seeds one dose
 * each falling due together, and waits until every alert they raise has run its whole policy
 * (escalation no longer active, no delivery pending or sending) and the count holds still.
 */
async function alertWave(
  ctx: EscalationContext,
  unitId: string,
  plans: number,
  policy: Policy & { repeat: number },
  settleMs: number,
): Promise<Wave> {
  const { databaseUrl, settings } = ctx;
  await ctx.admin.expect(200, 'PUT', `/v1/units/${unitId}/escalation-policy`, policy);
  const label = unitId.toUpperCase();
  const planIds = await activePlans(ctx.prescriber, databaseUrl, plans, label, unitId);
  const graceMs = settings.watchGraceMinutes * 60_000;
  // The sweep queues the checks (two sweeps fit in the lead) before the doses fall due.
  const dueAt = Date.now() + 2 * settings.watchSweepMs + 5000;
  const before = await scrapeMetrics(ctx.metricsUrl);
  await seedDoses(databaseUrl, planIds, {
    count: planIds.length,
    firstDueAt: new Date(dueAt - graceMs),
    spacingMs: 0,
    armedGraceMs: graceMs,
  });
  await sleep(Math.max(0, dueAt - Date.now() - 500));
  const endCpu = cpuWindow(ctx.children);
  let last = -1;
  let stableSince = Date.now();
  const settled = await until(
    async () => {
      const [state] = await query<{ alerts: number; active: number; open: number }>(
        databaseUrl,
        `SELECT (SELECT count(*)::int FROM alerts WHERE plan_id = ANY($1::uuid[])) AS alerts,
                (SELECT count(*)::int FROM alert_escalations
                  WHERE status = 'active' AND alert_id IN (${ALERTS_OF})) AS active,
                (SELECT count(*)::int FROM alert_deliveries
                  WHERE status IN ('pending', 'sending') AND alert_id IN (${ALERTS_OF})) AS open`,
        [planIds],
      );
      const alerts = state?.alerts ?? 0;
      if (alerts !== last) [last, stableSince] = [alerts, Date.now()];
      return (
        alerts > 0 && state!.active === 0 && state!.open === 0 && Date.now() - stableSince > 2000
      );
    },
    settleMs,
    250,
  );
  const cpu = endCpu();
  const after = await scrapeMetrics(ctx.metricsUrl);
  return { planIds, dueAt, alerts: Math.max(0, last), settled, cpu, metrics: { before, after } };
}

/** The worker's counters over the wave: lateness observations by fired_by, attempts by outcome. */
function waveMetrics(wave: Wave) {
  const { before, after } = wave.metrics;
  return {
    escalationLatenessCount: metricDelta(
      before,
      after,
      'taperwatch_escalation_lateness_seconds_count',
    ),
    escalationLatenessSum: metricDelta(before, after, 'taperwatch_escalation_lateness_seconds_sum'),
    deliveryAttempts: metricDelta(before, after, 'taperwatch_delivery_attempts_total'),
    deliveriesFailed: metricDelta(before, after, 'taperwatch_deliveries_failed_total'),
    escalationSweepFindings: metricDelta(
      before,
      after,
      'taperwatch_escalation_sweep_findings_total',
    ),
  };
}

/** Most values within any `windowMs` (sorted sweep). */
function densest(values: number[], windowMs: number): number {
  const s = [...values].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const spanS = (values: number[]) =>
  values.length ? (Math.max(...values) - Math.min(...values)) / 1000 : Number.NaN;

// ---------------------------------------------------------------------------------------------
// Escalation lateness with 1,000 alerts escalating together

/** Step 1 of the policy: half a minute after step 0 (afterMinutes takes fractions). */
const STEP1_AFTER_MINUTES = 0.5;

export interface EscalationResult {
  plans: number;
  alerts: number;
  settled: boolean;
  /** Spread of the alerts' created_at, and of their step-1 due times (step 0 + 30 s). */
  openedSpreadS: number;
  step1DueSpreadS: number;
  /** Most step-1 due times within any one second. */
  step1DueInOneSecond: number;
  /** Alert opened → step 0 fired (ms). */
  step0Ms: LatencySummary;
  /** Step 1 fired − (step 0 fired + 30 s): the engine's own times, from the payloads (ms). */
  latenessMs: LatencySummary;
  /** The same from the step rows' created_at (Postgres' transaction start; cross-check). */
  rowLatenessMs: LatencySummary;
  /** Step 1 fired → its webhook delivered (ms). */
  step1DeliveryMs: LatencySummary;
  missingStep1: number;
  receiverRequests: number;
  metrics: ReturnType<typeof waveMetrics>;
  cpu: CpuShare;
}

export async function benchEscalation(ctx: EscalationContext): Promise<EscalationResult> {
  const webhook = { type: 'webhook' as const, url: `${ctx.receiver.url}/escalation` };
  ctx.receiver.reset();
  const afterMs = STEP1_AFTER_MINUTES * 60_000;
  const wave = await alertWave(
    ctx,
    'bench-escalation',
    ctx.settings.escalationPlans,
    {
      steps: [
        { afterMinutes: 0, targets: [webhook] },
        { afterMinutes: STEP1_AFTER_MINUTES, targets: [webhook] },
      ],
      repeat: 0,
    },
    afterMs + 180_000,
  );
  // Epoch ms: the alert's creation, each step's fire time (the payload's timestamp is the
  // engine's `now`, from which it counted step 1's due time) and row creation.
  const rows = await query<{
    opened: number;
    fired0: number;
    row0: number;
    fired1: number | null;
    row1: number | null;
    delivered1: number | null;
  }>(
    ctx.databaseUrl,
    `SELECT extract(epoch FROM a.created_at) * 1000 AS opened,
            extract(epoch FROM (d0.payload::json ->> 'timestamp')::timestamptz) * 1000 AS fired0,
            extract(epoch FROM d0.created_at) * 1000 AS row0,
            extract(epoch FROM (d1.payload::json ->> 'timestamp')::timestamptz) * 1000 AS fired1,
            extract(epoch FROM d1.created_at) * 1000 AS row1,
            extract(epoch FROM d1.delivered_at) * 1000 AS delivered1
       FROM alerts a
       JOIN alert_deliveries d0 ON d0.alert_id = a.id AND d0.step = 0 AND d0.loop = 0
       LEFT JOIN alert_deliveries d1 ON d1.alert_id = a.id AND d1.step = 1 AND d1.loop = 0
      WHERE a.plan_id = ANY($1::uuid[])`,
    [wave.planIds],
  );
  const num = (x: number | string | null) => (x === null ? null : Number(x));
  const both = rows.filter((r) => r.fired1 !== null);
  const step1Due = rows.map((r) => Number(r.fired0) + afterMs);
  return {
    plans: wave.planIds.length,
    alerts: wave.alerts,
    settled: wave.settled,
    openedSpreadS: spanS(rows.map((r) => Number(r.opened))),
    step1DueSpreadS: spanS(step1Due),
    step1DueInOneSecond: densest(step1Due, 1000),
    step0Ms: latencySummary(rows.map((r) => Number(r.fired0) - Number(r.opened))),
    latenessMs: latencySummary(both.map((r) => num(r.fired1)! - Number(r.fired0) - afterMs)),
    rowLatenessMs: latencySummary(both.map((r) => num(r.row1)! - Number(r.row0) - afterMs)),
    step1DeliveryMs: latencySummary(
      both.filter((r) => r.delivered1 !== null).map((r) => num(r.delivered1)! - num(r.fired1)!),
    ),
    missingStep1: rows.length - both.length,
    receiverRequests: ctx.receiver.stats().requests,
    metrics: waveMetrics(wave),
    cpu: wave.cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook deliveries per second to a local receiver

export interface DeliveriesResult {
  plans: number;
  alerts: number;
  targets: number;
  settled: boolean;
  rows: number;
  byStatus: Record<string, number>;
  attempts: number;
  /** delivered rows / (max(delivered_at) − min(created_at)), and that span. */
  dbPerS: number;
  dbSpanS: number;
  /** The receiver's own count over its first-to-last request. */
  receiverRequests: number;
  receiverPerS: number;
  receiverSpanS: number;
  /** Alerts' created_at spread (their opening paces the deliveries too). */
  openedSpreadS: number;
  metrics: ReturnType<typeof waveMetrics>;
  cpu: CpuShare;
}

export async function benchDeliveries(ctx: EscalationContext): Promise<DeliveriesResult> {
  const n = ctx.settings.deliveryTargets;
  const targets = Array.from({ length: n }, (_, i) => ({
    type: 'webhook' as const,
    url: `${ctx.receiver.url}/deliveries/${i}`,
  }));
  ctx.receiver.reset();
  const wave = await alertWave(
    ctx,
    'bench-deliveries',
    ctx.settings.deliveryPlans,
    { steps: [{ afterMinutes: 0, targets }], repeat: 0 },
    180_000,
  );
  const [agg] = await query<{
    rows: number;
    delivered: number;
    attempts: number;
    first_created: number;
    last_delivered: number;
    opened_spread: number;
  }>(
    ctx.databaseUrl,
    `SELECT count(*)::int AS rows,
            count(*) FILTER (WHERE d.status = 'delivered')::int AS delivered,
            coalesce(sum(d.attempts), 0)::int AS attempts,
            extract(epoch FROM min(d.created_at)) * 1000 AS first_created,
            extract(epoch FROM max(d.delivered_at)) * 1000 AS last_delivered,
            (SELECT extract(epoch FROM max(created_at) - min(created_at))
               FROM alerts WHERE plan_id = ANY($1::uuid[])) AS opened_spread
       FROM alert_deliveries d WHERE d.alert_id IN (${ALERTS_OF})`,
    [wave.planIds],
  );
  const statuses = await query<{ status: string; n: number }>(
    ctx.databaseUrl,
    `SELECT status, count(*)::int AS n FROM alert_deliveries
      WHERE alert_id IN (${ALERTS_OF}) GROUP BY status`,
    [wave.planIds],
  );
  const dbSpanS = (Number(agg!.last_delivered) - Number(agg!.first_created)) / 1000;
  const received = ctx.receiver.stats();
  const receiverSpanS =
    received.firstAt !== null && received.lastAt !== null
      ? (received.lastAt - received.firstAt) / 1000
      : Number.NaN;
  return {
    plans: wave.planIds.length,
    alerts: wave.alerts,
    targets: n,
    settled: wave.settled,
    rows: agg!.rows,
    byStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    attempts: agg!.attempts,
    dbPerS: agg!.delivered / dbSpanS,
    dbSpanS,
    receiverRequests: received.requests,
    receiverPerS: received.requests / receiverSpanS,
    receiverSpanS,
    openedSpreadS: Number(agg!.opened_spread),
    metrics: waveMetrics(wave),
    cpu: wave.cpu,
  };
}
