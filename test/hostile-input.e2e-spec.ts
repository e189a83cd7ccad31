import fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  TestStack,
  TEST_ADMIN_KEY,
  approvedPlan,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  startStack,
} from '@taperwatch/testing';

/**
 * Hostile input never reaches a 5xx, every error is problem details (an OperationOutcome under
 * /fhir) and none leaks internals.
 * The fuzz is driven by the service's own OpenAPI document, so every operation it lists is
 * covered, including those added after this test was written.
 */

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  patientLink: boolean;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
        security?: Record<string, unknown>[];
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

/** What the fuzz sends: the path's segments are sent exactly as given (already encoded). */
interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Every string the request carried, decoded: an answer may echo these without leaking. */
  sent: string[];
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * The event stream never ends, so a request to it never answers; its input is only a key and
 * its errors go through the same guard and filter as every other route.
 */
const EXCLUDED = new Set(['GET /v1/alerts/stream']);

/** Fixed so a failure replays; FUZZ_SEED explores other inputs. fast-check prints it on failure. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_316);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 30);

/** Stack frames, source paths, SQL and driver errors: none may appear in an error answer. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat \S+ \(|\bat (?:async )?[\w.<>]+ \(?[^)\s]*:\d+:\d+/],
  ['a source path', /node_modules|\/work\/|\/app\/dist|\.[jt]s:\d+|\/src\//],
  ['SQL', /\b(?:SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET|WHERE \w+ =)\b/],
  [
    'a database error',
    /QueryFailedError|violates|duplicate key|syntax error at|invalid input syntax|SQLSTATE|relation "|column "|\bpg_/i,
  ],
  [
    'a JavaScript error',
    /TypeError|RangeError|ReferenceError|Cannot read propert|is not a function|undefined is not/,
  ],
];

// ---- values ---------------------------------------------------------------------------------

const BIG = 'x'.repeat(1024 * 1024 + 16);

const hostileText: fc.Arbitrary<string> = fc.oneof(
  // What PostgreSQL cannot store, and a valid pair beside them.
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    'ward\u0000-7',
    '\uD800',
    'x\uDC00',
    '\uDBFF\uDBFF',
    '\uD83D\uDE00',
  ),
  fc.constantFrom(
    '',
    ' ',
    '\u202Egnp.exe',
    'Z\u0351\u0325a\u0300\u0301l\u0358g\u0334o',
    'ß İ ﬃ Ω',
    '日本語テキスト',
    "'; DROP TABLE patients; --",
    "' OR '1'='1",
    'SELECT * FROM api_keys',
    '$1',
    '%00',
    '%s%n',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '${7*7}{{7*7}}',
    '__proto__',
    'constructor',
    'null',
    'undefined',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e400',
    '-1',
    '0',
    '-0',
    '1.5',
    '0x1F',
    '9'.repeat(400),
    'true',
    '[]',
    '{}',
    '2026-02-30',
    '25:61',
    '0000-00-00T00:00:00Z',
    '00000000-0000-0000-0000-000000000000',
    'a'.repeat(300),
    'a'.repeat(20_000),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Raw UTF-16 code units: unpaired surrogates included.
  fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);

/** JSON number tokens JavaScript cannot write: sent by replacing a marker after stringify. */
const RAW_NUMBERS = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0.0'];
const rawMarker = (token: string) => `\u0001raw:${token}\u0001`;

const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    -0,
    0.1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    1e308,
    -1e308,
    5e-324,
    ...RAW_NUMBERS.map(rawMarker),
  ),
);

/** Nested further than any request nests, built once (fast-check would build it per run). */
const DEEP = Array.from({ length: 64 }).reduce<unknown>((inner) => ({ a: [inner] }), 1);

const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: hostileText },
    { weight: 3, arbitrary: hostileNumber },
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(DEEP, BIG),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileText, tie('value'), { maxKeys: 3 }),
  ),
})).value;

// ---- the document ----------------------------------------------------------------------------

function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (EXCLUDED.has(`${method.toUpperCase()} ${path}`)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
        patientLink: (operation.security ?? []).some((s) => 'patient-link' in s),
      });
    }
  }
  return operations;
}

/** Values a valid request might hold, so the fuzz gets past validation to the services. */
class Plausible {
  constructor(
    private readonly document: OpenApiDocument,
    private readonly knownIds: string[],
  ) {}

