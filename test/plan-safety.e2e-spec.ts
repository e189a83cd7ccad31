import { Client } from 'pg';
import { ManualClock } from '@taperwatch/common';
import {
  adminAuth,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  proposePlan,
  startStack,
  startWebhookReceiver,
  TestStack,
  WebhookReceiver,
} from '@taperwatch/testing';

interface Dose {
  id: string;
  dueAt: string;
  drugCode?: string;
  doseMg: number;
  stepIndex: number;
  status: string;
}
interface Step {
  index: number;
  startDate: string;
  endDate: string;
  dailyDoseMg: number;
  doses: { time: string; drugCode: string; doseMg: number; equivalentMg?: number }[];
}
interface Plan {
  id: string;
  status: string;
  startDate: string;
  endDate: string;
  steps: Step[];
  warnings: { code: string; severity: string; message: string }[];
  reanchoredFrom?: string;
  reanchoredByDays?: number;
  parentPlanId?: string;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Plans that start late, and plans stopped while the patient still takes the drug. */
describe('plan safety', () => {
  const clock = new ManualClock(new Date('2027-01-10T10:00:00Z'));
  let stack: TestStack;
  let db: Client;
  let receiver: WebhookReceiver;
  let prescriber: string;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      // Every dose of a plan written at approval, so "every step is scheduled" can be read back.
      env: {
        DOSE_HORIZON_DAYS: '60',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        ESCALATION_SWEEP_MS: '300',
        SYMPTOM_THRESHOLD_CIWA_B: '20',
      },
    });
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
    receiver = await startWebhookReceiver();
    prescriber = await createKey(stack, 'prescriber');
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
    await receiver.close();
  });

  const http = () => stack.http();
  const post = (path: string, body: object = {}) =>
    http().post(path).set(bearer(prescriber)).send(body);
  const getPlan = async (id: string): Promise<Plan> =>
    (await http().get(`/v1/plans/${id}`).set(bearer(prescriber)).expect(200)).body;
  const doses = async (planId: string): Promise<Dose[]> =>
    (await http().get(`/v1/plans/${planId}/doses?limit=200`).set(bearer(prescriber)).expect(200))
      .body.items;
  const dayOf = (at: Date) => at.toISOString().slice(0, 10);

  const proposedPlan = (body: object) => proposePlan(stack, prescriber, body);

  describe('stale start dates', () => {
    it('refuses a request starting before today in the patient’s zone, naming startDate and today', async () => {
      // 20:00 UTC on the 10th is 09:00 on the 11th in Auckland (NZDT, UTC+13).
      clock.set(new Date('2027-01-10T20:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'Pacific/Auckland' });
      const res = await post(
        '/v1/taper-requests',
        baclofenRequest(patient.id, { startDate: '2027-01-10' }),
      ).expect(422);
      expect(res.body.errors).toEqual([
        { field: 'startDate', message: expect.stringContaining('2027-01-11') },
      ]);
      expect(res.body.detail).toContain('Pacific/Auckland');
      await post(
        '/v1/taper-requests',
        baclofenRequest(patient.id, { startDate: '2027-01-11' }),
      ).expect(202);
    });

    it('approved 11 days after its start date, begins with step 1 on the approval day', async () => {
      clock.set(new Date('2027-01-20T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-01-21' }));
      const planned = await getPlan(id);

      clock.set(new Date('2027-02-01T10:00:00Z')); // 11 days after 2027-01-21, 10:00 UTC
      const approved = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan;
      expect(approved).toMatchObject({
        status: 'active',
        startDate: '2027-02-01',
        reanchoredFrom: '2027-01-21',
        reanchoredByDays: 11,
      });
      expect(await getPlan(id)).toMatchObject({
        reanchoredFrom: '2027-01-21',
        reanchoredByDays: 11,
      });
      // Every step kept, each 11 days later, none shortened.
      expect(approved.steps.map((s) => [s.index, s.startDate, s.endDate])).toEqual(
        planned.steps.map((s) => [
          s.index,
          dayOf(new Date(Date.parse(s.startDate) + 11 * DAY)),
          dayOf(new Date(Date.parse(s.endDate) + 11 * DAY)),
        ]),
      );

      const rows = await doses(id);
      // 08:00 has passed; the first dose is step 1's 14:00 dose on the approval day.
      expect(rows[0]).toMatchObject({
        dueAt: '2027-02-01T14:00:00.000Z',
        stepIndex: 1,
        doseMg: planned.steps[0].doses.find((d) => d.time === '14:00')!.doseMg,
      });
      const { rows: transitions } = await db.query(
        `SELECT details FROM plan_transitions WHERE plan_id = $1 AND action = 'approve'`,
        [id],
      );
      expect(transitions).toEqual([
        {
          details: { reanchoredFrom: '2027-01-21', reanchoredByDays: 11, startDate: '2027-02-01' },
        },
      ]);
    });

    it('approved late in the evening, after step 1’s last time that day, starts step 1 the next day', async () => {
      clock.set(new Date('2027-04-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-04-02' }));
      clock.set(new Date('2027-04-03T21:00:00Z')); // 20:00, the last time, has passed
      const approved = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan;
      expect(approved).toMatchObject({
        startDate: '2027-04-04',
        reanchoredFrom: '2027-04-02',
        reanchoredByDays: 2,
      });
      expect((await doses(id))[0]).toMatchObject({
        dueAt: '2027-04-04T08:00:00.000Z',
        stepIndex: 1,
      });
    });

    it('approved after its end date, still schedules every step, starting with step 1', async () => {
      clock.set(new Date('2027-03-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-03-02' }));
      const planned = await getPlan(id);
      const late = Date.parse(`${planned.endDate}T00:00:00Z`) + 5 * DAY + 7 * 3_600_000;
      clock.set(new Date(late)); // 07:00 five days after the plan's last day
      const approved = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan;
      const approvalDay = dayOf(new Date(late));
      expect(approved.startDate).toBe(approvalDay);
      expect(approved.steps).toHaveLength(planned.steps.length);

      const rows = await doses(id);
      expect(rows[0]).toMatchObject({ dueAt: `${approvalDay}T08:00:00.000Z`, stepIndex: 1 });
      // Every step with doses has them written, each on its own (moved) days.
      const withDoses = approved.steps.filter((s) => s.doses.some((d) => d.doseMg > 0));
      for (const step of withDoses) {
        const ofStep = rows.filter((d) => d.stepIndex === step.index);
        expect(ofStep.length).toBeGreaterThan(0);
        for (const d of ofStep) {
          expect(d.dueAt.slice(0, 10) >= step.startDate).toBe(true);
          expect(d.dueAt.slice(0, 10) <= step.endDate).toBe(true);
        }
      }
    });
  });

  describe('cancelling while the patient still takes the drug', () => {
    it('raises a critical abrupt_cessation_risk alert that escalates, with the reason', async () => {
      const unit = 'ward-cancel';
      await http()
        .put(`/v1/units/${unit}/escalation-policy`)
        .set(adminAuth)
        .send({
          steps: [
            { afterMinutes: 0, targets: [{ type: 'webhook', url: `${receiver.url}/cancel-0` }] },
            { afterMinutes: 5, targets: [{ type: 'webhook', url: `${receiver.url}/cancel-1` }] },
          ],
          repeat: 0,
        })
        .expect(200);
      clock.set(new Date('2027-05-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC', unitId: unit });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-05-01' }));
      await post(`/v1/plans/${id}/approve`).expect(200);
      clock.set(new Date('2027-05-04T09:00:00Z')); // mid-taper: step 1, 45 mg/day
      const reason = 'Deliberate stop: suspected baclofen encephalopathy';
      const cancelled = (await post(`/v1/plans/${id}/cancel`, { reason }).expect(200)).body as Plan;
      expect(cancelled.warnings).toContainEqual(
        expect.objectContaining({ code: 'abrupt_stop', severity: 'critical' }),
      );

      const list = async () =>
        (
          await http()
            .get(`/v1/alerts?patientId=${patient.id}&type=abrupt_cessation_risk`)
            .set(adminAuth)
            .expect(200)
        ).body.items as {
          id: string;
          type: string;
          severity: string;
          planId: string;
          message: string;
          level: number;
        }[];
      const [alert] = (await list()).filter((a) => a.type === 'abrupt_cessation_risk');
      expect(alert).toMatchObject({ severity: 'critical', planId: id });
      expect(alert.message).toContain('45 mg/day of Baclofen');
      expect(alert.message).toContain(reason);

      await eventually(
        async () => receiver.received.filter((r) => r.path === '/cancel-0'),
        (got) => got.length === 1,
      );
      clock.advance(6 * MINUTE);
      await eventually(
        async () => receiver.received.filter((r) => r.path === '/cancel-1'),
        (got) => got.length === 1,
      );
      const after = await http().get(`/v1/alerts/${alert.id}`).set(adminAuth).expect(200);
      expect(after.body.level).toBeGreaterThan(alert.level);
    });

    it('does not alert when a proposed plan is withdrawn or the taper has reached 0 mg', async () => {
      clock.set(new Date('2027-06-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const proposed = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-06-01' }));
      await post(`/v1/plans/${proposed}/cancel`, { reason: 'Not needed' }).expect(200);

      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-06-02' }));
      const plan = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan;
      const last = plan.steps[plan.steps.length - 1];
      expect(last.dailyDoseMg).toBe(0);
      clock.set(new Date(`${last.startDate}T09:00:00Z`));
      await post(`/v1/plans/${id}/cancel`, { reason: 'Taper finished' }).expect(200);

      const alerts = (
        await http().get(`/v1/alerts?patientId=${patient.id}`).set(adminAuth).expect(200)
      ).body.items as { type: string }[];
      expect(alerts.filter((a) => a.type === 'abrupt_cessation_risk')).toEqual([]);
    });
  });

  describe('the second line of defence in a lorazepam → diazepam switch', () => {
    /** Each time's dose with its drug on `date` (the step in force then). */
    const takenOn = (plan: Plan, date: string) => {
      const step = plan.steps.find((st) => st.startDate <= date && date <= st.endDate)!;
      return new Map(step.doses.map((d) => [d.time, d]));
    };

    it('an automatic hold mid-switch holds the mixed doses as they are and never raises a dose', async () => {
      clock.set(new Date('2027-07-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      // Lorazepam 1 mg three times a day switched to diazepam (NHS Scotland crossover [S16a]).
      const id = await proposedPlan({
        ...baclofenRequest(patient.id),
        drugCode: 'lorazepam',
        currentDosesMg: [1, 1, 1],
        administrationTimes: ['08:00', '14:00', '22:00'],
        startDate: '2027-07-02',
        substituteWith: 'diazepam',
        strengthsMg: [0.5, 1],
        stepDays: 14,
        reason: 'Long-term benzodiazepine, agreed withdrawal',
      });
      const plan = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan;
      // A day in the middle of the switch: some times lorazepam, others already diazepam.
      const mixed = plan.steps.find(
        (st) => new Set(st.doses.filter((d) => d.doseMg > 0).map((d) => d.drugCode)).size > 1,
      )!;
      expect(mixed).toBeDefined();
      const day = dayOf(new Date(Date.parse(`${mixed.startDate}T00:00:00Z`) + 3 * DAY));
      clock.set(new Date(`${day}T12:00:00Z`));
      const before = takenOn(plan, day);

      const check = await post(`/v1/plans/${id}/symptom-checks`, {
        scale: 'CIWA-B',
        score: 35,
        observedAt: `${day}T11:30:00Z`,
      }).expect(201);
      expect(check.body.revisionPlanId).toEqual(expect.any(String));
      const hold = await getPlan(check.body.revisionPlanId);
      expect(hold).toMatchObject({ status: 'proposed', parentPlanId: id, startDate: day });

      // The hold gives exactly today's doses, each time with its own drug and mg.
      expect(hold.steps[0].doses.map((d) => [d.time, d.drugCode, d.doseMg]).sort()).toEqual(
        [...before.values()].map((d) => [d.time, d.drugCode, d.doseMg]).sort(),
      );
      // No step gives any drug more at any time than it gave the step before (or today).
      let prev = before;
      for (const step of hold.steps) {
        for (const d of step.doses) {
          const was = prev.get(d.time);
          if (!was) {
            expect(d.doseMg).toBe(0);
            continue;
          }
          if (was.drugCode === d.drugCode) expect(d.doseMg).toBeLessThanOrEqual(was.doseMg);
          else
            expect(d.equivalentMg ?? d.doseMg).toBeLessThanOrEqual(was.equivalentMg ?? was.doseMg);
        }
        prev = new Map(step.doses.map((d) => [d.time, d]));
      }
      // Never the 100 mg diazepam doses of adding lorazepam mg to diazepam mg.
      const diazepamMax = Math.max(
        ...plan.steps.flatMap((st) =>
          st.doses.filter((d) => d.drugCode === 'diazepam').map((d) => d.doseMg),
        ),
      );
      for (const step of hold.steps)
        for (const d of step.doses.filter((x) => x.drugCode === 'diazepam'))
          expect(d.doseMg).toBeLessThanOrEqual(diazepamMax);

      await post(`/v1/plans/${hold.id}/approve`).expect(200);
      const rows = await doses(hold.id);
      const today = rows.filter((r) => r.dueAt.startsWith(day));
      expect(today.map((r) => [r.dueAt.slice(11, 16), r.drugCode, r.doseMg]).sort()).toEqual(
        [...before.values()]
          .filter((d) => d.time > '12:00')
          .map((d) => [d.time, d.drugCode, d.doseMg])
          .sort(),
      );

      // Cancelled mid-switch: the alert names each drug with its own mg/day, never their sum.
      await post(`/v1/plans/${hold.id}/cancel`, { reason: 'Transferred to another team' }).expect(
        200,
      );
      const mgOf = (code: string) =>
        [...before.values()]
          .filter((d) => d.drugCode === code)
          .reduce((sum, d) => sum + d.doseMg, 0);
      const [cessation] = (
        await http()
          .get(`/v1/alerts?patientId=${patient.id}&type=abrupt_cessation_risk`)
          .set(adminAuth)
          .expect(200)
      ).body.items as { severity: string; message: string }[];
      expect(cessation.severity).toBe('critical');
      expect(cessation.message).toContain(`${mgOf('lorazepam')} mg/day of Lorazepam`);
      expect(cessation.message).toContain(`${mgOf('diazepam')} mg/day of Diazepam`);
    });

    it('a hold approved after the plan stepped down is refused: it would raise the dose again', async () => {
      clock.set(new Date('2027-08-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-08-01' }));
      const plan = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan;
      const [first, second] = plan.steps;
      expect(second.dailyDoseMg).toBeLessThan(first.dailyDoseMg);
      clock.set(new Date(`${first.endDate}T09:00:00Z`));
      const hold = (
        await post(`/v1/plans/${id}/revisions`, {
          fromDate: first.endDate,
          holdDays: 7,
          reason: 'Hold for surgery',
        }).expect(202)
      ).body as Plan;
      expect(hold.steps[0].dailyDoseMg).toBe(first.dailyDoseMg);

      // Approved two days later, the patient is on step 2: holding step 1's dose would raise it.
      clock.set(new Date(`${second.startDate}T09:00:00Z`));
      clock.advance(DAY);
      const refused = await post(`/v1/plans/${hold.id}/approve`).expect(422);
      expect(refused.body.rules).toEqual(expect.arrayContaining(['above_current_dose']));
      expect(await getPlan(hold.id)).toMatchObject({ status: 'proposed' });
      expect(await getPlan(id)).toMatchObject({ status: 'active' });
    });

    it('a hold on an alternate-day step keeps the dose every other day, never daily (fluoxetine, NICE NG222 [S33])', async () => {
      clock.set(new Date('2027-11-01T06:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan({
        ...baclofenRequest(patient.id, { startDate: '2027-11-01' }),
        drugCode: 'fluoxetine',
        strengthsMg: [20],
        currentDosesMg: [20],
        administrationTimes: ['08:00'],
        stepDays: 14,
        reason: 'Stopping an antidepressant',
      });
      const plan = (await post(`/v1/plans/${id}/approve`).expect(200)).body as Plan & {
        steps: (Step & { intervalDays?: number })[];
      };
      expect(plan.steps[0]).toMatchObject({ intervalDays: 2, dailyDoseMg: 10 });
      clock.set(new Date('2027-11-04T06:00:00Z'));
      const hold = (
        await post(`/v1/plans/${id}/revisions`, {
          fromDate: '2027-11-04',
          holdDays: 7,
          reason: 'Discontinuation symptoms',
        }).expect(202)
      ).body as Plan & { steps: (Step & { intervalDays?: number })[] };
      expect(hold.steps[0]).toMatchObject({ intervalDays: 2, dailyDoseMg: 10 });
      await post(`/v1/plans/${hold.id}/approve`).expect(200);

      // Stopped on an off day, the patient still takes it: 20 mg every other day, 10 mg/day.
      clock.set(new Date('2027-11-05T06:00:00Z'));
      await post(`/v1/plans/${hold.id}/cancel`, { reason: 'Switching treatment' }).expect(200);
      const [alert] = (
        await http()
          .get(`/v1/alerts?patientId=${patient.id}&type=abrupt_cessation_risk`)
          .set(adminAuth)
          .expect(200)
      ).body.items as { message: string }[];
      expect(alert.message).toContain('10 mg/day of Fluoxetine');
    });

    it('approval refuses a plan that breaks a rule (422 naming it) and leaves it proposed', async () => {
      clock.set(new Date('2027-09-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-09-02' }));
      const plan = await getPlan(id);
      // A dose raised after planning (as a faulty re-plan would): step 2 above step 1.
      const steps = structuredClone(plan.steps);
      steps[1].doses[0].doseMg = steps[0].doses[0].doseMg + 5;
      await db.query('UPDATE plans SET steps = $2 WHERE id = $1', [id, JSON.stringify(steps)]);

      const refused = await post(`/v1/plans/${id}/approve`).expect(422);
      expect(refused.body.rules).toEqual(expect.arrayContaining(['dose_rises']));
      expect(refused.body.errors).toContainEqual({
        field: 'steps[1].doses[0]',
        message: expect.stringContaining('dose_rises'),
      });
      expect(await getPlan(id)).toMatchObject({ status: 'proposed' });
      expect(await doses(id)).toEqual([]);

      // The same plan as the planner made it is approved.
      await db.query('UPDATE plans SET steps = $2 WHERE id = $1', [id, JSON.stringify(plan.steps)]);
      await post(`/v1/plans/${id}/approve`).expect(200);
    });
  });

  describe('baclofen symptom checklist [S8, S11, S12]', () => {
    const symptoms = (planId: string, body: object) =>
      post(`/v1/plans/${planId}/symptom-checks`, body);
    const alertsOf = async (patientId: string) =>
      (
        await http()
          .get(`/v1/alerts?patientId=${patientId}&type=withdrawal_symptoms`)
          .set(adminAuth)
          .expect(200)
      ).body.items as { severity: string; message: string; planId: string }[];
    async function activeBaclofen() {
      clock.set(new Date('2027-10-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-10-01' }));
      await post(`/v1/plans/${id}/approve`).expect(200);
      clock.set(new Date('2027-10-03T12:00:00Z'));
      return { id, patientId: patient.id };
    }
    const observedAt = '2027-10-03T11:30:00Z';

    it('hallucinations raise a critical withdrawal_symptoms alert at once and propose a hold', async () => {
      const { id, patientId } = await activeBaclofen();
      const res = await symptoms(id, {
        scale: 'baclofen-checklist',
        items: ['insomnia', 'hallucinations'],
        observedAt,
      }).expect(201);
      expect(res.body).toMatchObject({
        scale: 'baclofen-checklist',
        items: ['insomnia', 'hallucinations'],
        redFlags: ['hallucinations'],
        score: 2,
        band: 'red_flag',
        atOrAboveThreshold: true,
        revisionPlanId: expect.any(String),
      });
      const [alert] = await alertsOf(patientId);
      expect(alert).toMatchObject({ severity: 'critical', planId: id });
      expect(alert.message).toContain('hallucinations');
    });

    it.each(['seizure', 'confusion'])('%s is a red flag too: critical', async (item) => {
      const { id, patientId } = await activeBaclofen();
      await symptoms(id, { scale: 'baclofen-checklist', items: [item], observedAt }).expect(201);
      expect((await alertsOf(patientId))[0]).toMatchObject({ severity: 'critical' });
    });

    it('a red flag after a warning raises the live alert to critical; a check-in after acknowledgement re-opens it', async () => {
      const { id, patientId } = await activeBaclofen();
      await symptoms(id, { scale: 'baclofen-checklist', items: ['anxiety'], observedAt }).expect(
        201,
      );
      const [warning] = await alertsOf(patientId);
      expect(warning).toMatchObject({ severity: 'warning' });

      await symptoms(id, { scale: 'baclofen-checklist', items: ['seizure'], observedAt }).expect(
        201,
      );
      const [raised, ...others] = await alertsOf(patientId);
      expect(others).toEqual([]);
      expect(raised).toMatchObject({ id: (warning as { id?: string }).id, severity: 'critical' });

      const alertId = (raised as { id?: string }).id!;
      await post(`/v1/alerts/${alertId}/acknowledge`).expect(200);
      // No dose ids: a check-in is news of its own, never folded into the acknowledgement.
      await symptoms(id, { scale: 'baclofen-checklist', items: ['fever'], observedAt }).expect(201);
      const reopened = (await http().get(`/v1/alerts/${alertId}`).set(adminAuth).expect(200))
        .body as { status: string; severity: string; message: string };
      expect(reopened).toMatchObject({ status: 'open', severity: 'critical' });
      expect(reopened.message).toContain('fever');
    });

    it('another item alone is a warning with a proposed hold; none at all is stored quietly', async () => {
      const { id, patientId } = await activeBaclofen();
      const none = await symptoms(id, { scale: 'baclofen-checklist', items: [], observedAt });
      expect(none.status).toBe(201);
      expect(none.body).toMatchObject({ band: 'none', atOrAboveThreshold: false, score: 0 });
      expect(await alertsOf(patientId)).toEqual([]);

      const res = await symptoms(id, {
        scale: 'baclofen-checklist',
        items: ['more_spasticity_or_rigidity'],
        observedAt,
      }).expect(201);
      expect(res.body).toMatchObject({ band: 'symptoms', revisionPlanId: expect.any(String) });
      expect((await alertsOf(patientId))[0]).toMatchObject({ severity: 'warning' });
    });

    it('says in the alert why no hold was proposed when none can be (the taper already at 0 mg)', async () => {
      const { id, patientId } = await activeBaclofen();
      const plan = await getPlan(id);
      const last = plan.steps[plan.steps.length - 1];
      expect(last.dailyDoseMg).toBe(0);
      clock.set(new Date(`${last.startDate}T12:00:00Z`));
      const res = await symptoms(id, {
        scale: 'baclofen-checklist',
        items: ['anxiety'],
        observedAt: `${last.startDate}T11:00:00Z`,
      }).expect(201);
      expect(res.body.revisionPlanId).toBeUndefined();
      const [alert] = await alertsOf(patientId);
      expect(alert.message).toContain('no hold was proposed (the hold could not be planned)');
    });

    it('names the bad field: unknown items, missing items, a score with a checklist, items with COWS', async () => {
      const { id } = await activeBaclofen();
      const fields = async (body: object) =>
        ((await symptoms(id, body).expect(400)).body.errors as { field: string }[]).map(
          (e) => e.field,
        );
      expect(
        await fields({
          scale: 'baclofen-checklist',
          items: ['hallucinations', 'gout'],
          observedAt,
        }),
      ).toEqual(['items']);
      expect(await fields({ scale: 'baclofen-checklist', observedAt })).toEqual(['items']);
      expect(
        await fields({ scale: 'baclofen-checklist', items: [], score: 3, observedAt }),
      ).toEqual(['score']);
      expect(await fields({ scale: 'COWS', score: 3, items: ['fever'], observedAt })).toEqual([
        'items',
      ]);
    });

    it('NEWS2 [S42]: 7 is an emergency (critical), 3 in one parameter a warning, 4 spread out nothing; no hold', async () => {
      const { id, patientId } = await activeBaclofen();
      const quiet = await symptoms(id, {
        scale: 'NEWS2',
        score: 4,
        highestParameterScore: 2,
        observedAt,
      }).expect(201);
      expect(quiet.body).toMatchObject({ band: 'nurse_assessment', atOrAboveThreshold: false });
      expect(await alertsOf(patientId)).toEqual([]);

      const single = await symptoms(id, {
        scale: 'NEWS2',
        score: 3,
        highestParameterScore: 3,
        observedAt,
      }).expect(201);
      expect(single.body).toMatchObject({
        band: 'inform_medical_team',
        highestParameterScore: 3,
        atOrAboveThreshold: true,
      });
      expect(single.body.revisionPlanId).toBeUndefined();
      expect((await alertsOf(patientId))[0]).toMatchObject({ severity: 'warning' });

      const { id: other, patientId: otherPatient } = await activeBaclofen();
      const emergency = await symptoms(other, { scale: 'NEWS2', score: 7, observedAt }).expect(201);
      expect(emergency.body).toMatchObject({ band: 'emergency', atOrAboveThreshold: true });
      const [alert] = await alertsOf(otherPatient);
      expect(alert).toMatchObject({ severity: 'critical' });
      expect(alert.message).toContain('critical-care');
    });

    it('NEWS2 fields are named when wrong', async () => {
      const { id } = await activeBaclofen();
      const fields = async (body: object) =>
        ((await symptoms(id, body).expect(400)).body.errors as { field: string }[]).map(
          (e) => e.field,
        );
      expect(await fields({ scale: 'NEWS2', score: 2.5, observedAt })).toEqual(['score']);
      expect(
        await fields({ scale: 'NEWS2', score: 2, highestParameterScore: 3, observedAt }),
      ).toEqual(['highestParameterScore']);
      expect(
        await fields({ scale: 'COWS', score: 8, highestParameterScore: 1, observedAt }),
      ).toEqual(['highestParameterScore']);
      expect(
        await fields({ scale: 'NEWS2', score: 8, highestParameterScore: 4, observedAt }),
      ).toEqual(['highestParameterScore']);
    });

    it('is for baclofen plans only (422 naming scale)', async () => {
      clock.set(new Date('2027-10-01T09:00:00Z'));
      const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
      const id = await proposedPlan({
        ...baclofenRequest(patient.id, { startDate: '2027-10-02' }),
        drugCode: 'diazepam',
        currentDosesMg: [5, 5, 5],
        reason: 'Long-term benzodiazepine, agreed withdrawal',
      });
      const res = await symptoms(id, {
        scale: 'baclofen-checklist',
        items: ['anxiety'],
        observedAt: '2027-10-01T08:30:00Z',
      }).expect(422);
      expect(res.body.errors).toEqual([{ field: 'scale', message: expect.any(String) }]);
    });
  });
});
