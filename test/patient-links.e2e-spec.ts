import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };
import { ManualClock } from '@taperwatch/common';
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

// ical.js ships ES modules and a CommonJS build; jest runs these tests as CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ICAL = require('ical.js') as typeof ICALModule;

const DAY = 24 * 3_600_000;
const ZONE = 'Europe/London';

interface PatientDose {
  id: string;
  dueAt: string;
  localDate: string;
  localTime: string;
  drugCode: string;
  drugName: string;
  doseMg: number;
  tablets: string | null;
  status: string;
  outcome?: string;
  reportedVia?: string;
}

const localClock = (instant: Date, zone: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
    .format(instant)
    .replace(', ', 'T');

/**
 * Patient links: an outpatient's own token reads only that patient's schedule and reports only
 * that patient's doses; never a staff credential; revoked or expired, it stops at once. The
 * calendar feed holds every dose at its local clock time across the end of March 2027, when
 * Europe/London moves from GMT to BST.
 */
describe('patient links', () => {
  // Saturday 20 March 2027, 09:00 in London (GMT): BST starts Sunday 28 March at 01:00 UTC.
  const clock = new ManualClock(new Date('2027-03-20T09:00:00Z'));
  let stack: TestStack;
  let prescriber: string;
  let nurse7: string;
  let nurse9: string;
  let patientA: string;
  let patientB: string;
  let planA: string;
  let link: { id: string; token: string; url: string; calendarUrl: string; expiresAt: string };
  let linkB: string;

  const http = () => stack.http();

  /** A baclofen 60 mg/day taper from today, approved: 45, 30, 15 mg/day in 5-day steps. */
  const approvedBaclofen = (patientId: string) =>
    approvedPlan(stack, prescriber, baclofenRequest(patientId, { startDate: '2027-03-20' }));
  const schedule = async (token: string, days = 1) =>
    (await http().get(`/v1/patient-link/schedule?days=${days}`).set(bearer(token)).expect(200))
      .body as { timezone: string; today: string; doses: PatientDose[] };

  beforeAll(async () => {
    stack = await startStack({ clock });
    prescriber = await createKey(stack, 'prescriber');
    nurse7 = await createKey(stack, 'nurse', ['ward-7']);
    nurse9 = await createKey(stack, 'nurse', ['ward-9']);
    patientA = (await createPatient(stack, prescriber, { timezone: ZONE })).id;
    patientB = (await createPatient(stack, prescriber, { timezone: ZONE })).id;
    planA = await approvedBaclofen(patientA);
    await approvedBaclofen(patientB);
    linkB = (await http().post(`/v1/patients/${patientB}/links`).set(bearer(prescriber)).send({}))
      .body.token;
  });
  afterAll(() => stack.close());

  it('keeps a patient supervised unless made an outpatient, and shows the mode', async () => {
    const created = await http().get(`/v1/patients/${patientA}`).set(bearer(nurse7)).expect(200);
    expect(created.body.monitoring).toBe('supervised');
    const patched = await http()
      .patch(`/v1/patients/${patientA}`)
      .set(bearer(prescriber))
      .send({ monitoring: 'outpatient' })
      .expect(200);
    expect(patched.body.monitoring).toBe('outpatient');
    const bad = await http()
      .patch(`/v1/patients/${patientA}`)
      .set(bearer(prescriber))
      .send({ monitoring: 'home' })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['monitoring']);
    const outpatient = await createPatient(stack, prescriber, {
      monitoring: 'outpatient',
    } as never);
    expect(outpatient).toMatchObject({ monitoring: 'outpatient' });
  });

  it("lets a nurse of the patient's unit create a link, shown once, expiring in 30 days", async () => {
    const res = await http()
      .post(`/v1/patients/${patientA}/links`)
      .set(bearer(nurse7))
      .set('idempotency-key', 'link-a-1')
      .send({})
      .expect(201);
    link = res.body;
    expect(link.token).toMatch(/^twp_[\w-]{43}$/);
    expect(link.url).toBe(`http://localhost:3000/patient#${link.token}`);
    expect(link.calendarUrl).toBe(
      `http://localhost:3000/v1/patient-link/calendar.ics?token=${link.token}`,
    );
    expect(link.expiresAt).toBe(new Date(clock.now().getTime() + 30 * DAY).toISOString());

    const listed = await http()
      .get(`/v1/patients/${patientA}/links`)
      .set(bearer(nurse7))
      .expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: link.id, patientId: patientA, status: 'active' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(link.token);
  });

  it('refuses links for another unit (404) and beyond 90 days (400)', async () => {
    await http().post(`/v1/patients/${patientA}/links`).set(bearer(nurse9)).send({}).expect(404);
    await http().get(`/v1/patients/${patientA}/links`).set(bearer(nurse9)).expect(404);
    const long = await http()
      .post(`/v1/patients/${patientA}/links`)
      .set(bearer(prescriber))
      .send({ expiresInDays: 91 })
      .expect(400);
    expect(long.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(long.body.errors.map((e: { field: string }) => e.field)).toEqual(['expiresInDays']);
  });

  it("reads only its patient's doses, in the patient's zone, with drug, mg and tablets", async () => {
    const body = await schedule(link.token);
    expect(body).toMatchObject({ timezone: ZONE, today: '2027-03-20' });
    // Approved at 09:00: today's doses are at 14:00 and 20:00 (step 1: 15 mg three times a day).
    expect(body.doses.map((d) => [d.localTime, d.drugCode, d.doseMg])).toEqual([
      ['14:00', 'baclofen', 15],
      ['20:00', 'baclofen', 15],
    ]);
    expect(body.doses[0]!.drugName).toBe('Baclofen');
    expect(body.doses[0]!.tablets).toMatch(/tablet/);
    const planDoses = await http()
      .get(`/v1/plans/${planA}/doses?limit=200`)
      .set(bearer(prescriber))
      .expect(200);
    const ids = new Set(planDoses.body.items.map((d: { id: string }) => d.id));
    expect(body.doses.every((d) => ids.has(d.id))).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/MRN-|externalId|patientId/);
  });

  it('cannot report another patient’s dose (404) and records its own as the patient', async () => {
    const [theirs] = (await schedule(linkB)).doses;
    await http()
      .post(`/v1/patient-link/doses/${theirs!.id}/reports`)
      .set(bearer(link.token))
      .send({ outcome: 'taken' })
      .expect(404);

    clock.set(new Date('2027-03-20T14:05:00Z'));
    const [mine] = (await schedule(link.token)).doses;
    const taken = await http()
      .post(`/v1/patient-link/doses/${mine!.id}/reports`)
      .set(bearer(link.token))
      .send({ outcome: 'taken' })
      .expect(201);
    expect(taken.body).toMatchObject({
      id: mine!.id,
      status: 'given',
      outcome: 'given',
      reportedVia: 'patient',
      recordedBy: { type: 'patient', id: link.id },
      timeliness: 'on_time',
    });
    // Staff see the same dose, reported by the patient.
    const asStaff = await http()
      .get(`/v1/plans/${planA}/doses?limit=200`)
      .set(bearer(nurse7))
      .expect(200);
    expect(asStaff.body.items.find((d: { id: string }) => d.id === mine!.id)).toMatchObject({
      outcome: 'given',
      reportedVia: 'patient',
    });
    // Once only, as for a nurse.
    await http()
      .post(`/v1/patient-link/doses/${mine!.id}/reports`)
      .set(bearer(link.token))
      .send({ outcome: 'skipped' })
      .expect(409);
  });

  it('stores a skipped dose as not given, as a refusal counts, and refuses tomorrow’s', async () => {
    const doses = (await schedule(link.token, 2)).doses;
    const evening = doses.find((d) => d.localDate === '2027-03-20' && d.localTime === '20:00')!;
    const skipped = await http()
      .post(`/v1/patient-link/doses/${evening.id}/reports`)
      .set(bearer(link.token))
      .send({ outcome: 'skipped' })
      .expect(201);
    expect(skipped.body).toMatchObject({
      status: 'missed',
      outcome: 'not_given',
      reportedVia: 'patient',
    });
    const tomorrow = doses.find((d) => d.localDate === '2027-03-21')!;
    const early = await http()
      .post(`/v1/patient-link/doses/${tomorrow.id}/reports`)
      .set(bearer(link.token))
      .send({ outcome: 'taken' })
      .expect(422);
    expect(early.body.errors.map((e: { field: string }) => e.field)).toEqual(['doseId']);
    const bad = await http()
      .post(`/v1/patient-link/doses/${tomorrow.id}/reports`)
      .set(bearer(link.token))
      .send({ outcome: 'given' })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['outcome']);
  });

  it('two skipped reports in a day raise abrupt_cessation_risk, as two refusals do', async () => {
    // Baclofen 45 mg/day: two 15 mg doses skipped today is 30 mg not taken, more than half of
    // the step (docs/clinical.md#cessation-rule, rule 2b, thresholds [C]).
    const today = (await schedule(linkB)).doses;
    expect(today).toHaveLength(2);
    for (const dose of today) {
      await http()
        .post(`/v1/patient-link/doses/${dose.id}/reports`)
        .set(bearer(linkB))
        .send({ outcome: 'skipped' })
        .expect(201);
    }
    const alerts = await eventually(
      async () =>
        (
          await http()
            .get(`/v1/alerts?patientId=${patientB}&type=abrupt_cessation_risk`)
            .set(bearer(prescriber))
            .expect(200)
        ).body.items as { severity: string; doseIds: string[] }[],
      (items) => items.length > 0,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.severity).toBe('critical');
  });

  it('is no staff credential: 403 on staff routes; a staff key is no link (401)', async () => {
    const [dose] = (await schedule(link.token, 2)).doses.filter((d) => d.status === 'scheduled');
    // Authenticated (a live link) but not allowed: 403 (docs/api.md, Conventions), not a 401.
    for (const [method, path] of [
      ['get', `/v1/patients/${patientA}`],
      ['get', `/v1/plans/${planA}/doses`],
      ['get', `/v1/patients/${patientA}/links`],
      ['get', '/v1/alerts'],
    ] as const) {
      const res = await http()[method](path).set(bearer(link.token)).expect(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await http()
      .post(`/v1/doses/${dose!.id}/administrations`)
      .set(bearer(link.token))
      .send({ outcome: 'given' })
      .expect(403);
    await http()
      .post(`/v1/patients/${patientA}/links`)
      .set(bearer(link.token))
      .send({})
      .expect(403);
    // A staff key on a patient-link route is not a link.
    await http().get('/v1/patient-link/schedule').set(bearer(nurse7)).expect(401);
    await http().get('/v1/patient-link/calendar.ics').set(bearer(prescriber)).expect(401);
    // The token in the query string is accepted by the calendar feed only.
    await http().get(`/v1/patient-link/schedule?token=${link.token}`).expect(401);
    await http().get('/v1/patient-link/schedule').expect(401);
  });

  it('holds each dose at its local clock time across the change to BST (ical.js)', async () => {
    const res = await http()
      .get(`/v1/patient-link/calendar.ics?token=${link.token}`)
      .expect(200)
      .expect('content-type', /text\/calendar/);
    expect(res.text).not.toMatch(/MRN-/);
    const calendar = new ICAL.Component(ICAL.parse(res.text));
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const local = events.map((e) => localClock(e.startDate.toJSDate(), ZONE));
    // 45, 30 and 15 mg/day in 5-day steps from 20 March: doses to 3 April, the first at 14:00
    // (approved at 09:00), every one at 08:00, 14:00 or 20:00 London time.
    expect(local[0]).toBe('2027-03-20T14:00');
    expect(local.every((t) => /T(08|14|20):00$/.test(t))).toBe(true);
    const mornings = events.filter((_, i) => local[i]!.endsWith('T08:00'));
    const utcOf = (date: string) =>
      mornings
        .find((_, i) => local[events.indexOf(mornings[i]!)]!.startsWith(date))!
        .startDate.toJSDate()
        .toISOString();
    expect(utcOf('2027-03-27')).toBe('2027-03-27T08:00:00.000Z'); // GMT
    expect(utcOf('2027-03-29')).toBe('2027-03-29T07:00:00.000Z'); // BST
    expect(mornings.length).toBeGreaterThanOrEqual(14);
    // Each event names the drug, its mg and the tablets; no patient identifier.
    const first = events[0]!;
    expect(first.summary).toBe('Baclofen 15 mg');
    expect(first.description).toMatch(/Baclofen 15 mg: .*tablet/);
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
  });

  it('documents every route with its DTOs and the patient-link bearer scheme (OpenAPI)', async () => {
    const doc = (await http().get('/openapi.json').expect(200)).body;
    expect(doc.components.securitySchemes['patient-link']).toMatchObject({ scheme: 'bearer' });
    const links = doc.paths['/v1/patients/{id}/links'];
    expect(links.post.responses['201'].content['application/json'].schema.$ref).toMatch(
      /CreatedPatientLinkDto$/,
    );
    expect(links.get.responses['200'].content['application/json'].schema.$ref).toMatch(
      /PatientLinkListDto$/,
    );
    expect(doc.paths['/v1/patients/{id}/links/{linkId}'].delete.responses['204']).toBeDefined();
    const scheduleOp = doc.paths['/v1/patient-link/schedule'].get;
    expect(scheduleOp.security).toEqual([{ 'patient-link': [] }]);
    expect(scheduleOp.responses['200'].content['application/json'].schema.$ref).toMatch(
      /PatientScheduleDto$/,
    );
    const reportOp = doc.paths['/v1/patient-link/doses/{id}/reports'].post;
    expect(reportOp.requestBody.content['application/json'].schema.$ref).toMatch(
      /PatientReportDto$/,
    );
    expect(doc.components.schemas.PatientReportDto.properties.outcome.enum).toEqual([
      'taken',
      'skipped',
    ]);
    expect(doc.paths['/v1/patient-link/calendar.ics'].get.security).toEqual([
      { 'patient-link': [] },
    ]);
    expect(doc.components.schemas.PatientViewDto.properties.monitoring.enum).toEqual([
      'supervised',
      'outpatient',
    ]);
    expect(doc.components.schemas.DoseDto.properties.reportedVia.enum).toEqual([
      'staff',
      'patient',
    ]);
  });

  it('stops working at once when revoked', async () => {
    const created = await http()
      .post(`/v1/patients/${patientA}/links`)
      .set(bearer(prescriber))
      .send({ expiresInDays: 7 })
      .expect(201);
    await schedule(created.body.token);
    await http()
      .delete(`/v1/patients/${patientA}/links/${created.body.id}`)
      .set(bearer(nurse9))
      .expect(404);
    await http()
      .delete(`/v1/patients/${patientA}/links/${created.body.id}`)
      .set(bearer(nurse7))
      .expect(204);
    await http().get('/v1/patient-link/schedule').set(bearer(created.body.token)).expect(401);
    // A revoked link on a staff route is no credential at all: 401, not 403.
    await http().get(`/v1/patients/${patientA}`).set(bearer(created.body.token)).expect(401);
    await http()
      .delete(`/v1/patients/${patientA}/links/${created.body.id}`)
      .set(bearer(nurse7))
      .expect(404);
    const listed = await http()
      .get(`/v1/patients/${patientA}/links`)
      .set(bearer(nurse7))
      .expect(200);
    expect(listed.body.items.find((l: { id: string }) => l.id === created.body.id)).toMatchObject({
      status: 'revoked',
    });
  });

  it('stops working once it expires (the clock moved past expiresAt)', async () => {
    await schedule(link.token);
    clock.set(new Date(Date.parse(link.expiresAt) + 1000));
    const res = await http().get(`/v1/patient-link/calendar.ics?token=${link.token}`).expect(401);
    expect(res.body.detail).toMatch(/expired or been revoked/);
    await http().get('/v1/patient-link/schedule').set(bearer(link.token)).expect(401);
    const listed = await http()
      .get(`/v1/patients/${patientA}/links`)
      .set(bearer(nurse7))
      .expect(200);
    expect(listed.body.items.find((l: { id: string }) => l.id === link.id)).toMatchObject({
      status: 'expired',
    });
  });
});