  /**
   * A plausible value with, mostly, one part of it made hostile: one field of a valid body is
   * what reaches the database; a body hostile everywhere stops at validation.
   */
  /** A path or query parameter: mostly plausible, else hostile or with a character added. */
  parameter(name: string, schema: Schema | undefined): fc.Arbitrary<unknown> {
    const valid = this.value(name, this.resolve(schema), 0);
    return fc.oneof(
      { weight: 3, arbitrary: valid },
      { weight: 1, arbitrary: fc.tuple(valid, replacement).map(([v, r]) => r(v)) },
    );
  }

  mutated(name: string, schema: Schema | undefined): fc.Arbitrary<unknown> {
    const valid = this.value(name, this.resolve(schema), 0);
    return fc.oneof(
      {
        weight: 4,
        arbitrary: fc.tuple(valid, fc.nat(), replacement).map(([v, n, r]) => mutate(v, n, r)),
      },
      { weight: 1, arbitrary: valid },
      { weight: 1, arbitrary: hostileValue },
    );
  }

  private resolve(schema: Schema | undefined): Schema {
    let s = schema ?? {};
    for (let i = 0; s.$ref && i < 10; i++) {
      s = this.document.components?.schemas?.[s.$ref.split('/').pop()!] ?? {};
    }
    const merged = s.allOf ?? s.oneOf ?? s.anyOf;
    return merged?.[0] ? this.resolve(merged[0]) : s;
  }

  private value(name: string, schema: Schema, depth: number): fc.Arbitrary<unknown> {
    if (schema.enum?.length) return fc.constantFrom(...schema.enum);
    if (!schema.type && schema.example !== undefined) return fc.constant(schema.example);
    switch (schema.type) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        if (depth > 4) return fc.constant([]);
        return fc.oneof(
          ...(schema.example !== undefined ? [fc.constant(schema.example)] : []),
          fc.array(this.value(name, this.resolve(schema.items), depth + 1), { maxLength: 3 }),
        );
      case 'number':
      case 'integer': {
        const min = schema.minimum ?? 0;
        const max = schema.maximum ?? Math.max(min, 100);
        const whole = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
        return schema.type === 'integer'
          ? whole
          : fc.oneof(whole, fc.double({ min, max, noNaN: true }));
      }
      case 'boolean':
        return fc.boolean();
      default:
        return this.text(name, schema);
    }
  }

  private object(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      model[key] = this.value(key, this.resolve(property), depth + 1);
    }
    const requiredKeys = (schema.required ?? []).filter((k) => k in model);
    return fc.record(model, { requiredKeys });
  }

  private text(name: string, schema: Schema): fc.Arbitrary<unknown> {
    const today = new Date().toISOString().slice(0, 10);
    const likely: unknown[] = [
      ...(/id$/i.test(name) || schema.format === 'uuid' ? this.knownIds : []),
      ...(/date$/i.test(name) ? [today] : []),
      ...(/At$|^from$|^to$/.test(name) ? [new Date().toISOString()] : []),
    ];
    if (schema.example !== undefined) likely.push(schema.example);
    const fallback = ['ward-7', 'baclofen', 'oral', '08:00', 'Europe/London', `MRN-${name}`];
    return fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...(likely.length > 0 ? likely : fallback)) },
      { weight: 1, arbitrary: fc.constantFrom(...fallback) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
    );
  }
}

/** What takes a leaf's place: a hostile value, or the leaf with a character it cannot store. */
const replacement: fc.Arbitrary<(leaf: unknown) => unknown> = fc.oneof(
  hostileValue.map((h) => () => h),
  fc
    .constantFrom('\u0000', '\uD800', '\uDFFF')
    .map((c) => (leaf: unknown) => (typeof leaf === 'string' ? `${leaf}${c}` : c)),
);

