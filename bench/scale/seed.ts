import type { ClientBase, Pool, PoolClient } from 'pg';

/**
 * A regional network's tables at `scale` × a base of 500 plans in force, 100,000 dose rows and
 * 10,000 alerts (so 100 = 50,000 plans, 10 million doses, a million alerts), for the scale bench
 * and anyone measuring a job against a full database.
 *
 * Every plan is one patient's (one plan in force each), cloned from a template plan planned
 * through the API (its steps, strategy and doses per day are the planner's own), three doses a
 * day 8 h apart at a clock time of the plan's own (the plans' times spread over the day), from
 * two months ago to 6⅔ days ahead (the dose horizon): 200 dose rows a plan. The past is recorded
 * as a ward records it: most given (by one of the unit's five nurses, on time), some held,
 * refused or missed; the doses of the last two hours a quarter still scheduled (overdue for the
 * sweep once their grace has passed); the rest ahead scheduled, armed, their checks queued for
 * the next 48 h. Twenty alerts a plan over the two months, alternately missed dose and
 * abrupt-cessation risk, each with its escalation row: the last two of one plan in ten open,
 * of two in ten acknowledged, everything else resolved.
 */

export const NETWORK_BASE = { plans: 500, doses: 100_000, alerts: 10_000 } as const;
export const NETWORK_UNITS = 200;
export const NURSES_PER_UNIT = 5;
const DOSES_PER_PLAN = NETWORK_BASE.doses / NETWORK_BASE.plans;
const ALERTS_PER_PLAN = NETWORK_BASE.alerts / NETWORK_BASE.plans;
/** Days of history (the first dose is due this long ago). */
export const HISTORY_DAYS = 60;
const DOSE_SPACING_HOURS = 8;
const GRACE = `interval '30 minutes'`;

/** The bench's bookkeeping of the network's plans, numbered: growth adds the plans missing. */
const NETWORK_TABLE = 'bench_network_plans';

export interface NetworkOptions {
  tenantId: string;
  /** A plan planned through the API: every network plan copies its clinical content. */
  templatePlanId: string;
  /** The instant the history ends at (fixed over the growth steps of one run). */
  now: Date;
}

export interface SeedReport {
  scale: number;
  /** Plans (and patients) added by this call, and the network's size after it. */
  addedPlans: number;
  plans: number;
  doses: number;
  alerts: number;
  /**
   * Wall time of the fill (INSERT … SELECT), the index builds, VACUUM ANALYZE, the CHECKPOINT
   * that writes it all out, and in all.
   */
  fillS: number;
  indexS: number;
  vacuumS: number;
  checkpointS: number;
  totalS: number;
}

/** The unit of network plan `i` (so 200 units at every scale: a unit's share grows with it). */
export const networkUnit = (i: number) => `unit-${String(i % NETWORK_UNITS).padStart(3, '0')}`;

