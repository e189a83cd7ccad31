import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TestStack, startStack } from '@taperwatch/testing';

/**
 * docs/api.md is the contract and /openapi.json is generated from the code: every operation the
 * OpenAPI document lists has a `### METHOD /path` section in docs/api.md, and every such section
 * names an operation the service serves. Routes the OpenAPI document leaves out (metrics, the
 * interactive docs, the static pages) are documented under "Also served" as `#### METHOD /path`
 * headings: each must stay out of the OpenAPI document and still be answered.
 */

const API_DOC = path.join(__dirname, '..', 'docs', 'api.md');
const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'];

interface Heading {
  level: number;
  method: string;
  path: string;
  line: number;
}

/** `### METHOD /path` and `#### METHOD /path` headings outside fenced code blocks. */
function endpointHeadings(markdown: string): Heading[] {
  const headings: Heading[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    if (fenced) return;
    const match = /^(#{3,4})\s+(\S+)\s+(\S+)\s*$/.exec(text);
    if (!match || !HTTP_METHODS.includes(match[2]!.toUpperCase())) return;
    headings.push({ level: match[1]!.length, method: match[2]!, path: match[3]!, line: index + 1 });
  });
  return headings;
}

const key = (method: string, route: string) => `${method.toUpperCase()} ${route}`;

function servedOperations(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths).flatMap(([route, operations]) =>
    Object.keys(operations)
      .filter((method) => HTTP_METHODS.includes(method.toUpperCase()))
      .map((method) => key(method, route)),
  );
}

describe('docs/api.md and the OpenAPI document', () => {
  let stack: TestStack;
  let served: string[];
  const headings = endpointHeadings(readFileSync(API_DOC, 'utf8'));
  const sections = headings.filter((h) => h.level === 3);
  const alsoServed = headings.filter((h) => h.level === 4);

  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
    const res = await stack.http().get('/openapi.json').expect(200);
    served = servedOperations(res.body as { paths: Record<string, Record<string, unknown>> });
  });
  afterAll(() => stack.close());

  it('documents every operation /openapi.json lists, and only those, as `### METHOD /path`', () => {
    expect(served.length).toBeGreaterThan(0);
    const documented = sections.map((h) => key(h.method, h.path));
    const missing = served.filter((op) => !documented.includes(op)).sort();
    const notServed = documented.filter((op) => !served.includes(op)).sort();
    const duplicated = documented.filter((op, i) => documented.indexOf(op) !== i);
    const report = [
      ...(missing.length > 0
        ? [
            'Served (in /openapi.json) but missing from docs/api.md: add a `### METHOD /path` section for each, with who may call it, its fields and its status codes:',
            ...missing.map((op) => `  ### ${op}`),
          ]
        : []),
      ...(notServed.length > 0
        ? [
            'Documented in docs/api.md but not in /openapi.json: fix the heading, remove the section, or (for a route kept out of OpenAPI) make it a `#### METHOD /path` under "Also served":',
            ...notServed.map((op) => `  ### ${op}`),
          ]
        : []),
      ...(duplicated.length > 0
        ? ['Documented twice in docs/api.md:', ...duplicated.map((op) => `  ### ${op}`)]
        : []),
    ];
    if (report.length > 0) throw new Error(report.join('\n'));
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
  });

  it('writes every documented method in capitals and every path OpenAPI-style ({param})', () => {
    const bad = headings
      .filter(
        (h) =>
          h.method !== h.method.toUpperCase() ||
          !h.path.startsWith('/') ||
          /\/:/.test(h.path) ||
          /[{}]/.test(h.path.replace(/\{[A-Za-z][A-Za-z0-9]*\}/g, '')),
      )
      .map((h) => `  docs/api.md line ${h.line}: ${h.method} ${h.path}`);
    if (bad.length > 0) {
      throw new Error(
        [
          'Write headings as `### METHOD /path` with the method in capitals and path parameters in braces, e.g. `### GET /v1/plans/{id}` (not /v1/plans/:id):',
          ...bad,
        ].join('\n'),
      );
    }
    expect(bad).toEqual([]);
  });

  it('keeps the routes documented under "Also served" out of /openapi.json', () => {
    expect(alsoServed.length).toBeGreaterThan(0);
    const listed = alsoServed.map((h) => key(h.method, h.path)).filter((op) => served.includes(op));
    if (listed.length > 0) {
      throw new Error(
        [
          '/openapi.json now lists these: move each from a `#### METHOD /path` heading to a `### METHOD /path` section of its feature:',
          ...listed.map((op) => `  ${op}`),
        ].join('\n'),
      );
    }
    expect(listed).toEqual([]);
  });

  it('serves every route documented under "Also served" without a key', async () => {
    const unanswered: string[] = [];
    for (const h of alsoServed.filter((heading) => !heading.path.includes('{'))) {
      const res = await stack.http()[h.method.toLowerCase() as 'get'](h.path);
      if (res.status >= 400) unanswered.push(`  ${key(h.method, h.path)} answered ${res.status}`);
    }
    if (unanswered.length > 0) {
      throw new Error(
        [
          'docs/api.md documents these under "Also served" but the service does not serve them: fix or remove the `#### METHOD /path` heading:',
          ...unanswered,
        ].join('\n'),
      );
    }
    expect(unanswered).toEqual([]);
  });
});
