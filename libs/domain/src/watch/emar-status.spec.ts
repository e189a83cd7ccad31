import { FHIR_ADMINISTRATION_STATUSES, emarStatusDecision } from './emar-status';

const THO = 'http://terminology.hl7.org/CodeSystem/reason-medication-not-given';

describe('emarStatusDecision', () => {
  it('completed is given, on-hold is held', () => {
    expect(emarStatusDecision('completed', [])).toEqual({ ok: true, outcome: 'given' });
    expect(emarStatusDecision('on-hold', [])).toEqual({ ok: true, outcome: 'held' });
  });

  it('not-done is refused when a reason says the patient refused, in a coding or in text', () => {
    expect(emarStatusDecision('not-done', [{ text: 'Patient refused' }])).toEqual({
      ok: true,
      outcome: 'refused',
    });
    expect(emarStatusDecision('not-done', [{ system: 'urn:local', code: 'refused' }])).toEqual({
      ok: true,
      outcome: 'refused',
    });
  });

  it('not-done is held when the reason says the dose was held per order', () => {
    expect(emarStatusDecision('not-done', [{ text: 'Held per order' }])).toEqual({
      ok: true,
      outcome: 'held',
      reason: 'Held per order',
    });
  });

  it('not-done with a not-given reason code (none, away, asleep, vomit) or any other reason is not_given', () => {
    const decisions = ['a', 'b', 'c', 'd'].map((code) =>
      emarStatusDecision('not-done', [{ system: THO, code }]),
    );
    expect(decisions).toEqual(
      ['None', 'Away', 'Asleep', 'Vomit'].map((reason) => ({
        ok: true,
        outcome: 'not_given',
        reason,
      })),
    );
    expect(emarStatusDecision('not-done', [{ text: 'Nil by mouth' }])).toEqual({
      ok: true,
      outcome: 'not_given',
      reason: 'Nil by mouth',
    });
  });

  it('a refusal outweighs a hold: a patient who refused did not take the dose', () => {
    const decision = emarStatusDecision('not-done', [{ text: 'Held' }, { text: 'Refused' }]);
    expect(decision).toEqual({ ok: true, outcome: 'refused' });
  });

  it('not-done without a reason names statusReason', () => {
    expect(emarStatusDecision('not-done', [])).toEqual(
      expect.objectContaining({ ok: false, field: 'statusReason' }),
    );
    expect(emarStatusDecision('not-done', [{ system: THO }])).toEqual(
      expect.objectContaining({ ok: false, field: 'statusReason' }),
    );
  });

  it('refuses every other status of the value set, naming the ones recorded', () => {
    const others = FHIR_ADMINISTRATION_STATUSES.filter(
      (s) => !['completed', 'not-done', 'on-hold'].includes(s),
    );
    expect(others).toEqual(['in-progress', 'entered-in-error', 'stopped', 'unknown']);
    for (const status of [...others, 'given']) {
      const decision = emarStatusDecision(status, []);
      expect(decision).toEqual(
        expect.objectContaining({
          ok: false,
          field: 'status',
          message: expect.stringMatching(/completed.*not-done.*on-hold/),
        }),
      );
    }
  });
});
