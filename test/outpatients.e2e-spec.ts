import { DataSource } from 'typeorm';
import { ManualClock } from '@taperwatch/common';
import { OutpatientWatchService, WatchService } from '@taperwatch/doses';
import {
  approvedPlan,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  startStack,
  TestStack,
} from '@taperwatch/testing';

const ZONE = 'Europe/London';

interface Alert {
  id: string;
  type: string;
  severity: string;
  status: string;
  planId: string;
  doseIds: string[];
  message: string;
}

interface Dose {
  id: string;
  dueAt: string;
  status: string;
}

/**
 * The watcher for outpatients (doses taken at home): an unreported dose is not a miss by itself;
 * what counts is what the patient reports through their link and how long they stay silent.
 * Baclofen 60 mg/day at 08:00, 14:00 and 20:00 London time, tapered from 45 mg/day (15 mg a
 * dose); the cessation rule (docs/clinical.md#cessation-rule, thresholds [C]): more than half the
 * daily dose not taken in 24 h, or no dose taken for 12 h (the longest gap) + 4 × 3 h half-life
 * = 24 h. NO_CONTACT_HOURS is 24 (its default; [C], no source gives a number). Time moves with
 * the injected clock; both sweeps are run directly, so nothing waits on a timer.
 */
describe('outpatients', () => {
  // Saturday 20 March 2027, 09:00 in London (GMT, so UTC).
  const clock = new ManualClock(new Date('2027-03-20T09:00:00Z'));
  const at = (iso: string) => clock.set(new Date(iso));
  let stack: TestStack;
  let prescriber: string;
  let nurse: string;
  let outpatient: { id: string; plan: string; link: string };
  let skipper: { id: string; plan: string; link: string };
  let supervised: { id: string; plan: string };

  const http = () => stack.http();
  const sweep = async () => {
    await stack.workers[0]!.app.get(WatchService).sweep();
    await stack.workers[0]!.app.get(OutpatientWatchService).sweep();
  };

  const approvedBaclofen = (patientId: string) =>
    approvedPlan(stack, prescriber, baclofenRequest(patientId, { startDate: '2027-03-20' }));
  const patient = async (monitoring: 'outpatient' | 'supervised') => {
    const { id } = await createPatient(stack, prescriber, {
      timezone: ZONE,
      monitoring,
    } as never);
    const plan = await approvedBaclofen(id);
    const link = (await http().post(`/v1/patients/${id}/links`).set(bearer(prescriber)).send({}))
      .body.token as string;
    return { id, plan, link };
  };
  const alertsOf = async (patientId: string, type?: string): Promise<Alert[]> =>
    (
      await http()
        .get(`/v1/alerts?patientId=${patientId}${type ? `&type=${type}` : ''}`)
        .set(bearer(nurse))
        .expect(200)
    ).body.items;
  const dosesOf = async (planId: string): Promise<Dose[]> =>
    (await http().get(`/v1/plans/${planId}/doses?limit=200`).set(bearer(nurse)).expect(200)).body
      .items;
  const doseAt = async (planId: string, iso: string) =>
    (await dosesOf(planId)).find((d) => d.dueAt === new Date(iso).toISOString())!;
  const report = (link: string, doseId: string, outcome: 'taken' | 'skipped') =>
    http()
      .post(`/v1/patient-link/doses/${doseId}/reports`)
      .set(bearer(link))
      .send({ outcome })
      .expect(201);
  const missedAfter = async (doseId: string) =>
    (
      await stack.app
        .get(DataSource)
        .query(`SELECT missed_after::text AS m FROM doses WHERE id = $1`, [doseId])
    )[0].m as string | null;

  beforeAll(async () => {
    stack = await startStack({ clock, env: { DOSE_GRACE_MINUTES: '0.02' } });
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    outpatient = await patient('outpatient');
    skipper = await patient('outpatient');
    supervised = await patient('supervised');
    await sweep();
  });
  afterAll(() => stack.close());

  it("an outpatient's unreported doses raise no missed_dose; a supervised patient's do", async () => {
    at('2027-03-20T15:00:00Z');
    await sweep();
    // The ward's patient: the 14:00 dose unrecorded past its grace is missed (unchanged).
    const wardDose = await doseAt(supervised.plan, '2027-03-20T14:00:00Z');
    expect(wardDose.status).toBe('missed');
    expect(await alertsOf(supervised.id, 'missed_dose')).toEqual([
      expect.objectContaining({ severity: 'warning', doseIds: [wardDose.id] }),
    ]);
    // The outpatient's: never armed to be missed, still waiting for a report, no alert at all.
    const homeDose = await doseAt(outpatient.plan, '2027-03-20T14:00:00Z');
    expect(homeDose.status).toBe('scheduled');
    expect(await missedAfter(homeDose.id)).toBe('infinity');
    expect(await alertsOf(outpatient.id)).toEqual([]);
  });

  it('two skipped self-reports in a day raise abrupt_cessation_risk', async () => {
    const afternoon = await doseAt(skipper.plan, '2027-03-20T14:00:00Z');
    await report(skipper.link, afternoon.id, 'skipped');
    expect(await alertsOf(skipper.id, 'abrupt_cessation_risk')).toEqual([]);
    at('2027-03-20T20:30:00Z');
    const evening = await doseAt(skipper.plan, '2027-03-20T20:00:00Z');
    await report(skipper.link, evening.id, 'skipped');
    // 30 of 45 mg not taken today: over half the daily dose, as two refusals would be.
    const [alert] = await eventually(
      () => alertsOf(skipper.id, 'abrupt_cessation_risk'),
      (items) => items.length > 0,
    );
    expect(alert).toMatchObject({ severity: 'critical' });
    expect(alert!.doseIds.sort()).toEqual([afternoon.id, evening.id].sort());
    expect(alert!.message).toContain('30 of 45 mg daily dose (67%) not taken in the last 24 h');
  });

  it('24 h of silence raises no_contact (a warning), and the hours rule counts from the last dose reported taken', async () => {
    at('2027-03-20T20:30:00Z');
    const afternoon = await doseAt(outpatient.plan, '2027-03-20T14:00:00Z');
    // Reported at 20:30 without a time: taken now, as for a nurse's recording without one.
    await report(outpatient.link, afternoon.id, 'taken');
    // The next day's 08:00, 14:00 and 20:00 go unreported: neither taken nor missed.
    at('2027-03-21T20:29:00Z');
    await sweep();
    expect(await alertsOf(outpatient.id)).toEqual([]);
    // 24 h after the report (and the dose it reported taken): silence, and the hours rule.
    at('2027-03-21T20:31:00Z');
    // Two processes sweeping at once (the API's module has the service too) raise one alert.
    await Promise.all([
      stack.workers[0]!.app.get(OutpatientWatchService).sweep(),
      stack.app.get(OutpatientWatchService).sweep(),
    ]);
    await sweep();
    const first = await doseAt(outpatient.plan, '2027-03-21T08:00:00Z');
    const silence = await alertsOf(outpatient.id, 'no_contact');
    expect(silence).toEqual([
      expect.objectContaining({ severity: 'warning', status: 'open', doseIds: [first.id] }),
    ]);
    expect(silence[0]!.message).toBe(
      'Baclofen: no dose reported by the patient for 24 h (since the last report), over the 24 h threshold; 3 doses due unreported',
    );
    const [cessation] = await alertsOf(outpatient.id, 'abrupt_cessation_risk');
    expect(cessation).toMatchObject({ severity: 'critical', doseIds: [] });
    expect(cessation!.message).toContain('24.02 h since the last taken dose');
    // Never missed_dose for the unreported doses, which stay open to a report.
    expect(await alertsOf(outpatient.id, 'missed_dose')).toEqual([]);
    expect(first.status).toBe('scheduled');
  });

  it('after an acknowledgement, silence notifies again only after a report in between', async () => {
    const [alert] = await alertsOf(outpatient.id, 'no_contact');
    await http().post(`/v1/alerts/${alert!.id}/acknowledge`).set(bearer(nurse)).expect(200);
    // Still silent hours later: the sweeps' repeated finding leaves the acknowledgement alone.
    at('2027-03-22T06:00:00Z');
    await sweep();
    expect(await alertsOf(outpatient.id, 'no_contact')).toEqual([
      expect.objectContaining({ id: alert!.id, status: 'acknowledged' }),
    ]);
    // The patient reports (no alert is resolved by it: people resolve alerts) …
    const morning = await doseAt(outpatient.plan, '2027-03-22T08:00:00Z');
    at('2027-03-22T08:10:00Z');
    await report(outpatient.link, morning.id, 'taken');
    await sweep();
    expect((await alertsOf(outpatient.id, 'no_contact'))[0]).toMatchObject({
      status: 'acknowledged',
    });
    // … then falls silent again for 24 h: news, so the alert is open again.
    at('2027-03-23T08:11:00Z');
    await sweep();
    const afternoon = await doseAt(outpatient.plan, '2027-03-22T14:00:00Z');
    const [again] = await alertsOf(outpatient.id, 'no_contact');
    expect(again).toMatchObject({ id: alert!.id, status: 'open' });
    expect(again!.doseIds).toContain(afternoon.id);
  });

  it('switching a patient between modes applies to the doses not yet judged', async () => {
    at('2027-03-23T09:00:00Z');
    await http()
      .patch(`/v1/patients/${supervised.id}`)
      .set(bearer(prescriber))
      .send({ monitoring: 'outpatient' })
      .expect(200);
    at('2027-03-23T15:00:00Z');
    await sweep();
    // Now at home: the 14:00 dose is left to the patient's report.
    const home = await doseAt(supervised.plan, '2027-03-23T14:00:00Z');
    expect(home.status).toBe('scheduled');
    expect(await alertsOf(supervised.id, 'missed_dose')).toEqual([
      expect.objectContaining({ doseIds: expect.not.arrayContaining([home.id]) }),
    ]);
    // Back on the ward: the next dose is charted again, and missed when it is not.
    await http()
      .patch(`/v1/patients/${supervised.id}`)
      .set(bearer(prescriber))
      .send({ monitoring: 'supervised' })
      .expect(200);
    await sweep();
    at('2027-03-23T21:00:00Z');
    await sweep();
    const ward = await doseAt(supervised.plan, '2027-03-23T20:00:00Z');
    expect(ward.status).toBe('missed');
    // The dose due while at home stays unjudged.
    expect((await doseAt(supervised.plan, '2027-03-23T14:00:00Z')).status).toBe('scheduled');
    const [missed] = await alertsOf(supervised.id, 'missed_dose');
    expect(missed!.doseIds).toContain(ward.id);
    expect(missed!.doseIds).not.toContain(home.id);
  });
});
