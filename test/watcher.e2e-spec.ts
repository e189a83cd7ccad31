import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '@taperwatch/auth';
import { isoDate } from '@taperwatch/common';
import { ProblemException } from '@taperwatch/http';
import { recordingsPerStatement } from '@taperwatch/observability';
import type { DoseOutcome } from '@taperwatch/persistence';
import { type DoseView, DoseRecordingService, DosesRepository } from '@taperwatch/doses';
import { freePort } from '@taperwatch/runtime';
import {
  HOUR,
  TestStack,
  bearer,
  createKey,
  deleteQueueKeys,
  eventually,
  seedWatchedPlan,
  startStack,
} from '@taperwatch/testing';

const DIST = path.resolve(__dirname, '../dist/apps');
/** 1.2 s of grace and a 500 ms sweep: the watcher's timing, compressed for tests. */
const FAST_WATCH = { DOSE_GRACE_MINUTES: '0.02', WATCH_SWEEP_MS: '500' };

type Alert = {
  type: string;
  severity: string;
  doseIds: string[];
  planId: string;
  message: string;
};

describe('the watcher', () => {
  let stack: TestStack;
  let nurse: string;
  let prescriber: string;

  beforeAll(async () => {
    stack = await startStack({ env: FAST_WATCH });
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
  });
  afterAll(() => stack.close());

  const record = (doseId: string, body: object, key = nurse) =>
    stack.http().post(`/v1/doses/${doseId}/administrations`).set(bearer(key)).send(body);
  const alertsOf = async (planId: string): Promise<Alert[]> =>
    (await stack.http().get(`/v1/alerts?status=open`).set(bearer(nurse))).body.items.filter(
      (a: Alert) => a.planId === planId,
    );
  const doseStatus = async (doseId: string) =>
    (await stack.app.get(DataSource).query('SELECT status FROM doses WHERE id = $1', [doseId]))[0]
      .status as string;

  describe('recording', () => {
    it('records a dose given on time, once', async () => {
      const { doseIds } = await seedWatchedPlan(stack, prescriber, [{ inMs: 10 * 60_000 }]);
      const res = await record(doseIds[0]!, { outcome: 'given' }).expect(201);
      expect(res.body).toEqual(
        expect.objectContaining({
          id: doseIds[0],
          status: 'given',
          timeliness: 'on_time',
          recordedBy: expect.objectContaining({ type: 'api_key', id: expect.any(String) }),
        }),
      );
      const again = await record(doseIds[0]!, { outcome: 'given' }).expect(409);
      expect(again.body.detail).toMatch(/already recorded as given/);
    });

    it('lets exactly one of two simultaneous recordings of a dose through', async () => {
      const { doseIds } = await seedWatchedPlan(stack, prescriber, [{ inMs: 10 * 60_000 }]);
      const results = await Promise.all([
        record(doseIds[0]!, { outcome: 'given' }),
        record(doseIds[0]!, { outcome: 'refused' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    });

    it('records held and refused, and not_given as a dose not taken', async () => {
      const { doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: 5 * 60_000 },
        { inMs: 6 * 60_000 },
        { inMs: 7 * 60_000 },
      ]);
      expect(
        (await record(doseIds[0]!, { outcome: 'held', note: 'NBM before theatre' }).expect(201))
          .body.status,
      ).toBe('held');
      expect((await record(doseIds[1]!, { outcome: 'refused' }).expect(201)).body.status).toBe(
        'refused',
      );
      const notGiven = (await record(doseIds[2]!, { outcome: 'not_given' }).expect(201)).body;
      expect(notGiven).toEqual(expect.objectContaining({ status: 'missed', outcome: 'not_given' }));
    });

    it('answers each recording with the dose exactly as it is then read back', async () => {
      const { doseIds, planId } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -10 * 60_000 },
        { inMs: 5 * 60_000 },
        { inMs: 6 * 60_000 },
      ]);
      const answers = [
        await record(doseIds[0]!, {
          outcome: 'given',
          // Microseconds and an amount past numeric(10,3): what is stored is what is answered.
          administeredAt: new Date(Date.now() - 3 * 60_000).toISOString().replace('Z', '456Z'),
          doseMg: 2.12345,
          note: 'crushed in yoghurt',
        }).expect(201),
        await record(doseIds[1]!, { outcome: 'held', note: 'NBM before theatre' }).expect(201),
        await record(doseIds[2]!, { outcome: 'not_given' }).expect(201),
      ].map((res) => res.body);
      expect(answers[0]).toEqual(
        expect.objectContaining({ givenMg: 2.123, timeliness: 'on_time', minutesFromDue: 7 }),
      );
      const listed = (await stack.http().get(`/v1/plans/${planId}/doses`).set(bearer(nurse))).body
        .items;
      expect(answers).toEqual(listed);
    });

    it('accepts a late given dose after the watcher marked it missed, keeping its lateness', async () => {
      const { doseIds, planId } = await seedWatchedPlan(stack, prescriber, [{ inMs: -2 * HOUR }]);
      await eventually(
        () => doseStatus(doseIds[0]!),
        (s) => s === 'missed',
      );
      await eventually(
        () => alertsOf(planId),
        (a) => a.some((x) => x.type === 'missed_dose'),
      );
      const res = await record(doseIds[0]!, { outcome: 'given' }).expect(201);
      expect(res.body).toEqual(
        expect.objectContaining({
          status: 'given',
          timeliness: 'late',
          missedAt: expect.any(String),
        }),
      );
      expect(res.body.minutesFromDue).toBeGreaterThanOrEqual(119);
    });

    it('refuses a time in the future and a bad outcome, naming the field', async () => {
      const { doseIds } = await seedWatchedPlan(stack, prescriber, [{ inMs: 60_000 }]);
      const future = new Date(Date.now() + 2 * HOUR).toISOString();
      const late = await record(doseIds[0]!, { outcome: 'given', administeredAt: future }).expect(
        422,
      );
      expect(late.body.errors).toEqual([expect.objectContaining({ field: 'administeredAt' })]);
      const bad = await record(doseIds[0]!, { outcome: 'swallowed' }).expect(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'outcome' })]);
      const huge = await record(doseIds[0]!, { outcome: 'given', doseMg: 1e12 }).expect(400);
      expect(huge.body.errors).toEqual([expect.objectContaining({ field: 'doseMg' })]);
    });

    it('replays a recording sent again with its Idempotency-Key; a changed body is 422', async () => {
      const { doseIds } = await seedWatchedPlan(stack, prescriber, [{ inMs: 60_000 }]);
      const key = randomUUID();
      const send = (body: object) => record(doseIds[0]!, body).set('idempotency-key', key);
      // Sent together, as a retry on a flaky ward network would be: one recording, never a 409
      // "already recorded" for the nurse's own dose.
      const answers = await Promise.all([
        send({ outcome: 'given', note: 'retry' }),
        send({ outcome: 'given', note: 'retry' }),
      ]);
      const recorded = answers.find((a) => !a.headers['idempotency-replayed'] && a.status === 201);
      const other = answers.find((a) => a !== recorded)!;
      expect(recorded).toBeDefined();
      // The other one either waited for the first (a replay) or was told it is still in progress.
      expect(other.status === 201 ? other.body : other.body.detail).toEqual(
        other.status === 201 ? recorded!.body : expect.stringMatching(/still in progress/),
      );
      const again = await send({ outcome: 'given', note: 'retry' }).expect(201);
      expect(again.body).toEqual(recorded!.body);
      expect(again.headers['idempotency-replayed']).toBe('true');
      const changed = await send({ outcome: 'refused' }).expect(422);
      expect(changed.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      expect(await doseStatus(doseIds[0]!)).toBe('given');
    });

    it('answers many simultaneous recordings each for its own dose', async () => {
      const outcomes = ['given', 'held', 'refused', 'not_given'] as const;
      const { doseIds } = await seedWatchedPlan(
        stack,
        prescriber,
        Array.from({ length: 40 }, (_, i) => ({ inMs: (i + 1) * 60_000 })),
      );
      const [recorded] = (await seedWatchedPlan(stack, prescriber, [{ inMs: 0, status: 'given' }]))
        .doseIds;
      const [elsewhere] = (await seedWatchedPlan(stack, prescriber, [{ inMs: 0 }], 'ward-9'))
        .doseIds;
      const answers = await Promise.all([
        ...doseIds.map((id, i) => record(id, { outcome: outcomes[i % 4], note: `dose ${i}` })),
        record(doseIds[0]!, { outcome: 'given' }),
        record(recorded!, { outcome: 'given' }),
        record(elsewhere!, { outcome: 'given' }),
      ]);
      const own = answers.slice(0, 40);
      const [twice, again, hidden] = answers.slice(40);
      own.slice(1).forEach((res, k) => {
        const i = k + 1;
        expect(res.status).toBe(201);
        expect(res.body).toEqual(
          expect.objectContaining({ id: doseIds[i], outcome: outcomes[i % 4], note: `dose ${i}` }),
        );
      });
      expect([own[0]!.status, twice!.status].sort()).toEqual([201, 409]);
      expect(again!.status).toBe(409);
      expect(hidden!.status).toBe(404);
      const stored: { id: string; recorded_outcome: string }[] = await stack.app
        .get(DataSource)
        .query('SELECT id, recorded_outcome FROM doses WHERE id = ANY($1)', [doseIds.slice(1)]);
      expect(new Map(stored.map((d) => [d.id, d.recorded_outcome]))).toEqual(
        new Map(doseIds.slice(1).map((id, k) => [id, outcomes[(k + 1) % 4]])),
      );
    });

    describe('recordings that arrive together', () => {
      /** The statements the recording writer sends, by name, while `run` runs. */
      async function statementsDuring(run: () => Promise<unknown>): Promise<string[]> {
        // Watched, not replaced: each call still writes through the repository.
        const recordDoses = jest.spyOn(stack.app.get(DosesRepository), 'recordDoses');
        try {
          await run();
          return recordDoses.mock.calls.map(([count]) => `record-doses-${count}`);
        } finally {
          recordDoses.mockRestore();
        }
      }
      const nurseOf = async (key: string) =>
        (await stack.app.get(ApiKeysService).authenticate(key))!;
      const statusOf = (settled: PromiseSettledResult<DoseView>) =>
        settled.status === 'fulfilled'
          ? settled.value.outcome
          : (settled.reason as ProblemException).getStatus();

      it('share one statement, and each gets its own answer', async () => {
        const { doseIds } = await seedWatchedPlan(
          stack,
          prescriber,
          [1, 2, 3, 4].map((m) => ({ inMs: m * 60_000 })),
        );
        const [elsewhere] = (await seedWatchedPlan(stack, prescriber, [{ inMs: 0 }], 'ward-9'))
          .doseIds;
        const recording = stack.app.get(DoseRecordingService);
        const principal = await nurseOf(nurse);
        const asked: [string, DoseOutcome][] = [
          [doseIds[0]!, 'given'],
          [doseIds[1]!, 'held'],
          [doseIds[2]!, 'refused'],
          [doseIds[3]!, 'given'],
          [doseIds[0]!, 'refused'],
          [elsewhere!, 'given'],
        ];
        const metric = async () =>
          Object.fromEntries(
            (await recordingsPerStatement.get()).values.map((v) => [v.metricName, v.value]),
          );
        const before = await metric();
        let answers: PromiseSettledResult<DoseView>[] = [];
        const statements = await statementsDuring(async () => {
          answers = await Promise.allSettled(
            asked.map(([id, outcome]) => recording.record(principal, id, { outcome })),
          );
        });
        expect(statements).toEqual(['record-doses-6']);
        const after = await metric();
        const name = 'taperwatch_recordings_per_statement';
        expect(after[`${name}_count`]! - before[`${name}_count`]!).toBe(1);
        expect(after[`${name}_sum`]! - before[`${name}_sum`]!).toBe(6);
        expect(answers.slice(1, 4).map(statusOf)).toEqual(['held', 'refused', 'given']);
        answers.slice(1, 4).forEach((a, i) => {
          expect((a as PromiseFulfilledResult<DoseView>).value.id).toBe(doseIds[i + 1]);
        });
        // The same dose twice: one recording wins, the other is told it is recorded.
        expect([
          ['given', 409],
          [409, 'refused'],
        ]).toContainEqual([answers[0]!, answers[4]!].map(statusOf));
        expect(statusOf(answers[5]!)).toBe(404);
      });

      it('are written one by one when their statement fails, so one bad row fails alone', async () => {
        const { doseIds } = await seedWatchedPlan(
          stack,
          prescriber,
          [1, 2, 3].map((m) => ({ inMs: m * 60_000 })),
        );
        const recording = stack.app.get(DoseRecordingService);
        const principal = await nurseOf(nurse);
        let answers: PromiseSettledResult<DoseView>[] = [];
        const statements = await statementsDuring(async () => {
          answers = await Promise.allSettled([
            recording.record(principal, doseIds[0]!, { outcome: 'given' }),
            // Past numeric(10,3): the API's validation refuses it; here it reaches Postgres.
            recording.record(principal, doseIds[1]!, { outcome: 'given', doseMg: 1e12 }),
            recording.record(principal, doseIds[2]!, { outcome: 'held' }),
          ]);
        });
        expect(statements).toEqual([
          'record-doses-3',
          'record-doses-1',
          'record-doses-1',
          'record-doses-1',
        ]);
        expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(await doseStatus(doseIds[0]!)).toBe('given');
        expect(await doseStatus(doseIds[1]!)).toBe('scheduled');
        expect(await doseStatus(doseIds[2]!)).toBe('held');
      });
    });

    it("hides another unit's dose (404) and refuses an admin (403)", async () => {
      const { doseIds } = await seedWatchedPlan(stack, prescriber, [{ inMs: 60_000 }]);
      const elsewhere = await createKey(stack, 'nurse', ['ward-9']);
      await record(doseIds[0]!, { outcome: 'given' }, elsewhere).expect(404);
      await record(doseIds[0]!, { outcome: 'given' }, await createKey(stack, 'admin')).expect(403);
    });
  });

  describe('rules (baclofen TID)', () => {
    it('raises withdrawal_symptoms for a symptom check at or above the threshold, whatever the doses say', async () => {
      const { planId } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -8 * HOUR, status: 'given' },
      ]);
      const check = (score: number) =>
        stack
          .http()
          .post(`/v1/plans/${planId}/symptom-checks`)
          .set(bearer(nurse))
          .send({ scale: 'COWS', score, observedAt: new Date().toISOString() })
          .expect(201);
      await check(8);
      expect(await alertsOf(planId)).toEqual([]);
      await check(30);
      expect(await alertsOf(planId)).toEqual([
        expect.objectContaining({ type: 'withdrawal_symptoms', severity: 'critical', doseIds: [] }),
      ]);
    });

    it('one missed dose raises missed_dose only', async () => {
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -16 * HOUR, status: 'given' },
        { inMs: -8 * HOUR, status: 'given' },
        { inMs: -1000 },
      ]);
      const alerts = await eventually(
        () => alertsOf(planId),
        (a) => a.length > 0,
      );
      expect(alerts).toEqual([
        expect.objectContaining({
          type: 'missed_dose',
          severity: 'warning',
          doseIds: [doseIds[2]],
        }),
      ]);
      // Later sweeps keep it that way.
      await eventually(
        () =>
          stack.app
            .get(DataSource)
            .query(
              `SELECT 1 FROM doses WHERE id = $1 AND missed_at < now() - interval '1 second'`,
              [doseIds[2]],
            ),
        (r) => r.length === 1,
      );
      expect((await alertsOf(planId)).map((a) => a.type)).toEqual(['missed_dose']);
    });

    it('a dose of a superseded version missed after the revision is alerted under the version in force', async () => {
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -8 * HOUR, status: 'given' },
        { inMs: 2000 },
      ]);
      const ds = stack.app.get(DataSource);
      const revision = randomUUID();
      await ds.query(`UPDATE plans SET status = 'superseded' WHERE id = $1`, [planId]);
      await ds.query(
        `INSERT INTO plans SELECT (jsonb_populate_record(NULL::plans, to_jsonb(p) || jsonb_build_object(
           'id', $2::uuid, 'version', 2, 'status', 'active', 'approved_at', now()))).*
         FROM plans p WHERE p.id = $1`,
        [planId, revision],
      );
      const alerts = await eventually(
        () => alertsOf(revision),
        (a) => a.length > 0,
      );
      expect(alerts).toEqual([
        expect.objectContaining({ type: 'missed_dose', doseIds: [doseIds[1]] }),
      ]);
      expect(await alertsOf(planId)).toEqual([]);
    });

    it('a further miss after an acknowledgement re-opens the missed_dose alert', async () => {
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -8 * HOUR, status: 'given' },
        { inMs: -1000 },
        { inMs: 2500 },
      ]);
      const [first] = await eventually(
        () => alertsOf(planId),
        (a) => a.length === 1,
      );
      expect(first!.doseIds).toEqual([doseIds[1]]);
      await stack
        .http()
        .post(`/v1/alerts/${(first as Alert & { id: string }).id}/acknowledge`)
        .set(bearer(nurse))
        .expect(200);
      expect(await alertsOf(planId)).toEqual([]);
      // The next dose is missed too: the same alert is open again, holding both (with, for two
      // of three doses, an abrupt_cessation_risk beside it).
      const [reopened] = await eventually(
        async () => (await alertsOf(planId)).filter((a) => a.type === 'missed_dose'),
        (a) => a.length === 1,
      );
      expect(reopened).toEqual(
        expect.objectContaining({
          id: (first as Alert & { id: string }).id,
          type: 'missed_dose',
          doseIds: [doseIds[1], doseIds[2]].sort(),
        }),
      );
    });

    it('two missed doses of three also raise abrupt_cessation_risk, critical', async () => {
      const { planId } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -16 * HOUR, status: 'given' },
        { inMs: -8 * HOUR },
        { inMs: -1000 },
      ]);
      const alerts = await eventually(
        () => alertsOf(planId),
        (a) => a.length === 2,
      );
      expect(alerts.map((a) => [a.type, a.severity]).sort()).toEqual([
        ['abrupt_cessation_risk', 'critical'],
        ['missed_dose', 'warning'],
      ]);
    });
  });
});