/** Replaces the n-th leaf (modulo their count), or adds a hostile field to the n-th object. */
function mutate(value: unknown, n: number, replace: (leaf: unknown) => unknown): unknown {
  const slots: { holder: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (holder: Record<string, unknown> | unknown[]) => {
    for (const [key, child] of Object.entries(holder)) {
      slots.push({ holder, key: Array.isArray(holder) ? Number(key) : key });
      if (child && typeof child === 'object') walk(child as Record<string, unknown>);
    }
  };
  const copy: unknown = structuredClone(value);
  if (!copy || typeof copy !== 'object') return replace(copy);
  walk(copy as Record<string, unknown>);
  // One slot more than there are fields: an unknown field of the top object.
  const slot = slots[n % (slots.length + 1)];
  if (!slot) return { ...(copy as object), [`extra${n % 7}`]: replace(undefined) };
  (slot.holder as Record<string | number, unknown>)[slot.key] = replace(
    slot.holder[slot.key as never],
  );
  return copy;
}

// ---- encoding and sending --------------------------------------------------------------------

/** Percent-encodes every byte of the UTF-8 text but the unreserved ones. */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Already-encoded path or query text a client might send: bad escapes, NUL, dot segments. */
const rawSegment = fc.constantFrom(
  '%FF',
  '%ED%A0%80',
  '%00',
  '%E0%A4%A',
  '%',
  '%2F',
  '..',
  '.',
  'a%20b',
);

/** A path or query value: decoded text to encode, or raw text sent as is. */
const urlValue = (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<{ wire: string; text: string }> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: plausible
        .map((v) => String(typeof v === 'string' ? v : (JSON.stringify(v) ?? v)))
        .map((text) => ({ wire: percentEncode(text), text })),
    },
    { weight: 1, arbitrary: rawSegment.map((wire) => ({ wire, text: wire })) },
  );

/** Header text node's client will send: tab, printable ASCII and Latin-1. */
const headerText = fc.oneof(
  fc.constantFrom('', ' ', 'a'.repeat(256), "'; DROP TABLE idempotency_keys; --", 'ÿþý'),
  fc.string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
      .map((c) => String.fromCharCode(c)),
    maxLength: 300,
  }),
);

type Credentials = 'admin' | 'service' | 'none' | 'garbage' | 'patient-link';

function requestArbitrary(
  operation: Operation,
  plausible: Plausible,
  secrets: Record<'service' | 'patient-link', string>,
): fc.Arbitrary<HostileRequest> {
  const path = operation.parameters.filter((p) => p.in === 'path');
  const query = operation.parameters.filter((p) => p.in === 'query');
  const headers = operation.parameters.filter((p) => p.in === 'header');
  // Mostly a key that may call the route, so the fuzz reaches the services behind the guard.
  const credentials = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constant<Credentials>(operation.patientLink ? 'patient-link' : 'service'),
    },
    { weight: 2, arbitrary: fc.constant<Credentials>('admin') },
    { weight: 1, arbitrary: fc.constantFrom<Credentials>('none', 'garbage', 'service') },
  );

  const pathValues = fc.tuple(...path.map((p) => urlValue(plausible.parameter(p.name, p.schema))));
  const queryValues = fc.tuple(
    ...query.map((p) =>
      fc.option(
        fc.array(urlValue(plausible.parameter(p.name, p.schema)), { minLength: 1, maxLength: 2 }),
        { freq: 3 },
      ),
    ),
  );
  const extraQuery = fc.option(fc.tuple(hostileText, urlValue(hostileText)), { freq: 5 });
  const headerValues = fc.tuple(...headers.map(() => fc.option(headerText, { freq: 2 })));
  const body = operation.body
    ? fc.option(
        fc.oneof(
          {
            weight: 8,
            arbitrary: plausible.mutated('body', operation.body).map((v) => ({ json: v })),
          },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('{"a":', '[', '{"__proto__":{"x":1}}', 'nul', '"\\ud800"', '\u0000')
              .map((raw) => ({ raw })),
          },
        ),
        { freq: 8 },
      )
    : fc.constant(null);
  const contentType = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
      ),
    },
  );

  return fc
    .record({
      credentials,
      garbage: headerText,
      pathValues,
      queryValues,
      extraQuery,
      headerValues,
      body,
      contentType,
    })
    .map((r) => {
      const sent: string[] = [];
      let url = operation.path;
      path.forEach((p, i) => {
        const value = r.pathValues[i]!;
        url = url.replace(`{${p.name}}`, value.wire);
        sent.push(value.text, value.wire);
      });
      const pairs: string[] = [];
      query.forEach((p, i) => {
        for (const value of r.queryValues[i] ?? []) {
          pairs.push(`${p.name}=${value.wire}`);
          sent.push(value.text, value.wire);
        }
      });
      if (r.extraQuery) {
        pairs.push(`${percentEncode(r.extraQuery[0])}=${r.extraQuery[1].wire}`);
        sent.push(r.extraQuery[0], r.extraQuery[1].text);
      }
      if (pairs.length > 0) url += `?${pairs.join('&')}`;

      const out: Record<string, string> = {};
      headers.forEach((p, i) => {
        const value = r.headerValues[i];
        if (value !== null && value !== undefined) {
          out[p.name.toLowerCase()] = value;
          sent.push(value);
        }
      });
      const secret = { admin: TEST_ADMIN_KEY, none: undefined, garbage: r.garbage, ...secrets }[
        r.credentials
      ];
      if (secret !== undefined) Object.assign(out, bearer(secret));

      let text: string | undefined;
      if (r.body) {
        if ('raw' in r.body) text = r.body.raw;
        else {
          text = JSON.stringify(r.body.json) ?? 'null';
          for (const token of RAW_NUMBERS)
            text = text.split(JSON.stringify(rawMarker(token))).join(token);
          collectStrings(r.body.json, sent);
        }
        out['content-type'] = r.contentType;
        sent.push(text);
      }
      return { method: operation.method, path: url, headers: out, body: text, sent };
    });
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.push(key);
      collectStrings(child, into);
    }
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(port: number, req: HostileRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        agent,
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    call.on('timeout', () => call.destroy(new Error(`no answer to ${req.method} ${req.path}`)));
    call.on('error', reject);
    call.end(req.body);
  });
}

