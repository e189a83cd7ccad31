import { SignJWT, generateKeyPair } from 'jose';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { AuditTrail } from '@taperwatch/audit';
import {
  TestOidcProvider,
  TestStack,
  adminAuth,
  baclofenRequest,
  bearer,
  createPatient,
  missedDoseAlert,
  proposePlan,
  startOidcProvider,
  startStack,
} from '@taperwatch/testing';

const AUDIENCE = 'https://taperwatch.test/api';

/**
 * Sign-on with a real OpenID Provider (oidc-provider in a child process): people through the
 * authorization code flow, a system through client credentials with private_key_jwt. Their JWT
 * access tokens act as the person or system, who is named wherever they acted.
 */
describe('sign-on with OpenID Connect tokens', () => {
  let provider: TestOidcProvider;
  let stack: TestStack;

  beforeAll(async () => {
    provider = await startOidcProvider({
      audience: AUDIENCE,
      accounts: {
        'dr-grey': { name: 'Dr Meredith Grey', roles: ['doctor'] },
        'nurse-joy': { name: 'Nurse Joy', roles: ['nurse'], units: ['ward-7'] },
        'nurse-far': { name: 'Nurse Far', roles: ['nurse'], units: ['ward-9'] },
        'nurse-nowhere': { name: 'Nurse Nowhere', roles: ['nurse'] },
        visitor: { name: 'A Visitor', roles: ['visitor'] },
        'two-hats': { name: 'Two Hats', roles: ['doctor', 'nurse'], units: ['ward-7'] },
      },
      systems: { 'pharmacy-robot': { name: 'Pharmacy robot', roles: ['service'] } },
    });
    stack = await startStack({
      env: {
        OIDC_ISSUERS: JSON.stringify([
          { issuer: provider.issuer, audience: AUDIENCE, roleMap: { doctor: 'prescriber' } },
        ]),
        // Keys are fetched again for an unknown kid without waiting, so rotation is seen at once.
        OIDC_JWKS_COOLDOWN_MS: '0',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  /** A token signed by the provider's real key, with claims it would never issue. */
  const forged = (kid = provider.signingKey.kid) =>
    new SignJWT({ roles: ['prescriber'], name: 'Forger' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('forger')
      .setIssuedAt()
      .setExpirationTime('5m');

  const read = (token: string) => stack.http().get('/v1/plans').set(bearer(token));
  const expect401 = async (token: string, detail: RegExp) => {
    const res = await read(token).expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body.detail).toMatch(detail);
  };

  let planId: string;
  let patientId: string;
  let doseIds: string[];

  it('a prescriber signs in, requests and approves a plan; a nurse records a dose; each is named', async () => {
    const prescriber = await provider.personToken('dr-grey');
    const nurse = await provider.personToken('nurse-joy');
    const patient = await createPatient(stack, prescriber, { unitId: 'ward-7' });
    patientId = patient.id;
    planId = await proposePlan(stack, prescriber, baclofenRequest(patient.id));
    const drGrey = { type: 'person', id: 'dr-grey', name: 'Dr Meredith Grey' };
    const approved = await stack
      .http()
      .post(`/v1/plans/${planId}/approve`)
      .set(bearer(prescriber))
      .expect(200);
    expect(approved.body.approvedBy).toEqual(drGrey);
    const shown = await stack.http().get(`/v1/plans/${planId}`).set(bearer(nurse)).expect(200);
    expect(shown.body.approvedBy).toEqual(drGrey);
    // Who acted is stored as her actors row: the request she made and the approval transition
    // (the worker's proposal has no actor).
    const db = stack.app.get(DataSource);
    const actorsOf = (sql: string) =>
      db.query(`SELECT a.kind, a.subject FROM (${sql}) x(id) JOIN actors a ON a.id = x.id`, [
        planId,
      ]);
    expect(
      await actorsOf(
        `SELECT created_by FROM taper_requests WHERE id = (SELECT request_id FROM plans WHERE id = $1)`,
      ),
    ).toEqual([{ kind: 'person', subject: 'dr-grey' }]);
    expect(
      await actorsOf(
        `SELECT actor_key_id FROM plan_transitions WHERE plan_id = $1 AND action = 'approve'`,
      ),
    ).toEqual([{ kind: 'person', subject: 'dr-grey' }]);
    const listed = await stack.http().get('/v1/plans').set(bearer(nurse)).expect(200);
    expect(listed.body.items[0].approvedBy).toEqual(drGrey);
    const schedule = await stack
      .http()
      .get(`/v1/plans/${planId}/schedule`)
      .set(bearer(nurse))
      .expect(200);
    expect(schedule.text).toContain('Approved by Dr Meredith Grey.');

    const doses = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?limit=3`)
      .set(bearer(nurse))
      .expect(200);
    doseIds = doses.body.items.map((d: { id: string }) => d.id);
    const nurseJoy = { type: 'person', id: 'nurse-joy', name: 'Nurse Joy' };
    const recorded = await stack
      .http()
      .post(`/v1/doses/${doseIds[0]}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'given' })
      .expect(201);
    expect(recorded.body.recordedBy).toEqual(nurseJoy);
    const after = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?limit=1`)
      .set(bearer(prescriber))
      .expect(200);
    expect(after.body.items[0].recordedBy).toEqual(nurseJoy);

    const alert = await stack.app
      .get(AlertsService)
      .raise(missedDoseAlert({ patientId, planId, doseIds: [doseIds[1]!] }));
    const acknowledged = await stack
      .http()
      .post(`/v1/alerts/${alert.id}/acknowledge`)
      .set(bearer(nurse))
      .expect(200);
    expect(acknowledged.body.acknowledgedBy).toEqual(nurseJoy);
    const alerts = await stack.http().get('/v1/alerts?status=acknowledged').set(bearer(nurse));
    expect(alerts.body.items[0].acknowledgedBy).toEqual(nurseJoy);
    const check = await stack
      .http()
      .post(`/v1/plans/${planId}/symptom-checks`)
      .set(bearer(nurse))
      .send({
        scale: 'baclofen-checklist',
        items: ['insomnia'],
        observedAt: new Date().toISOString(),
      })
      .expect(201);
    expect(check.body.recordedBy).toEqual(nurseJoy);
    await stack
      .http()
      .post(`/v1/patients/${patientId}/links`)
      .set(bearer(nurse))
      .send({})
      .expect(201);
    const links = await stack
      .http()
      .get(`/v1/patients/${patientId}/links`)
      .set(bearer(nurse))
      .expect(200);
    expect(links.body.items[0].createdBy).toEqual(nurseJoy);
  });

  it('the audit trail and its FHIR form name the person', async () => {
    await stack.app.get(AuditTrail).flush();
    const events = await stack
      .http()
      .get(`/v1/audit-events?resourceType=Plan&resourceId=${planId}`)
      .set(adminAuth)
      .expect(200);
    const approval = events.body.items.find((e: { action: string }) => e.action === 'approve');
    expect(approval.actor).toEqual(
      expect.objectContaining({
        person: 'dr-grey',
        by: { type: 'person', id: 'dr-grey', name: 'Dr Meredith Grey' },
      }),
    );
    // By subject, across resources.
    const byNurse = await stack
      .http()
      .get('/v1/audit-events?actor=nurse-joy')
      .set(adminAuth)
      .expect(200);
    expect(byNurse.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['record', 'acknowledge']),
    );
    const fhir = await stack
      .http()
      .get(`/v1/audit-events/fhir?resourceType=Plan&resourceId=${planId}`)
      .set(adminAuth)
      .expect(200);
    const agents = fhir.body.entry.map(
      (e: { resource: { agent: { who: unknown }[] } }) => e.resource.agent[0]!.who,
    );
    expect(agents).toContainEqual({
      identifier: { system: 'urn:taperwatch:actor:person', value: 'dr-grey' },
      display: 'Dr Meredith Grey',
    });
  });

  it('a system signs in with client credentials (private_key_jwt) and is named as the system', async () => {
    const robot = await provider.systemToken('pharmacy-robot');
    const recorded = await stack
      .http()
      .post(`/v1/doses/${doseIds[2]}/administrations`)
      .set(bearer(robot))
      .send({ outcome: 'given' })
      .expect(201);
    const pharmacyRobot = { type: 'system', id: 'pharmacy-robot', name: 'Pharmacy robot' };
    expect(recorded.body.recordedBy).toEqual(pharmacyRobot);
    const dispensed = await stack
      .http()
      .post(`/v1/patients/${patientId}/dispensings`)
      .set(bearer(robot))
      .send({
        drugCode: 'baclofen',
        form: 'tablet',
        strengthMg: 10,
        quantity: 21,
        dispensedAt: new Date().toISOString(),
      })
      .expect(201);
    expect(dispensed.body.recordedBy).toEqual(pharmacyRobot);
    const dispensings = await stack
      .http()
      .get(`/v1/patients/${patientId}/dispensings`)
      .set(bearer(robot))
      .expect(200);
    expect(dispensings.body.items[0].recordedBy).toEqual(pharmacyRobot);
  });

  it('a token whose units exclude the patient finds nothing there (404)', async () => {
    const far = await provider.personToken('nurse-far');
    await stack.http().get(`/v1/patients/${patientId}`).set(bearer(far)).expect(404);
    await stack.http().get(`/v1/plans/${planId}`).set(bearer(far)).expect(404);
  });

  it('a token without exactly one known role, or a nurse without units, is 403', async () => {
    for (const [who, detail] of [
      ['visitor', /names no taperwatch role/],
      ['two-hats', /more than one taperwatch role \(prescriber, nurse\)/],
      ['nurse-nowhere', /names no units/],
    ] as const) {
      const res = await read(await provider.personToken(who)).expect(403);
      expect(res.body.detail).toMatch(detail);
    }
  });

  it('refuses expired, wrong-audience, wrong-issuer, unknown-kid, unsigned and HMAC-confused tokens (401)', async () => {
    const key = provider.signingKey.privateKey;
    // Past the 30 s leeway.
    const expired = await forged()
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(key);
    await expect401(expired, /expired/);
    await expect401(await forged().setAudience('https://another.api').sign(key), /aud/);
    await expect401(
      await forged().setIssuer('http://127.0.0.1:1/elsewhere').sign(key),
      /not issued by a trusted issuer/,
    );
    const stranger = await generateKeyPair('RS256');
    const unknownKid = await forged('not-a-published-kid').sign(stranger.privateKey);
    await expect401(unknownKid, /no key of the issuer matches/);

    const payload = Buffer.from(
      JSON.stringify({
        iss: provider.issuer,
        aud: AUDIENCE,
        sub: 'forger',
        roles: ['prescriber'],
        exp: Math.floor(Date.now() / 1000) + 300,
      }),
    ).toString('base64url');
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
    await expect401(`${header({ alg: 'none', typ: 'JWT' })}.${payload}.`, /algorithm/);
    // HS256 keyed with the issuer's public key: a verifier that let the token pick the
    // algorithm would check it with the very bytes anyone can download.
    const confused = await new SignJWT({ roles: ['prescriber'] })
      .setProtectedHeader({ alg: 'HS256', kid: provider.signingKey.kid })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('forger')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(provider.signingKey.publicKeyPem));
    await expect401(confused, /algorithm/);
    await expect401('eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', /not a well-formed JWT/);
    // Garbage in a token's shape is refused like any bad credential, never a 500.
    const rs256 = header({ alg: 'RS256', kid: provider.signingKey.kid });
    for (const garbage of [
      'a.b.c',
      `${rs256}.${payload}.`,
      `${rs256}.${payload}.${'A'.repeat(342)}`,
      `${rs256}.${header({ iss: 42, aud: AUDIENCE })}.c2ln`,
      `${header({ alg: 'RS256', crit: ['b64'], b64: false })}.${payload}.c2ln`,
      `${header({ alg: 'ES256', kid: provider.signingKey.kid })}.${payload}.c2ln`,
    ]) {
      const res = await read(garbage);
      expect([res.status, garbage]).toEqual([401, garbage]);
    }
    // The same claims signed properly are accepted: each refusal above is for its one flaw.
    await read(await forged().sign(key)).expect(200);
  });

  it('the OpenAPI document describes tokens and who acted', async () => {
    const docs = await stack.http().get('/openapi.json').expect(200);
    expect(docs.body.components.securitySchemes.bearer.description).toMatch(/JWT access token/);
    expect(docs.body.components.schemas.ActorRefDto.properties.type.enum).toEqual([
      'api_key',
      'person',
      'system',
      'patient',
    ]);
    expect(docs.body.components.schemas.PlanDto.properties.approvedBy.allOf).toEqual([
      { $ref: '#/components/schemas/ActorRefDto' },
    ]);
  });

  it('accepts the new key after the provider rotates its keys, without a restart', async () => {
    const before = await provider.personToken('dr-grey');
    await provider.rotateSigningKey();
    const after = await provider.personToken('dr-grey');
    await read(after).expect(200);
    // The retired key is no longer published: its tokens are refused.
    await expect401(before, /no key of the issuer matches/);
  });
});