/** The catalogue's own grace (baclofen: 60 min), so nothing here becomes missed by waiting. */
describe('recordings judged at once', () => {
  let stack: TestStack;
  let nurse: string;
  let prescriber: string;

  beforeAll(async () => {
    stack = await startStack();
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
  });
  afterAll(() => stack.close());

  const alertsFor = async (patientId: string): Promise<Alert[]> =>
    (await stack.http().get(`/v1/alerts?patientId=${patientId}`).set(bearer(nurse)).expect(200))
      .body.items;

  it('two refusals among the last three doses raise abrupt_cessation_risk before any dose is overdue', async () => {
    const { patientId, doseIds } = await seedWatchedPlan(stack, prescriber, [
      { inMs: -16 * HOUR, status: 'given' },
      { inMs: -40 * 60_000 },
      { inMs: -20 * 60_000 },
    ]);
    const refuse = (doseId: string) =>
      stack
        .http()
        .post(`/v1/doses/${doseId}/administrations`)
        .set(bearer(nurse))
        .send({ outcome: 'refused' })
        .expect(201);
    await refuse(doseIds[1]!);
    // 15 of 45 mg not taken: under half, a missed dose only.
    expect((await alertsFor(patientId)).map((a) => a.type)).toEqual(['missed_dose']);
    await refuse(doseIds[2]!);
    // 30 of 45 mg not taken: judged in the recording request itself, no job or sweep involved.
    expect(await alertsFor(patientId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'abrupt_cessation_risk', severity: 'critical' }),
        expect.objectContaining({ type: 'missed_dose', doseIds: [...doseIds.slice(1)].sort() }),
      ]),
    );
  });

  it('a refused or not-given dose raises missed_dose at once; a held one (an order) does not', async () => {
    const { patientId, doseIds } = await seedWatchedPlan(stack, prescriber, [
      { inMs: -8 * HOUR, status: 'given' },
      { inMs: -20 * 60_000 },
      { inMs: -10 * 60_000 },
      { inMs: 10 * 60_000 },
    ]);
    const record = (doseId: string, outcome: DoseOutcome) =>
      stack
        .http()
        .post(`/v1/doses/${doseId}/administrations`)
        .set(bearer(nurse))
        .send({ outcome })
        .expect(201);
    const missedDose = async () =>
      (await alertsFor(patientId)).filter((a) => a.type === 'missed_dose');
    await record(doseIds[1]!, 'held');
    expect(await alertsFor(patientId)).toEqual([]);
    // Refused before it is due: known now, so it counts now (no job would look again).
    await record(doseIds[3]!, 'refused');
    expect(await missedDose()).toEqual([
      expect.objectContaining({
        severity: 'warning',
        doseIds: [doseIds[3]],
        message: expect.stringMatching(/1 dose not taken \(1 refused\)/),
      }),
    ]);
    await record(doseIds[2]!, 'not_given');
    const [alert] = await missedDose();
    expect(alert!.doseIds).toEqual([doseIds[2], doseIds[3]].sort());
  });

  it('counts the hours since the last taken dose even when it is older than the window judged', async () => {
    // Baclofen at 08:00, 14:00 and 20:00: the 12 h overnight gap + 4 x 3 h half-life = 24 h
    // without a taken dose is a cessation risk. The last one was taken 30 h ago, outside the 24 h
    // of doses the rules read; monitoring began 72 h ago.
    const { planId, patientId, doseIds } = await seedWatchedPlan(stack, prescriber, [
      { inMs: -30 * HOUR, status: 'given' },
      { inMs: -20 * 60_000 },
    ]);
    await stack.app
      .get(DataSource)
      .query(`UPDATE plans SET approved_at = now() - interval '72 hours' WHERE id = $1`, [planId]);
    await stack
      .http()
      .post(`/v1/doses/${doseIds[1]}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'refused' })
      .expect(201);
    const [cessation] = (await alertsFor(patientId)).filter(
      (a) => a.type === 'abrupt_cessation_risk',
    );
    expect(cessation).toEqual(
      expect.objectContaining({
        severity: 'critical',
        message: expect.stringMatching(
          /30(\.\d+)? h since the last taken dose of Baclofen, over the 24 h/,
        ),
      }),
    );
  });

  it('reads the doses of the drug across plan versions: a revision resets neither the window nor monitoring', async () => {
    const { planId, patientId, doseIds } = await seedWatchedPlan(stack, prescriber, [
      { inMs: -16 * HOUR, status: 'given' },
      { inMs: -8 * HOUR },
    ]);
    const ds = stack.app.get(DataSource);
    await ds.query(`UPDATE doses SET status = 'missed', missed_at = now() WHERE id = $1`, [
      doseIds[1],
    ]);
    // Version 2 approved just now supersedes it (as a revision's approval does).
    const revision = randomUUID();
    await ds.query(`UPDATE plans SET status = 'superseded' WHERE id = $1`, [planId]);
    await ds.query(
      `INSERT INTO plans SELECT (jsonb_populate_record(NULL::plans, to_jsonb(p) || jsonb_build_object(
         'id', $2::uuid, 'version', 2, 'status', 'active', 'approved_at', now()))).*
       FROM plans p WHERE p.id = $1`,
      [planId, revision],
    );
    const [dose] = (await ds.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                          equivalent_mg, status)
       SELECT gen_random_uuid(), p.tenant_id, p.id, p.patient_id, 1, now() - interval '20 minutes',
              p.drug_code, 15, 15, 'scheduled'
       FROM plans p WHERE p.id = $1 RETURNING id`,
      [revision],
    )) as { id: string }[];
    await stack
      .http()
      .post(`/v1/doses/${dose!.id}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'refused' })
      .expect(201);
    // 15 mg missed under version 1 and 15 mg refused under version 2: 30 of 45 mg in 24 h.
    const [cessation] = (await alertsFor(patientId)).filter(
      (a) => a.type === 'abrupt_cessation_risk' && a.planId === revision,
    );
    expect(cessation).toEqual(
      expect.objectContaining({
        severity: 'critical',
        message: expect.stringMatching(
          /^Baclofen: Possible abrupt cessation: 30 of 45 mg daily dose \(67%\) not taken in the last 24 h/,
        ),
      }),
    );
    expect(cessation!.doseIds).toHaveLength(2);
  });

  it('counts a missed lorazepam dose of a switch as its diazepam equivalent, and names the drug (NHS Scotland [S16a])', async () => {
    const { planId, patientId } = await seedWatchedPlan(stack, prescriber, []);
    const ds = stack.app.get(DataSource);
    // Lorazepam 1 mg at 08:00 and 14:00 (10 mg diazepam each, 0.5 mg = 5 mg [S16a]) and diazepam
    // 10 mg at 22:00: 30 mg diazepam-equivalent a day.
    const day = (offset: number) => isoDate(new Date(Date.now() + offset * 24 * HOUR));
    const lz = (time: string) => ({
      time,
      drugCode: 'lorazepam',
      doseMg: 1,
      equivalentMg: 10,
      units: [{ strengthMg: 1, count: 1 }],
    });
    const steps = [
      {
        index: 1,
        startDate: day(-2),
        endDate: day(30),
        dailyDoseMg: 30,
        doses: [
          lz('08:00'),
          lz('14:00'),
          {
            time: '22:00',
            drugCode: 'diazepam',
            doseMg: 10,
            units: [{ strengthMg: 10, count: 1 }],
          },
        ],
      },
    ];
    await ds.query(
      `UPDATE plans SET drug_code = 'lorazepam', equivalent_drug_code = 'diazepam',
         start_daily_dose_mg = 30, steps = $2 WHERE id = $1`,
      [planId, JSON.stringify(steps)],
    );
    const rows = (await ds.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                          equivalent_mg, status, administered_at, recorded_outcome)
       SELECT gen_random_uuid(), p.tenant_id, p.id, p.patient_id, 1, now() + make_interval(secs => t.s),
              t.drug, t.mg, t.eq, t.status, CASE WHEN t.status = 'given' THEN now() + make_interval(secs => t.s) END,
              CASE WHEN t.status = 'given' THEN 'given' END
       FROM plans p, (VALUES (-8 * 3600, 'diazepam', 10, 10, 'given', 1),
                             (-1200, 'lorazepam', 1, 10, 'scheduled', 2),
                             (-600, 'lorazepam', 1, 10, 'scheduled', 3)) AS t(s, drug, mg, eq, status, n)
       WHERE p.id = $1 ORDER BY t.n RETURNING id`,
      [planId],
    )) as { id: string }[];
    const refuse = (doseId: string) =>
      stack
        .http()
        .post(`/v1/doses/${doseId}/administrations`)
        .set(bearer(nurse))
        .send({ outcome: 'refused' })
        .expect(201);
    await refuse(rows[1]!.id);
    // 10 of 30 mg diazepam-equivalent: a missed dose, no cessation yet (as 1 mg it would be 1 of 30).
    expect((await alertsFor(patientId)).map((a) => [a.type, a.message])).toEqual([
      ['missed_dose', 'Lorazepam: 1 dose not taken (1 refused)'],
    ]);
    await refuse(rows[2]!.id);
    const [cessation] = (await alertsFor(patientId)).filter(
      (a) => a.type === 'abrupt_cessation_risk',
    );
    expect(cessation?.message).toMatch(
      /^Lorazepam: Possible abrupt cessation: 20 of 30 mg diazepam-equivalent daily dose \(67%\) not taken in the last 24 h/,
    );
  });

  it("pages a plan's doses in due order with a cursor", async () => {
    const offsets = [-3, -2, -1, 1, 2].map((h) => h * HOUR);
    const { planId, doseIds } = await seedWatchedPlan(
      stack,
      prescriber,
      offsets.map((inMs) => ({ inMs })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await stack
        .http()
        .get(`/v1/plans/${planId}/doses?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bearer(nurse))
        .expect(200);
      seen.push(...res.body.items.map((d) => d.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(doseIds);

    // A window [from, to) with a status filter: the two doses due in the next hours, one page.
    const now = Date.now();
    const window = new URLSearchParams({
      from: new Date(now).toISOString(),
      to: new Date(now + 2 * HOUR + 60_000).toISOString(),
      status: 'scheduled',
    });
    const ahead = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?${window}`)
      .set(bearer(nurse))
      .expect(200);
    expect(ahead.body.items.map((d: { id: string }) => d.id)).toEqual(doseIds.slice(3));
    expect(ahead.body.nextCursor).toBeNull();

    // A listed dose reads exactly as its recording answered (both map raw rows to the view).
    const recorded = await stack
      .http()
      .post(`/v1/doses/${doseIds[0]}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'given', doseMg: 5, note: 'late round' })
      .expect(201);
    const listed = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?limit=1`)
      .set(bearer(nurse))
      .expect(200);
    expect(listed.body.items[0]).toEqual(recorded.body);
    expect(recorded.body).toMatchObject({ givenMg: 5, note: 'late round', timeliness: 'late' });
  });
});