/** The id of network plan `i` (after seedNetwork). */
export async function networkPlanId(db: Pool, i: number): Promise<string> {
  const { rows } = await db.query<{ plan_id: string }>(
    `SELECT plan_id FROM ${NETWORK_TABLE} WHERE i = $1`,
    [i],
  );
  if (!rows[0]) throw new Error(`network plan ${i} is not seeded`);
  return rows[0].plan_id;
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * Grows the network in `db` to `scale` (a no-op for what is already there): patients, plans,
 * their doses and alerts with escalation rows, and the units' nurses. When the rows added
 * outnumber those present, the big tables' indexes are dropped for the fill and built after it.
 * Ends with VACUUM ANALYZE and a CHECKPOINT. The pool must allow FILL_LANES connections.
 */
export async function seedNetwork(
  pool: Pool,
  scale: number,
  options: NetworkOptions,
): Promise<SeedReport> {
  const t0 = process.hrtime.bigint();
  const lanes: PoolClient[] = [];
  try {
    for (let lane = 0; lane < FILL_LANES; lane++) lanes.push(await fastSession(pool));
    const db = lanes[0]!;
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${NETWORK_TABLE} (
         i int PRIMARY KEY, plan_id uuid NOT NULL, patient_id uuid NOT NULL, unit_id text NOT NULL)`,
    );
    const {
      rows: [have],
    } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${NETWORK_TABLE}`);
    const from = have!.n;
    const to = Math.round(NETWORK_BASE.plans * scale);
    let fillS = 0;
    let indexS = 0;
    if (to > from) {
      await addNurses(db, options.tenantId);
      await addPlans(db, { from, to, ...options });
      const rebuild = to - from > from;
      const saved = rebuild ? await dropIndexes(db, BIG_TABLES) : [];
      const f0 = process.hrtime.bigint();
      // The plans split between the lanes, each filling its share on its own connection.
      const step = Math.ceil((to - from) / lanes.length);
      await Promise.all(
        lanes.map(async (lane, k) => {
          const range = {
            ...options,
            from: from + k * step,
            to: Math.min(to, from + (k + 1) * step),
          };
          if (range.from >= range.to) return;
          await addDoses(lane, range);
          await addAlerts(lane, range);
        }),
      );
      fillS = seconds(f0);
      const i0 = process.hrtime.bigint();
      for (const statement of saved) await db.query(statement);
      indexS = seconds(i0);
    }
    const v0 = process.hrtime.bigint();
    await db.query(`VACUUM ANALYZE patients, plans, doses, alerts, alert_escalations, actors`);
    const vacuumS = seconds(v0);
    // The fill, the index builds and the vacuum leave gigabytes of dirty pages and WAL: without
    // this, the checkpoint they force runs through the measurements that follow, writing all of
    // it beside them (a load no network carries), and starts at a moment that differs by size.
    const c0 = process.hrtime.bigint();
    await db.query('CHECKPOINT');
    const checkpointS = seconds(c0);
    const {
      rows: [sizes],
    } = await db.query<{ doses: string; alerts: string }>(
      `SELECT (SELECT count(*) FROM doses) AS doses, (SELECT count(*) FROM alerts) AS alerts`,
    );
    return {
      scale,
      addedPlans: Math.max(0, to - from),
      plans: Math.max(from, to),
      doses: Number(sizes!.doses),
      alerts: Number(sizes!.alerts),
      fillS,
      indexS,
      vacuumS,
      checkpointS,
      totalS: seconds(t0),
    };
  } finally {
    for (const lane of lanes) lane.release();
  }
}

/** Connections filling at once: this machine has two cores. */
const FILL_LANES = 2;

/** A pooled connection set for bulk work (per session: every table stays logged). */
async function fastSession(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query(`SET max_parallel_maintenance_workers = 2`);
  return client;
}

interface Range extends NetworkOptions {
  from: number;
  to: number;
}

/** The tables whose indexes are built after a large fill. */
const BIG_TABLES = ['doses', 'alerts', 'alert_escalations'];

/**
 * Drops the tables' indexes and primary-key / unique constraints; returns the statements that
 * build them again, as the migrations made them (same names and definitions).
 */
async function dropIndexes(db: ClientBase, tables: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ tbl: string; name: string; def: string; con: boolean }>(
    `SELECT c.relname AS tbl, i.relname AS name, k.conname IS NOT NULL AS con,
            coalesce('ALTER TABLE ' || quote_ident(c.relname) || ' ADD CONSTRAINT ' ||
                     quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid),
                     pg_get_indexdef(x.indexrelid)) AS def
       FROM pg_index x
       JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_class i ON i.oid = x.indexrelid
       LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.contype IN ('p', 'u')
      WHERE c.relname = ANY($1::text[]) AND c.relnamespace = 'public'::regnamespace`,
    [tables],
  );
  for (const r of rows) {
    await db.query(
      r.con
        ? `ALTER TABLE ${quote(r.tbl)} DROP CONSTRAINT ${quote(r.name)}`
        : `DROP INDEX ${quote(r.name)}`,
    );
  }
  return rows.map((r) => r.def);
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Five nurses (sign-on persons) per unit: the recorders of the history. */
async function addNurses(db: ClientBase, tenantId: string): Promise<void> {
  await db.query(
    `INSERT INTO actors (id, tenant_id, kind, issuer, subject, name, seen_at)
     SELECT ${nurseId('u', 'n')}, $1, 'person', 'https://idp.bench.invalid',
            'nurse-' || u || '-' || n, 'Nurse ' || n || ' of unit ' || u, now()
       FROM generate_series(0, ${NETWORK_UNITS - 1}) u, generate_series(0, ${NURSES_PER_UNIT - 1}) n
     ON CONFLICT DO NOTHING`,
    [tenantId],
  );
}

