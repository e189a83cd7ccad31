import fc from 'fast-check';
import { AuditFacts, GENESIS_HASH, chainBreak, extendChain } from './audit-chain';

const facts = (i: number): AuditFacts => ({
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
  tenantId: '00000000-0000-4000-8000-000000000001',
  actorKeyId: null,
  actorLinkId: null,
  actorPerson: i % 2 ? 'dr.house' : null,
  action: 'read',
  resourceType: 'Plan',
  resourceId: `id-${i}`,
  method: 'GET',
  route: '/v1/plans/:id',
  outcome: 200,
  clientIp: '10.0.0.1',
  requestId: `req-${i}`,
});

function firstBreak(rows: ReturnType<typeof extendChain>): string | undefined {
  let previous = { seq: '0', hash: GENESIS_HASH };
  for (const row of rows) {
    if (chainBreak(previous, row)) return row.seq;
    previous = row;
  }
  return undefined;
}

describe('audit chain', () => {
  it('places batches one after another: consecutive seqs, each bound to the hash before', () => {
    const first = extendChain({ seq: '0', hash: GENESIS_HASH }, [0, 1, 2].map(facts));
    const second = extendChain(first[2]!, [3, 4, 5, 6, 7, 8, 9, 10, 11].map(facts));
    const all = [...first, ...second];
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => String(i + 1)));
    expect(firstBreak(all)).toBeUndefined();
  });

  it('finds the first changed, removed or relinked row, whichever field changed', () => {
    const keys = Object.keys(facts(0)) as (keyof AuditFacts)[];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.constantFrom(...keys), (at, key) => {
        const rows = extendChain(
          { seq: '0', hash: GENESIS_HASH },
          [...Array(12).keys()].map(facts),
        );
        const changed = rows.map((r) => ({ ...r }));
        const value = changed[at]![key];
        (changed[at] as unknown as Record<string, unknown>)[key] =
          value instanceof Date
            ? new Date(value.getTime() + 1)
            : typeof value === 'number'
              ? value + 1
              : `${String(value)}x`;
        expect(firstBreak(changed)).toBe(String(at + 1));
        expect(firstBreak(rows.filter((_, i) => i !== at))).toBe(
          at === 11 ? undefined : String(at + 2),
        );
      }),
    );
  });
});