describe('the watcher when things fail', () => {
  it('still marks doses missed and raises alerts after Redis loses its BullMQ keys', async () => {
    const stack = await startStack({ env: { DOSE_GRACE_MINUTES: '0.05', WATCH_SWEEP_MS: '1000' } });
    try {
      const prescriber = await createKey(stack, 'prescriber');
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -16 * HOUR, status: 'given' },
        { inMs: 2_000 },
        { inMs: 2_500 },
      ]);
      const ds = stack.app.get(DataSource);
      await eventually(
        () =>
          ds.query(`SELECT count(*)::int AS n FROM doses WHERE plan_id = $1 AND check_queued`, [
            planId,
          ]),
        (rows: { n: number }[]) => rows[0]!.n === 2,
      );
      await deleteQueueKeys(stack.env.REDIS_URL!, stack.env.QUEUE_PREFIX!);
      await eventually(
        () => ds.query(`SELECT status FROM doses WHERE id = ANY($1::uuid[])`, [doseIds.slice(1)]),
        (rows: { status: string }[]) => rows.every((r) => r.status === 'missed'),
        { timeoutMs: 30_000 },
      );
      await eventually(
        () => ds.query(`SELECT type FROM alerts WHERE plan_id = $1`, [planId]),
        (rows: { type: string }[]) =>
          rows
            .map((r) => r.type)
            .sort()
            .join() === 'abrupt_cessation_risk,missed_dose',
        { timeoutMs: 30_000 },
      );
    } finally {
      await stack.close();
    }
  });

  it('raises exactly one alert per plan and type with two worker processes, and survives a SIGKILLed worker', async () => {
    const stack = await startStack({
      workers: 0,
      env: { DOSE_GRACE_MINUTES: '0.02', WATCH_SWEEP_MS: '300' },
    });
    const metricsPort = await freePort();
    const spawnWorker = (env: Record<string, string> = {}) =>
      spawn(process.execPath, [path.join(DIST, 'worker/src/main.js')], {
        env: { ...process.env, ...stack.env, ...env },
        stdio: 'ignore',
      });
    const workers = [spawnWorker(), spawnWorker({ WORKER_METRICS_PORT: String(metricsPort) })];
    try {
      const prescriber = await createKey(stack, 'prescriber');
      const plans = [];
      for (let i = 0; i < 6; i++) {
        plans.push(
          await seedWatchedPlan(stack, prescriber, [
            { inMs: -16 * HOUR, status: 'given' },
            { inMs: -8 * HOUR },
            { inMs: 1_500 + i * 100 },
          ]),
        );
      }
      // Kill one worker while the doses fall due; the other (and its sweep) must finish the work.
      workers[0]!.kill('SIGKILL');
      const ds = stack.app.get(DataSource);
      const ids = plans.map((p) => p.planId);
      const rows = await eventually(
        () =>
          ds.query(
            `SELECT plan_id, type, count(*)::int AS n FROM alerts WHERE plan_id = ANY($1::uuid[]) GROUP BY 1, 2`,
            [ids],
          ),
        (r: unknown[]) => r.length === ids.length * 2,
        { timeoutMs: 30_000 },
      );
      expect((rows as { n: number }[]).every((r) => r.n === 1)).toBe(true);
      // The surviving worker reports how late detection was on its own /metrics.
      const metrics = await request(`http://127.0.0.1:${metricsPort}`).get('/metrics').expect(200);
      const detected = /taperwatch_dose_detection_lateness_seconds_count\{[^}]*\} (\d+)/g;
      const counts = [...metrics.text.matchAll(detected)].map((m) => Number(m[1]));
      expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await stack.close();
    }
  });
});