/** The actor id of nurse `n` of unit number `u` (SQL expressions). */
const nurseId = (u: string, n: string) => `md5('bench-nurse-' || ${u} || '-' || ${n})::uuid`;

/**
 * Every nurse's id in one array, computed once per statement (an init plan), indexed by
 * nurseOf: an md5 per row cost a fifth of the fill.
 */
const NURSES = `(SELECT array_agg(${nurseId('u', 'n')} ORDER BY u, n)
                   FROM generate_series(0, ${NETWORK_UNITS - 1}) u,
                        generate_series(0, ${NURSES_PER_UNIT - 1}) n)`;

/** Nurse `n` (any integer, taken modulo) of network plan `i`'s unit, from NURSES. */
const nurseOf = (i: string, n: string) =>
  `(${NURSES})[(${i} % ${NETWORK_UNITS}) * ${NURSES_PER_UNIT} + (${n}) % ${NURSES_PER_UNIT} + 1]`;

/**
 * A version-4-shaped uuid from 128 bits of two hashes of `x` (a bigint unique per row) and a
 * table's `seed`: spread over the key space as random ids are, at a third of gen_random_uuid's
 * cost on ten million rows.
 */
const hashedUuid = (x: string, seed: number) =>
  `encode(int8send((hashint8extended(${x}, ${seed}) & -61441) | 16384)
          || int8send((hashint8extended(${x}, ${seed + 1}) & 4611686018427387903)
                      | -9223372036854775808), 'hex')::uuid`;

/**
 * A version-7 uuid as the planner gives a dose (uuid_v7 at `at`, SQL): its first 48 bits the
 * milliseconds of `at`, the rest hashed from `x` and `seed` as hashedUuid's are.
 */
const timeOrderedUuid = (x: string, seed: number, at: string) =>
  `encode(int8send((floor(extract(epoch FROM ${at}) * 1000)::bigint << 16) | 28672
                   | (hashint8extended(${x}, ${seed}) & 4095))
          || int8send((hashint8extended(${x}, ${seed + 1}) & 4611686018427387903)
                      | -9223372036854775808), 'hex')::uuid`;

