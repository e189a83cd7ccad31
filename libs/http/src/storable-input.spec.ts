import { MAX_INPUT_DEPTH, unstorableInputErrors } from './storable-input';

describe('unstorableInputErrors', () => {
  it('passes text PostgreSQL can store, surrogate pairs (emoji) included', () => {
    const body = { name: 'Zoë 日本 \uD83D\uDE00', list: ['a', 1, null, true], nested: { ok: 'x' } };
    expect(unstorableInputErrors(body, '')).toEqual([]);
  });

  it('names each field holding NUL or an unpaired surrogate, by its dotted path', () => {
    const body = { a: 'x\u0000', list: ['ok', '\uD800'], goal: { type: 'y\uDC00z' } };
    expect(unstorableInputErrors(body, '').map((e) => e.field)).toEqual([
      'a',
      'list.1',
      'goal.type',
    ]);
    expect(unstorableInputErrors(body, '')[0]!.message).toMatch(/NUL/);
    expect(unstorableInputErrors(body, '')[1]!.message).toMatch(/surrogate/);
  });

  it('names a parameter given alone, and a bare body as body', () => {
    expect(unstorableInputErrors('a\u0000', 'unitId')).toEqual([
      expect.objectContaining({ field: 'unitId' }),
    ]);
    expect(unstorableInputErrors('\uDFFF', '')).toEqual([
      expect.objectContaining({ field: 'body' }),
    ]);
  });

  it('refuses a field name that cannot be stored, showing it without the character', () => {
    expect(unstorableInputErrors({ 'k\u0000': 1 }, '')).toEqual([
      expect.objectContaining({ field: 'k\uFFFD', message: expect.stringMatching(/^has a name/) }),
    ]);
  });

  it('refuses nesting past the limit without recursing, however deep', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const errors = unstorableInputErrors({ x: deep }, '');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field.split('.')).toHaveLength(MAX_INPUT_DEPTH);
  });

  it('reports a bounded number of fields', () => {
    expect(unstorableInputErrors(Array(1000).fill('\u0000'), '')).toHaveLength(20);
  });
});
