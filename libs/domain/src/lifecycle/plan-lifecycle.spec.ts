import { PLAN_STATES, transition, type PlanAction } from './plan-lifecycle';

describe('plan lifecycle', () => {
  it.each([
    ['proposed', 'approve', 'active'],
    ['active', 'pause', 'paused'],
    ['paused', 'resume', 'active'],
    ['active', 'cancel', 'cancelled'],
    ['paused', 'cancel', 'cancelled'],
    ['proposed', 'cancel', 'cancelled'],
    ['active', 'supersede', 'superseded'],
    ['paused', 'supersede', 'superseded'],
    ['proposed', 'supersede', 'superseded'],
    ['active', 'complete', 'completed'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toEqual({ ok: true, from, to });
  });

  it('refuses everything else, naming the current state', () => {
    const actions: PlanAction[] = ['approve', 'pause', 'resume', 'cancel', 'supersede', 'complete'];
    let refused = 0;
    for (const from of PLAN_STATES) {
      for (const action of actions) {
        const result = transition(from, action);
        if (!result.ok) {
          refused++;
          expect(result.message).toContain(`is ${from}`);
        }
      }
    }
    expect(refused).toBe(PLAN_STATES.length * actions.length - 10);
  });

  it('never leaves a final state', () => {
    for (const from of ['completed', 'cancelled', 'superseded'] as const) {
      for (const action of ['approve', 'pause', 'resume', 'cancel', 'supersede'] as const) {
        expect(transition(from, action).ok).toBe(false);
      }
    }
  });
});
