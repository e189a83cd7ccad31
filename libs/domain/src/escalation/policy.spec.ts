import { freezePolicy, POLICY_LIMITS, validateEscalationPolicy } from './policy';

const hook = (url = 'https://pager.example.org/hook') => ({ type: 'webhook', url });
const mail = (address = 'charge.nurse@ward.example.org') => ({ type: 'email', address });

function errorsOf(body: unknown) {
  const result = validateEscalationPolicy(body);
  return result.ok ? [] : result.errors;
}

describe('validateEscalationPolicy', () => {
  it('accepts a policy and returns a deeply frozen copy', () => {
    const body = {
      steps: [
        { afterMinutes: 0, targets: [hook()] },
        { afterMinutes: 0.05, targets: [mail(), hook('http://10.0.0.5:8080/x')] },
      ],
      repeat: 2,
    };
    const result = validateEscalationPolicy(body);
    expect(result).toEqual({ ok: true, policy: body });
    if (!result.ok) return;
    expect(Object.isFrozen(result.policy)).toBe(true);
    expect(Object.isFrozen(result.policy.steps[1].targets[0])).toBe(true);
    body.steps[0].afterMinutes = 99;
    expect(result.policy.steps[0].afterMinutes).toBe(0);
  });

  it('accepts the bounds: 10 steps, repeat 10, a day per step', () => {
    const steps = Array.from({ length: POLICY_LIMITS.maxSteps }, () => ({
      afterMinutes: POLICY_LIMITS.maxAfterMinutes,
      targets: [hook()],
    }));
    expect(errorsOf({ steps, repeat: POLICY_LIMITS.maxRepeat })).toEqual([]);
  });

  it.each([
    ['not an object', [], [{ field: '', message: 'must be an object' }]],
    [
      'no steps',
      { steps: [], repeat: 0 },
      [{ field: 'steps', message: 'must be a list of 1 to 10 steps' }],
    ],
    [
      'eleven steps',
      {
        steps: Array.from({ length: 11 }, () => ({ afterMinutes: 1, targets: [hook()] })),
        repeat: 0,
      },
      [{ field: 'steps', message: 'must be a list of 1 to 10 steps' }],
    ],
    [
      'repeat out of range or fractional',
      { steps: [{ afterMinutes: 0, targets: [hook()] }], repeat: 1.5 },
      [{ field: 'repeat', message: 'must be a whole number from 0 to 10' }],
    ],
    [
      'missing repeat and an unknown field',
      { steps: [{ afterMinutes: 0, targets: [hook()] }], escalate: true },
      [
        { field: 'escalate', message: 'is not allowed' },
        { field: 'repeat', message: 'must be a whole number from 0 to 10' },
      ],
    ],
  ])('%s', (_name, body, errors) => {
    expect(errorsOf(body)).toEqual(errors);
  });

  it('names every bad field by its path', () => {
    const errors = errorsOf({
      steps: [
        { afterMinutes: -1, targets: [hook('ftp://files.example.org/x'), mail('not-an-address')] },
        {
          afterMinutes: 5,
          targets: [hook(), { type: 'sms', number: '1' }, hook('https://u:p@h.example/')],
        },
        { afterMinutes: 'soon', targets: [] },
        { afterMinutes: 2000, targets: [mail(), mail('Charge.Nurse@ward.example.org')], note: 'x' },
        'step',
      ],
      repeat: 11,
    });
    expect(errors).toEqual([
      { field: 'steps.0.afterMinutes', message: 'must be a number from 0 to 1440' },
      { field: 'steps.0.targets.0.url', message: 'must be an http or https URL' },
      { field: 'steps.0.targets.1.address', message: 'must be an e-mail address' },
      { field: 'steps.1.targets.1.type', message: 'must be "webhook" or "email"' },
      { field: 'steps.1.targets.2.url', message: 'must not contain credentials' },
      { field: 'steps.2.afterMinutes', message: 'must be a number from 0 to 1440' },
      { field: 'steps.2.targets', message: 'must be a list of 1 to 10 targets' },
      { field: 'steps.3.note', message: 'is not allowed' },
      { field: 'steps.3.afterMinutes', message: 'must be a number from 0 to 1440' },
      { field: 'steps.3.targets.1', message: 'repeats an earlier target of this step' },
      { field: 'steps.4', message: 'must be an object' },
      { field: 'repeat', message: 'must be a whole number from 0 to 10' },
    ]);
  });

  it.each([
    hook('javascript:alert(1)'),
    hook('https//missing-colon'),
    hook('/relative/path'),
    hook('mailto:a@b.example'),
    mail('a@b'),
    mail('a b@ward.example.org'),
    mail('@ward.example.org'),
    mail('a@@ward.example.org'),
    mail('a@-x.example.org'),
  ])('refuses the target %j', (target) => {
    expect(errorsOf({ steps: [{ afterMinutes: 0, targets: [target] }], repeat: 0 })).toHaveLength(
      1,
    );
  });

  it('refuses NaN and Infinity delays and a non-string URL', () => {
    for (const afterMinutes of [NaN, Infinity]) {
      expect(errorsOf({ steps: [{ afterMinutes, targets: [hook()] }], repeat: 0 })).toHaveLength(1);
    }
    expect(
      errorsOf({
        steps: [{ afterMinutes: 0, targets: [{ type: 'webhook', url: 42 }] }],
        repeat: 0,
      }),
    ).toEqual([{ field: 'steps.0.targets.0.url', message: 'must be a string' }]);
  });
});

describe('freezePolicy', () => {
  it('copies and freezes every level', () => {
    const policy = {
      steps: [{ afterMinutes: 1, targets: [{ type: 'email' as const, address: 'a@b.example' }] }],
      repeat: 0,
    };
    const frozen = freezePolicy(policy);
    expect(frozen).toEqual(policy);
    expect(frozen.steps[0]).not.toBe(policy.steps[0]);
    expect(Object.isFrozen(frozen.steps)).toBe(true);
  });
});
