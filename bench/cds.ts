import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CryptoKey, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { ApiClient } from './http/api-client';
import { Target } from './http/load';

/** Where the bench's API says it lives: only the `aud` of the EHR's tokens names it. */
const BASE_URL = 'https://taperwatch.bench.invalid';
const SERVICE = 'taperwatch-order-sign';
const ISSUER = 'https://ehr.bench.invalid';
const MRN_SYSTEM = 'urn:taperwatch:bench:mrn';

/** A simulated EHR: an ES384 key whose JWK Set a local HTTP server publishes. */
export interface BenchEhr {
  /** The API's settings that register this EHR. */
  env: Record<string, string>;
  key: CryptoKey;
  close: () => Promise<void>;
}

export async function startEhr(tenantId: string): Promise<BenchEhr> {
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES384' }],
  });
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    env: {
      PUBLIC_BASE_URL: BASE_URL,
      CDS_HOOKS_CLIENTS: JSON.stringify([
        {
          issuer: ISSUER,
          jwksUri: `http://127.0.0.1:${port}/jwks`,
          tenantId,
          patientIdentifierSystem: MRN_SYSTEM,
        },
      ]),
    },
    key: privateKey,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `count` request tokens, each with its own jti, signed before the run (not timed). */
async function signTokens(key: CryptoKey, count: number): Promise<string[]> {
  const tokens: string[] = [];
  const aud = `${BASE_URL}/cds-services/${SERVICE}`;
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'bench-1' })
        .setIssuer(ISSUER)
        .setSubject('bench-ehr')
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(key),
    );
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

function medicationRequest(status: string, text: string, mg: number) {
  return {
    resourceType: 'MedicationRequest',
    id: 'bench-order',
    status,
    intent: 'order',
    medicationCodeableConcept: { text },
    dosageInstruction: [
      {
        timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: mg, unit: 'mg', code: 'mg' } }],
      },
    ],
  };
}

function hookBody(mrn: string, order: object, active: object[]) {
  const bundle = (type: string, resources: object[]) => ({
    resourceType: 'Bundle',
    type,
    entry: resources.map((resource) => ({ resource })),
  });
  // Everything but hookInstance is the same in every call.
  const prefix = JSON.stringify({ hook: 'order-sign', hookInstance: '' }).slice(0, -3);
  const rest = JSON.stringify({
    context: {
      userId: 'Practitioner/bench',
      patientId: 'ehr-bench',
      draftOrders: bundle('collection', [order]),
    },
    prefetch: {
      patient: {
        resourceType: 'Patient',
        id: 'ehr-bench',
        identifier: [{ system: MRN_SYSTEM, value: mrn }],
      },
      medications: bundle('searchset', active),
    },
  }).slice(1);
  return () => `${prefix}"${randomUUID()}",${rest}`;
}

/**
 * order-sign as an EHR sends it, a fresh jti and hookInstance every call: most signed orders
 * carry no risk (amoxicillin stopped: no card, nothing stored), the card path (baclofen 20 mg TID
 * stopped for a registered patient: a card, a taper request, the answer stored), and a mix.
 */
export async function cdsTargets(
  apiUrl: string,
  prescriber: ApiClient,
  ehr: BenchEhr,
  tokensPerRun: number,
): Promise<Target[]> {
  const mrn = `BENCH-CDS-${Date.now()}`;
  await prescriber.createPatient(mrn);
  const target = (name: string, body: () => string): Target => {
    let tokens: string[] = [];
    let next = 0;
    return {
      name,
      url: apiUrl,
      method: 'POST',
      path: `/cds-services/${SERVICE}`,
      headers: { 'content-type': 'application/json' },
      body,
      headersFor: () => ({
        'content-type': 'application/json',
        // Past the pool a token repeats: a replay, answered 401 and counted as bad.
        authorization: `Bearer ${tokens[next++ % tokens.length]}`,
      }),
      prepare: async () => {
        tokens = await signTokens(ehr.key, tokensPerRun);
        next = 0;
      },
    };
  };
  const baclofen = medicationRequest('active', 'Baclofen 20 mg oral tablet', 20);
  const noCard = hookBody(mrn, medicationRequest('stopped', 'Amoxicillin 500 mg capsule', 500), []);
  const card = hookBody(mrn, { ...baclofen, status: 'stopped' }, [baclofen]);
  let n = 0;
  return [
    target('CDS order-sign (no card)', noCard),
    target('CDS order-sign (card)', card),
    // A busier day than any ward's: one signature in 20 stops a withdrawal-risk drug.
    target('CDS order-sign (1 in 20 card)', () => (++n % 20 === 0 ? card() : noCard())),
  ];
}