/** The answer's text without anything the request itself sent (an echo is not a leak). */
function withoutEcho(text: string, sent: string[]): string {
  let out = text;
  const echoes = sent
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    .filter((s) => s.length >= 3);
  echoes.sort((a, b) => b.length - a.length);
  for (const echo of echoes) out = out.split(echo).join('');
  return out;
}

/** Throws, naming what is wrong, unless the answer is safe. */
function assertSafe(req: HostileRequest, answer: Answer): void {
  const where = `${req.method} ${req.path.slice(0, 300)} answered ${answer.status}: ${answer.text.slice(0, 500)}`;
  if (answer.status >= 500) throw new Error(`a server error: ${where}`);
  if (answer.status < 400) return;
  const type = String(answer.headers['content-type'] ?? '');
  // Under /fhir errors are OperationOutcomes, except what node refuses before it reads the path.
  if (req.path.startsWith('/fhir/') && answer.status !== 431) {
    if (!type.startsWith('application/fhir+json'))
      throw new Error(`not fhir+json (${type}): ${where}`);
    const outcome = JSON.parse(answer.text) as { resourceType?: unknown; issue?: unknown[] };
    if (outcome.resourceType !== 'OperationOutcome' || !outcome.issue?.length) {
      throw new Error(`not an OperationOutcome: ${where}`);
    }
  } else {
    if (!type.startsWith('application/problem+json'))
      throw new Error(`not problem+json (${type}): ${where}`);
    const problem = JSON.parse(answer.text) as Record<string, unknown>;
    if (
      typeof problem.type !== 'string' ||
      typeof problem.title !== 'string' ||
      problem.status !== answer.status
    ) {
      throw new Error(`not problem details: ${where}`);
    }
  }
  const rest = withoutEcho(answer.text, req.sent);
  for (const [what, pattern] of LEAKS) {
    if (pattern.test(rest)) throw new Error(`leaks ${what}: ${where}`);
  }
}

// ---- the tests -------------------------------------------------------------------------------