/** Patients and their plans in force, copied from the template, started HISTORY_DAYS ago. */
async function addPlans(db: ClientBase, r: Range): Promise<void> {
  await db.query(
    `INSERT INTO ${NETWORK_TABLE} (i, plan_id, patient_id, unit_id)
     SELECT i, gen_random_uuid(), gen_random_uuid(),
            'unit-' || lpad((i % ${NETWORK_UNITS})::text, 3, '0')
       FROM generate_series($1::int, $2::int - 1) i`,
    [r.from, r.to],
  );
  await db.query(
    `INSERT INTO patients (id, tenant_id, external_id, unit_id, created_at, updated_at)
     SELECT n.patient_id, $3, 'NET-' || n.i, n.unit_id, $4::timestamptz - interval '${HISTORY_DAYS + 1} days',
            $4::timestamptz - interval '${HISTORY_DAYS + 1} days'
       FROM ${NETWORK_TABLE} n WHERE n.i >= $1 AND n.i < $2`,
    [r.from, r.to, r.tenantId, r.now],
  );
  // The plan's own dates move to its start; its doses were written to the horizon, where
  // doses_until stands (the horizon job extends from there).
  await db.query(
    `INSERT INTO plans (id, tenant_id, request_id, patient_id, drug_code, version, status, strategy,
                        start_date, end_date, start_daily_dose_mg, target_daily_dose_mg, steps,
                        warnings, rationale, created_at, approved_at, approved_by, doses_until,
                        doses_per_day, equivalent_drug_code)
     SELECT n.plan_id, $3, gen_random_uuid(), n.patient_id, t.drug_code, 1, 'active', t.strategy,
            s.start, s.start + (t.end_date - t.start_date), t.start_daily_dose_mg,
            t.target_daily_dose_mg, t.steps, t.warnings, t.rationale,
            $4::timestamptz - interval '${HISTORY_DAYS + 1} days',
            $4::timestamptz - interval '${HISTORY_DAYS + 1} days', NULL,
            ${dueAt('n.i', String(DOSES_PER_PLAN - 1), '$4')}, t.doses_per_day,
            t.equivalent_drug_code
       FROM ${NETWORK_TABLE} n
       CROSS JOIN (SELECT * FROM plans WHERE id = $5) t
       CROSS JOIN LATERAL (SELECT ($4::timestamptz - interval '${HISTORY_DAYS} days')::date AS start) s
      WHERE n.i >= $1 AND n.i < $2`,
    [r.from, r.to, r.tenantId, r.now, r.templatePlanId],
  );
}

/**
 * Due time of dose `k` of plan `i` (SQL): every 8 h from HISTORY_DAYS before `now` (on the
 * hour), at one of 48 ten-minute offsets by plan, so the network's doses fall due all day.
 */
function dueAt(i: string, k: string, now: string): string {
  return `(date_trunc('hour', ${now}::timestamptz) - interval '${HISTORY_DAYS} days'
           + make_interval(hours => ${k} * ${DOSE_SPACING_HOURS}, mins => (${i} % 48) * 10))`;
}

/**
 * The doses, dose number outermost so the heap is in due order as the horizon job writes it.
 * `r` is a dose's pseudo-random percentile: given < 90 ≤ held < 93 ≤ refused < 95 ≤ missed.
 * OFFSET 0 keeps each LATERAL a step of its own: pulled up, its expressions were computed again
 * wherever they are used.
 */
async function addDoses(db: ClientBase, r: Range): Promise<void> {
  await db.query(
    `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                        equivalent_mg, status, administered_at, recorded_by, recorded_outcome,
                        reported_via, timeliness, minutes_from_due, given_mg, missed_after,
                        missed_at, check_queued, created_at, updated_at)
     SELECT ${timeOrderedUuid('n.i::bigint * 256 + k', 1, `d.due_at - interval '7 days'`)}, $3,
            n.plan_id, n.patient_id, k / 42,
            d.due_at, 'baclofen', 15, 15,
            o.status,
            CASE WHEN o.status = 'given' THEN d.due_at + make_interval(mins => d.r % 21 - 10) END,
            CASE WHEN o.status IN ('given', 'held', 'refused')
                 THEN ${nurseOf('n.i', 'd.r')} END,
            CASE WHEN o.status IN ('given', 'held', 'refused') THEN o.status END,
            CASE WHEN o.status IN ('given', 'held', 'refused') THEN 'staff' END,
            CASE WHEN o.status = 'given' THEN 'on_time' END,
            CASE WHEN o.status = 'given' THEN d.r % 21 - 10 END,
            CASE WHEN o.status = 'given' THEN 15 END,
            d.due_at + ${GRACE},
            CASE WHEN o.status = 'missed' THEN d.due_at + ${GRACE} + interval '10 seconds' END,
            o.status <> 'scheduled' OR d.due_at < $4::timestamptz + interval '48 hours',
            d.due_at - interval '7 days',
            CASE WHEN o.status = 'scheduled' THEN d.due_at - interval '7 days'
                 ELSE d.due_at + ${GRACE} END
       FROM generate_series(0, ${DOSES_PER_PLAN - 1}) k
       CROSS JOIN LATERAL (SELECT * FROM ${NETWORK_TABLE} WHERE i >= $1 AND i < $2 ORDER BY i) n
       CROSS JOIN LATERAL (SELECT ${dueAt('n.i', 'k', '$4')} AS due_at,
                                  abs(hashint4(n.i * 256 + k)) % 100 AS r OFFSET 0) d
       CROSS JOIN LATERAL (SELECT CASE
           WHEN d.due_at > $4::timestamptz THEN 'scheduled'
           WHEN d.due_at > $4::timestamptz - interval '2 hours' AND d.r % 4 = 0 THEN 'scheduled'
           WHEN d.due_at > $4::timestamptz - ${GRACE}
             THEN CASE WHEN d.r % 2 = 0 THEN 'scheduled' ELSE 'given' END
           WHEN d.r < 90 THEN 'given' WHEN d.r < 93 THEN 'held'
           WHEN d.r < 95 THEN 'refused' ELSE 'missed' END AS status OFFSET 0) o`,
    [r.from, r.to, r.tenantId, r.now],
  );
}

