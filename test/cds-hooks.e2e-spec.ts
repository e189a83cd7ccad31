import { createServer, Server } from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { CryptoKey, JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Client } from 'pg';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import {
  TestStack,
  adminAuth,
  bearer,
  createKey,
  createPatient,
  TEST_OUTPUT,
  eventually,
  launchChromium,
  startStack,
} from '@taperwatch/testing';

const BASE_URL = 'https://taperwatch.test';
const EHR = 'https://ehr.hospital.test';
const DOWN_EHR = 'https://down.ehr.test';
const SERVICE = 'taperwatch-order-sign';
const SERVICE_URL = `${BASE_URL}/cds-services/${SERVICE}`;
const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.19.5';
const PRESCRIBER = 'Practitioner/dr-ada';
/** RFC 4122: version 1-5, variant 10xx. */
const RFC4122 = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const INDICATORS = ['info', 'warning', 'critical'];

/** A JWK Set on a local HTTP server, as an EHR publishes its keys. */
async function serveJwks(keys: JWK[]): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks` };
}

function medicationRequest(id: string, status: string, text: string, mg: number, perDay: number) {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    subject: { reference: 'Patient/ehr-77' },
    medicationCodeableConcept: { text },
    dosageInstruction: [
      {
        timing: { repeat: { frequency: perDay, period: 1, periodUnit: 'd' } },
        doseAndRate: [
          {
            doseQuantity: {
              value: mg,
              unit: 'mg',
              system: 'http://unitsofmeasure.org',
              code: 'mg',
            },
          },
        ],
      },
    ],
  };
}

const bundle = (type: string, ...resources: object[]) => ({
  resourceType: 'Bundle',
  type,
  entry: resources.map((resource) => ({ resource })),
});

/** An order-sign request: `draft` being signed, `active` the patient's active orders. */
function orderSign(
  mrn: string | null,
  draft: object,
  active: object[],
  hookInstance: string = randomUUID(),
) {
  return {
    hook: 'order-sign',
    hookInstance,
    fhirServer: 'https://ehr.hospital.test/fhir',
    context: {
      userId: PRESCRIBER,
      patientId: 'ehr-77',
      encounterId: 'enc-1',
      draftOrders: bundle('collection', draft),
    },
    prefetch: {
      patient: {
        resourceType: 'Patient',
        id: 'ehr-77',
        identifier: mrn === null ? [] : [{ system: MRN_SYSTEM, value: mrn }],
      },
      medications: bundle('searchset', ...active),
    },
  };
}

const baclofenStopped = (mrn: string | null, hookInstance?: string) =>
  orderSign(
    mrn,
    medicationRequest('mr-bac', 'stopped', 'Baclofen 20 mg oral tablet', 20, 3),
    [medicationRequest('mr-bac', 'active', 'Baclofen 20 mg oral tablet', 20, 3)],
    hookInstance,
  );

describe('CDS Hooks service (as an EHR calls it)', () => {
  let stack: TestStack;
  let jwks: { server: Server; url: string };
  let ehrKey: CryptoKey;
  let strangerKey: CryptoKey;
  let prescriber: string;
  let db: Client;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    const ehr = await generateKeyPair('ES384', { extractable: true });
    const stranger = await generateKeyPair('ES384');
    ehrKey = ehr.privateKey;
    strangerKey = stranger.privateKey;
    jwks = await serveJwks([{ ...(await exportJWK(ehr.publicKey)), kid: 'ehr-1', alg: 'ES384' }]);
    stack = await startStack({
      env: {
        PUBLIC_BASE_URL: BASE_URL,
        CDS_HOOKS_CLIENTS: JSON.stringify([
          {
            issuer: EHR,
            jwksUri: jwks.url,
            tenantId: DEFAULT_TENANT_ID,
            patientIdentifierSystem: MRN_SYSTEM,
          },
          // An EHR whose JWK Set cannot be reached.
          { issuer: DOWN_EHR, jwksUri: 'http://127.0.0.1:1/jwks', tenantId: DEFAULT_TENANT_ID },
        ]),
      },
    });
    prescriber = await createKey(stack, 'prescriber');
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await db.end();
    await stack.close();
    await new Promise((resolve) => jwks.server.close(resolve));
  });

  /** A request JWT as the spec has it: iss, sub, aud, exp, iat, jti; kid in the header. */
  function token(claims: { iss?: string; aud?: string; jti?: string } = {}, key = ehrKey) {
    const jti = claims.jti ?? randomUUID();
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'ehr-1' })
      .setIssuer(claims.iss ?? EHR)
      .setSubject('ehr-client-1')
      .setAudience(claims.aud ?? SERVICE_URL)
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti(jti)
      .sign(key);
  }

  const call = async (body: object, jwt?: string, path = `/cds-services/${SERVICE}`) =>
    stack
      .http()
      .post(path)
      .set('authorization', `Bearer ${jwt ?? (await token())}`)
      .send(body);

  /** call, failing the test (with the answer) unless it has `status`. */
  async function callExpecting(status: number, body: object, jwt?: string, path?: string) {
    const res = await call(body, jwt, path);
    if (res.status !== status)
      throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
    return res;
  }

  it('lists its services and their prefetch templates (discovery, no token needed)', async () => {
    const res = await stack.http().get('/cds-services').expect(200);
    expect(res.body.services).toHaveLength(2);
    const [sign, select] = res.body.services;
    expect(sign).toEqual({
      hook: 'order-sign',
      id: SERVICE,
      title: expect.any(String),
      description: expect.any(String),
      prefetch: {
        patient: 'Patient/{{context.patientId}}',
        medications: 'MedicationRequest?patient={{context.patientId}}&status=active',
      },
    });
    expect(select).toEqual(
      expect.objectContaining({ hook: 'order-select', id: 'taperwatch-order-select' }),
    );
  });

  it('answers baclofen 20 mg three times a day set to stopped with one critical card and requests the taper', async () => {
    const patient = await createPatient(stack, prescriber, { externalId: 'MRN-CDS-1' });
    const res = await callExpecting(200, baclofenStopped('MRN-CDS-1'));

    expect(res.body.cards).toHaveLength(1);
    const card = res.body.cards[0];
    // Card fields, checked against CDS Hooks 2.0.
    expect(card.uuid).toMatch(RFC4122);
    expect(typeof card.summary).toBe('string');
    expect(card.summary.length).toBeLessThan(140);
    expect(card.summary).toBe(
      'Baclofen 60 mg a day stopped at once: withdrawal risk, taper instead',
    );
    expect(INDICATORS).toContain(card.indicator);
    expect(card.indicator).toBe('critical');
    expect(card.detail).toContain('at most 5 mg less per administration per step [S2, S3]');
    expect(card.source.label).toMatch(/^taperwatch drug catalogue: /);
    expect(card.source.url).toMatch(/^https:\/\//);
    expect(card.source.topic).toEqual({
      system: 'urn:taperwatch:drug',
      code: 'baclofen',
      display: 'Baclofen',
    });
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.overrideReasons.length).toBeGreaterThan(0);
    for (const reason of card.overrideReasons) {
      expect(reason).toEqual({
        system: expect.any(String),
        code: expect.any(String),
        display: expect.any(String),
      });
    }

    expect(card.suggestions).toHaveLength(1);
    const suggestion = card.suggestions[0];
    expect(suggestion.uuid).toMatch(RFC4122);
    expect(suggestion.uuid).not.toBe(card.uuid);
    expect(suggestion.isRecommended).toBe(true);
    expect(typeof suggestion.label).toBe('string');
    expect(suggestion.actions).toHaveLength(1);
    const action = suggestion.actions[0];
    expect(action.type).toBe('create');
    expect(typeof action.description).toBe('string');
    const proposal = action.resource;
    expect(proposal).toEqual(
      expect.objectContaining({
        resourceType: 'MedicationRequest',
        status: 'draft',
        intent: 'proposal',
        subject: { reference: 'Patient/ehr-77' },
        medicationCodeableConcept: { text: 'Baclofen' },
      }),
    );

    expect(card.links).toHaveLength(1);
    const link = card.links[0];
    expect(link.type).toBe('absolute');
    expect(typeof link.label).toBe('string');
    const linked = /^https:\/\/taperwatch\.test\/board\/taper-requests\/([0-9a-f-]{36})$/.exec(
      link.url,
    );
    expect(linked).not.toBeNull();
    const requestId = linked![1]!;
    expect(proposal.identifier).toEqual([
      { system: 'urn:taperwatch:taper-request', value: requestId },
    ]);

    // Behind the link: the request taperwatch created, planned by the worker.
    const done = await eventually(
      async () =>
        (await stack.http().get(`/v1/taper-requests/${requestId}`).set(bearer(prescriber))).body,
      (b: { status: string; planId?: string }) => b.status !== 'queued' && b.status !== 'planning',
    );
    expect(done).toEqual(
      expect.objectContaining({ status: 'planned', patientId: patient.id, drugCode: 'baclofen' }),
    );
    const plan = (
      await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(prescriber)).expect(200)
    ).body;
    expect(plan.status).toBe('proposed');
    // The proposal is the plan's first step: its drug, its mg, one instruction per dose.
    const first = plan.steps[0];
    expect(first.dailyDoseMg).toBeLessThan(60);
    expect(proposal.dosageInstruction).toHaveLength(first.doses.length);
    first.doses.forEach((dose: { doseMg: number; time: string }, i: number) => {
      const instruction = proposal.dosageInstruction[i];
      expect(instruction.doseAndRate[0].doseQuantity).toEqual(
        expect.objectContaining({ value: dose.doseMg, unit: 'mg', code: 'mg' }),
      );
      expect(instruction.timing.repeat.timeOfDay).toEqual([`${dose.time}:00`]);
      expect(instruction.text).toContain(`Baclofen ${dose.doseMg} mg`);
    });
    expect(action.description).toContain(`Baclofen ${first.dailyDoseMg} mg a day`);

    // Attributed to the prescriber the EHR names, under the EHR as issuer.
    const { rows } = await db.query(
      `SELECT a.kind, a.issuer, a.subject FROM taper_requests r JOIN actors a ON a.id = r.created_by
       WHERE r.id = $1`,
      [requestId],
    );
    expect(rows).toEqual([{ kind: 'person', issuer: EHR, subject: PRESCRIBER }]);
  });

  it('answers a repeated hookInstance with the same cards and creates nothing new', async () => {
    const patient = await createPatient(stack, prescriber, { externalId: 'MRN-CDS-2' });
    const hookInstance = randomUUID();
    const first = await callExpecting(200, baclofenStopped('MRN-CDS-2', hookInstance));
    const again = await callExpecting(200, baclofenStopped('MRN-CDS-2', hookInstance));
    expect(again.body).toEqual(first.body);
    const { rows } = await db.query(`SELECT id FROM taper_requests WHERE patient_id = $1`, [
      patient.id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('forgets a stored answer (it names the EHR patient id) when the patient is erased', async () => {
    const patient = await createPatient(stack, prescriber, { externalId: 'MRN-CDS-6' });
    const hookInstance = randomUUID();
    await callExpecting(200, baclofenStopped('MRN-CDS-6', hookInstance));
    const planned = await eventually(
      async () =>
        (await db.query(`SELECT plan_id FROM taper_requests WHERE patient_id = $1`, [patient.id]))
          .rows as { plan_id: string | null }[],
      (rows) => rows[0]?.plan_id != null,
    );
    await stack
      .http()
      .post(`/v1/plans/${planned[0]!.plan_id}/cancel`)
      .set(bearer(prescriber))
      .send({ reason: 'erasure test' })
      .expect(200);
    await stack.http().delete(`/v1/patients/${patient.id}`).set(adminAuth).expect(204);
    const { rows } = await db.query(`SELECT 1 FROM cds_hook_answers WHERE hook_instance = $1`, [
      hookInstance,
    ]);
    expect(rows).toEqual([]);
  });

  it('previews the taper on order-select, for the selected orders only, and requests nothing yet', async () => {
    const patient = await createPatient(stack, prescriber, { externalId: 'MRN-CDS-8' });
    const signed = baclofenStopped('MRN-CDS-8');
    const select = (selections: string[]) => ({
      ...signed,
      hookInstance: randomUUID(),
      hook: 'order-select',
      context: { ...signed.context, selections },
    });
    const path = '/cds-services/taperwatch-order-select';
    const aud = `${BASE_URL}${path}`;
    const none = await callExpecting(
      200,
      select(['MedicationRequest/other']),
      await token({ aud }),
      path,
    );
    expect(none.body).toEqual({ cards: [] });
    const res = await callExpecting(
      200,
      select(['MedicationRequest/mr-bac']),
      await token({ aud }),
      path,
    );
    expect(res.body.cards).toHaveLength(1);
    const [card] = res.body.cards;
    expect(card.indicator).toBe('critical');
    expect(card.links).toEqual([]);
    const proposal = card.suggestions[0].actions[0].resource;
    expect(proposal).toEqual(
      expect.objectContaining({ resourceType: 'MedicationRequest', intent: 'proposal' }),
    );
    expect(proposal.identifier).toBeUndefined();
    expect(card.detail).toContain('If this order is signed, taperwatch will request');
    const { rows } = await db.query(`SELECT id FROM taper_requests WHERE patient_id = $1`, [
      patient.id,
    ]);
    expect(rows).toEqual([]);
  });

  it('answers an empty cards array for a drug not at risk', async () => {
    await createPatient(stack, prescriber, { externalId: 'MRN-CDS-3' });
    const amoxicillin = medicationRequest(
      'mr-amx',
      'stopped',
      'Amoxicillin 500 mg capsule',
      500,
      3,
    );
    const res = await callExpecting(200, orderSign('MRN-CDS-3', amoxicillin, []));
    expect(res.body).toEqual({ cards: [] });
  });

  it('answers no card for a baclofen cut within the sourced step, and a card for a faster one', async () => {
    await createPatient(stack, prescriber, { externalId: 'MRN-CDS-4' });
    const active = medicationRequest('mr-b4', 'active', 'Baclofen 20 mg tablet', 20, 3);
    const within = medicationRequest('mr-b4', 'active', 'Baclofen 15 mg tablet', 15, 3);
    expect((await callExpecting(200, orderSign('MRN-CDS-4', within, [active]))).body).toEqual({
      cards: [],
    });
    const faster = medicationRequest('mr-b4', 'active', 'Baclofen 10 mg tablet', 10, 3);
    const res = await callExpecting(200, orderSign('MRN-CDS-4', faster, [active]));
    expect(res.body.cards).toHaveLength(1);
    expect(res.body.cards[0].summary).toBe(
      'Baclofen cut from 60 mg to 30 mg a day: faster than the sourced taper allows',
    );
  });

  it('still answers the card for a patient taperwatch does not know, saying to register them first', async () => {
    const res = await callExpecting(200, baclofenStopped('MRN-NOBODY'));
    expect(res.body.cards).toHaveLength(1);
    const [card] = res.body.cards;
    expect(card.indicator).toBe('critical');
    expect(card.links).toEqual([]);
    expect(card.suggestions[0].actions).toBeUndefined();
    expect(card.suggestions[0].label).toContain('Register this patient in taperwatch first');
    expect(card.detail).toContain('no taper was requested');
  });

  it('refuses a replayed jti, a wrong aud and an untrusted iss with 401 problem details', async () => {
    await createPatient(stack, prescriber, { externalId: 'MRN-CDS-5' });
    const body = () => baclofenStopped('MRN-CDS-5');
    const jti = randomUUID();
    const once = await token({ jti });
    await callExpecting(200, body(), once);
    const replay = await callExpecting(401, body(), once);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.body).toEqual(
      expect.objectContaining({ status: 401, detail: expect.stringContaining('jti') }),
    );

    const wrongAud = await call(body(), await token({ aud: `${BASE_URL}/cds-services/other` }));
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.body.detail).toContain('aud');

    const stranger = await call(body(), await token({ iss: 'https://evil.test' }, strangerKey));
    expect(stranger.status).toBe(401);
    expect(stranger.body.detail).toContain('iss');

    // Right iss, wrong key: the signature must come from the issuer's configured JWK Set.
    const forged = await call(body(), await token({}, strangerKey));
    expect(forged.status).toBe(401);

    const none = await stack.http().post(`/cds-services/${SERVICE}`).send(body());
    expect(none.status).toBe(401);

    // Keys that cannot be fetched are not the caller's fault: 503, retry.
    const down = await call(body(), await token({ iss: DOWN_EHR }, strangerKey));
    expect(down.status).toBe(503);
    expect(down.body.detail).toContain('retry');
  });

  it('names each bad field of a malformed hook request (400)', async () => {
    const res = await callExpecting(400, {
      hook: 'order-sign',
      hookInstance: 'not-a-uuid',
      context: {
        userId: PRESCRIBER,
        patientId: 'ehr-77',
        draftOrders: { resourceType: 'Patient' },
      },
    });
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'hookInstance' })]),
    );
    const orders = await callExpecting(400, {
      ...baclofenStopped('MRN-CDS-5'),
      context: {
        userId: PRESCRIBER,
        patientId: 'ehr-77',
        draftOrders: { resourceType: 'Patient' },
      },
    });
    expect(orders.body.errors).toEqual([
      { field: 'context.draftOrders', message: expect.stringContaining('Bundle') },
    ]);
  });

  it('answers garbage from a trusted EHR with 4xx problem details, never a 5xx', async () => {
    const valid = baclofenStopped('MRN-CDS-5');
    const withOrders = (draftOrders: unknown, prefetch: unknown = valid.prefetch) => ({
      ...valid,
      hookInstance: randomUUID(),
      context: { ...valid.context, draftOrders },
      prefetch,
    });
    const order = (patch: object) => ({
      ...medicationRequest('mr-g', 'stopped', 'Baclofen 20 mg', 20, 3),
      ...patch,
    });
    const bodies: unknown[] = [
      [],
      'order-sign',
      { ...valid, context: 'x' },
      { ...valid, hook: 'patient-view' },
      { ...valid, extra: 1 },
      withOrders({ resourceType: 'Bundle', entry: 'x' }),
      withOrders({ resourceType: 'Bundle', entry: [null, 5] }),
      withOrders(bundle('collection', { resourceType: 'MedicationRequest' })),
      withOrders(bundle('collection', order({ dosageInstruction: 'x' }))),
      withOrders(
        bundle('collection', order({ dosageInstruction: [{ timing: 5, doseAndRate: 'x' }] })),
      ),
      withOrders(
        bundle(
          'collection',
          order({
            dosageInstruction: [
              {
                timing: { repeat: { frequency: 1e9, period: 0, timeOfDay: ['25:99', 7] } },
                doseAndRate: [{ doseQuantity: { value: 1e300, code: 'mg' } }],
              },
            ],
          }),
        ),
      ),
      withOrders(bundle('collection', order({ medicationCodeableConcept: { coding: 'x' } }))),
      withOrders(bundle('collection', order({ priorPrescription: 5 }))),
      withOrders(bundle('collection', order({})), { medications: 5, patient: 'x' }),
      withOrders(bundle('collection', order({})), { medications: null, patient: null }),
    ];
    for (const body of bodies) {
      const res = await call(body as object);
      expect({ body, status: res.status < 500 }).toEqual({ body, status: true });
      if (res.status >= 400) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
    const feedback = await call(
      { feedback: [{ card: 'x', outcome: 'maybe' }] },
      undefined,
      `/cds-services/${SERVICE}/feedback`,
    );
    expect(feedback.status).toBe(400);
    expect(feedback.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining([
        'feedback.0.card',
        'feedback.0.outcome',
        'feedback.0.outcomeTimestamp',
      ]),
    );
    const elsewhere = `${BASE_URL}/cds-services/no-such-service`;
    const unknown = await call(
      valid,
      await token({ aud: elsewhere }),
      '/cds-services/no-such-service',
    );
    expect(unknown.status).toBe(404);
  });

  it('stores and audits feedback on a card', async () => {
    const card = randomUUID();
    const path = `/cds-services/${SERVICE}/feedback`;
    await callExpecting(
      200,
      {
        feedback: [
          {
            card,
            outcome: 'overridden',
            overrideReason: {
              reason: { system: 'urn:taperwatch:cds-hooks:override-reason', code: 'toxicity' },
              userComment: 'encephalopathy',
            },
            outcomeTimestamp: new Date().toISOString(),
          },
        ],
      },
      undefined,
      path,
    );
    const { rows } = await db.query(
      `SELECT issuer, outcome, override_reason FROM cds_hook_feedback WHERE card_uuid = $1`,
      [card],
    );
    expect(rows).toEqual([
      {
        issuer: EHR,
        outcome: 'overridden',
        override_reason: {
          reason: { system: 'urn:taperwatch:cds-hooks:override-reason', code: 'toxicity' },
          userComment: 'encephalopathy',
        },
      },
    ]);
    const audited = await eventually(
      async () =>
        (
          await stack
            .http()
            .get('/v1/audit-events?resourceType=CdsHookFeedback')
            .set(adminAuth)
            .expect(200)
        ).body.items as { action: string; outcome: number; route: string }[],
      (items) => items.some((item) => item.outcome === 200),
    );
    expect(audited.find((item) => item.outcome === 200)).toEqual(
      expect.objectContaining({ action: 'create', route: '/cds-services/:id/feedback' }),
    );
  });

  it('serves the page the card links to, with the board’s strict CSP', async () => {
    const res = await stack.http().get(`/board/taper-requests/${randomUUID()}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).toContain('/board/request.js');
  });

  it('takes the prescriber from the card link, once signed in, to the planned taper', async () => {
    await createPatient(stack, prescriber, { externalId: 'MRN-CDS-7' });
    const res = await callExpecting(200, baclofenStopped('MRN-CDS-7'));
    const link = new URL(res.body.cards[0].links[0].url as string);
    const requestId = link.pathname.split('/').pop()!;
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The card's link, on this test server rather than the configured public address.
    await page.goto(`${baseUrl}${link.pathname}`);
    await page.locator('#key').fill(prescriber);
    await page.keyboard.press('Enter');
    const done = await eventually(
      async () =>
        (await stack.http().get(`/v1/taper-requests/${requestId}`).set(bearer(prescriber))).body,
      (b: { status: string; planId?: string }) => b.status === 'planned',
    );
    await page.waitForURL(`**/board/plans/${done.planId}`);
    expect(errors).toEqual([]);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'cds-hooks-request-page.png') });
    await context.close();
  });
});