describe('hostile input', () => {
  let stack: TestStack;
  let port: number;
  let document: OpenApiDocument;
  let plausible: Plausible;
  let secrets: Record<'service' | 'patient-link', string>;

  beforeAll(async () => {
    stack = await startStack({
      workers: 1,
      // Thousands of requests a minute from one key and one address: limits would only answer 429.
      env: { RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0' },
    });
    await stack.app.listen(0, '127.0.0.1');
    port = (stack.app.getHttpServer().address() as AddressInfo).port;
    document = (await stack.http().get('/openapi.json').expect(200)).body as OpenApiDocument;

    // Real rows, so plausible ids reach the services and the database behind them.
    const service = await createKey(stack, 'service');
    const prescriber = await createKey(stack, 'prescriber');
    const patient = await createPatient(stack, service, { unitId: 'ward-7' });
    const planId = await approvedPlan(stack, prescriber, baclofenRequest(patient.id));
    const doses = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?limit=2`)
      .set(bearer(service))
      .expect(200);
    const link = await stack
      .http()
      .post(`/v1/patients/${patient.id}/links`)
      .set(bearer(service))
      .send({ expiresInDays: 30 })
      .expect(201);
    secrets = { service, 'patient-link': link.body.token as string };
    const knownIds = [
      patient.id,
      planId,
      ...(doses.body.items as { id: string }[]).map((d) => d.id),
    ];
    plausible = new Plausible(document, knownIds);
  });
  afterAll(async () => {
    agent.destroy();
    await stack.close();
  });

  const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    send(port, {
      method,
      path,
      headers: { ...bearer(secrets.service), ...headers },
      body,
      sent: [],
    });

  const expectProblem = (answer: Answer, status: number) => {
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.text)).toEqual(
      expect.objectContaining({ type: expect.any(String), title: expect.any(String), status }),
    );
    return JSON.parse(answer.text) as { detail: string; errors?: { field: string }[] };
  };
  const json = { 'content-type': 'application/json' };

  it('names each body, query and path field holding NUL or an unpaired surrogate (400)', async () => {
    const body = JSON.stringify({
      externalId: 'MRN-\u0000',
      unitId: 'ward-7\uD800',
      timezone: 'UTC',
    });
    const fields = (answer: Answer) => expectProblem(answer, 400).errors?.map((e) => e.field);
    expect(fields(await raw('POST', '/v1/patients', json, body))).toEqual(['externalId', 'unitId']);
    expect(fields(await raw('GET', '/v1/alerts?unitId=ward%00-7'))).toEqual(['unitId']);
    expect(fields(await raw('GET', '/v1/plans?cursor=x&cursor=y%00'))).toEqual(['cursor.1']);
    expect(fields(await raw('GET', '/v1/units/ward%007/escalation-policy'))).toEqual(['unitId']);
    // A field's name is input too; the answer shows it without the character.
    const named = await raw('POST', '/v1/patients', json, '{"a\\u0000":1}');
    expect(fields(named)).toEqual(['a\uFFFD']);
  });

  it('refuses a body nested deeper than any request (400), before it can overflow the stack', async () => {
    const deep = `{"externalId":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const problem = expectProblem(await raw('POST', '/v1/patients', json, deep), 400);
    expect(problem.errors?.[0]?.field).toMatch(/^externalId(\.0)+$/);
  });

  it("answers the framework's own refusals as problem details", async () => {
    expectProblem(await raw('GET', `/v1/patients/${'a'.repeat(500)}`), 414);
    expectProblem(await raw('GET', `/v1/drugs?x=${'a'.repeat(100_000)}`), 431);
    expectProblem(await raw('GET', '/v1/patients/%E0%A4%A'), 400);
    expectProblem(await raw('GET', '/v1/no-such-route'), 404);
    expectProblem(await raw('POST', '/v1/patients', json, '{"externalId":'), 400);
    expectProblem(
      await raw('POST', '/v1/patients', json, JSON.stringify({ externalId: BIG })),
      413,
    );
    expectProblem(
      await raw('POST', '/v1/patients', { 'content-type': 'text/plain' }, 'MRN-1'),
      415,
    );
    const wrongMethod = await raw('PUT', '/v1/drugs');
    expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
  });

  it(
    'never answers an operation of the OpenAPI document with a 5xx, a non-problem error or a leak',
    async () => {
      const operations = operationsOf(document);
      // The document is the service's own: it lists the routes this suite knows, and more later.
      expect(operations.length).toBeGreaterThan(30);
      for (const [index, operation] of operations.entries()) {
        try {
          await fc.assert(
            fc.asyncProperty(requestArbitrary(operation, plausible, secrets), async (req) => {
              assertSafe(req, await send(port, req));
            }),
            { numRuns: RUNS_PER_OPERATION, seed: SEED + index, endOnFailure: true },
          );
        } catch (error) {
          throw new Error(
            `${operation.method} ${operation.path} (seed ${SEED + index}): ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
    },
    // A larger FUZZ_RUNS takes proportionally longer than the default minute.
    Math.max(60_000, RUNS_PER_OPERATION * 2_000),
  );
});