/** Alerts every three days a plan, each with the escalation row its unit's policy froze. */
async function addAlerts(db: ClientBase, r: Range): Promise<void> {
  const live = `CASE WHEN j >= ${ALERTS_PER_PLAN - 2} AND n.i % 10 = 0 THEN 'open'
                     WHEN j >= ${ALERTS_PER_PLAN - 2} AND n.i % 10 IN (1, 2) THEN 'acknowledged'
                     ELSE 'resolved' END`;
  await db.query(
    `INSERT INTO alerts (id, tenant_id, type, severity, status, patient_id, plan_id, unit_id,
                         level, message, dedup_key, created_at, updated_at, acknowledged_at,
                         acknowledged_by, resolved_at, resolved_by, resolution_note)
     SELECT ${hashedUuid('n.i::bigint * 256 + j', 3)}, $3, a.type, CASE WHEN j % 2 = 0 THEN 'warning' ELSE 'critical' END,
            a.status, n.patient_id, n.plan_id, n.unit_id, 0,
            CASE WHEN j % 2 = 0 THEN 'A dose was missed' ELSE 'Risk of abrupt cessation' END,
            n.plan_id || ':' || a.type, a.at, a.at + interval '1 hour',
            CASE WHEN a.status <> 'open' THEN a.at + interval '20 minutes' END,
            CASE WHEN a.status <> 'open' THEN ${nurseOf('n.i', 'j')} END,
            CASE WHEN a.status = 'resolved' THEN a.at + interval '1 hour' END,
            CASE WHEN a.status = 'resolved' THEN ${nurseOf('n.i', 'j')} END,
            CASE WHEN a.status = 'resolved' THEN 'Dose given late, patient well' END
       FROM generate_series(0, ${ALERTS_PER_PLAN - 1}) j
       CROSS JOIN LATERAL (SELECT * FROM ${NETWORK_TABLE} WHERE i >= $1 AND i < $2 ORDER BY i) n
       CROSS JOIN LATERAL (SELECT
           CASE WHEN j % 2 = 0 THEN 'missed_dose' ELSE 'abrupt_cessation_risk' END AS type,
           ${live} AS status,
           ${dueAt('n.i', `(j * 9 + 2)`, '$4')} + interval '1 hour' AS at OFFSET 0) a`,
    [r.from, r.to, r.tenantId, r.now],
  );
  await db.query(
    `INSERT INTO alert_escalations (alert_id, tenant_id, unit_id, status, next_at, last_fired_at,
                                    updated_at)
     SELECT a.id, a.tenant_id, a.unit_id,
            CASE a.status WHEN 'open' THEN 'active' WHEN 'acknowledged' THEN 'acknowledged'
                          ELSE 'ended' END,
            CASE WHEN a.status = 'open' THEN a.created_at + interval '15 minutes' END,
            a.created_at, a.updated_at
       FROM alerts a JOIN ${NETWORK_TABLE} n ON n.plan_id = a.plan_id
      WHERE n.i >= $1 AND n.i < $2`,
    [r.from, r.to],
  );
}
