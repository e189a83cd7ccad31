import fc from 'fast-check';
import {
  acknowledge,
  deliveryKey,
  fire,
  isDue,
  open,
  resolve,
  roundGapMinutes,
  type Delivery,
  type EscalationState,
} from './engine';
import { freezePolicy, type EscalationPolicy, type EscalationTarget } from './policy';

const T0 = Date.UTC(2025, 0, 6, 8);
const min = (m: number) => T0 + m * 60_000;
const nurse: EscalationTarget = { type: 'webhook', url: 'https://pager.example.org/bedside' };
const charge: EscalationTarget = { type: 'email', address: 'charge@ward.example.org' };
const prescriber: EscalationTarget = { type: 'webhook', url: 'https://pager.example.org/oncall' };

const POLICY = freezePolicy({
  steps: [
    { afterMinutes: 0, targets: [nurse] },
    { afterMinutes: 0.05, targets: [charge, nurse] },
    { afterMinutes: 1.5, targets: [prescriber] },
  ],
  repeat: 1,
});

interface Fired {
  at: number;
  deliveries: Delivery[];
  level: number;
}

/** Fires every step exactly when due, as punctual delayed jobs would, until nothing is pending. */
function runToEnd(policy: EscalationPolicy, start: EscalationState, stopAt = Infinity) {
  const fired: Fired[] = [];
  let state = start;
  while (state.nextAt !== null && state.nextAt <= stopAt) {
    const now = state.nextAt;
    const result = fire(state, policy, now);
    fired.push({ at: now, deliveries: result.deliveries, level: result.state.level });
    state = result.state;
  }
  return { fired, state };
}

describe('escalation engine', () => {
  it('opens with step 0 due afterMinutes after opening, level 0', () => {
    expect(open(POLICY, T0)).toEqual({ step: 0, loop: 0, nextAt: T0, status: 'active', level: 0 });
    const delayed = freezePolicy({ steps: [{ afterMinutes: 2.5, targets: [nurse] }], repeat: 0 });
    expect(open(delayed, T0).nextAt).toBe(min(2.5));
  });

  it('fires the steps in order after their fractional delays, then repeats a round', () => {
    const { fired, state } = runToEnd(POLICY, open(POLICY, T0));
    expect(
      fired.map((f) => [f.at - T0, f.deliveries.map((d) => [d.step, d.loop, d.target])]),
    ).toEqual([
      [0, [[0, 0, nurse]]],
      [
        3000,
        [
          [1, 0, charge],
          [1, 0, nurse],
        ],
      ],
      [93000, [[2, 0, prescriber]]],
      // Step 0 is immediate, so the new round waits the last step's 1.5 min (roundGapMinutes).
      [183000, [[0, 1, nurse]]],
      [
        186000,
        [
          [1, 1, charge],
          [1, 1, nurse],
        ],
      ],
      [276000, [[2, 1, prescriber]]],
    ]);
    expect(fired.map((f) => f.level)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(state).toEqual({ step: 2, loop: 1, nextAt: null, status: 'exhausted', level: 5 });
  });

  it('uses step 0 own delay between rounds when it has one', () => {
    const policy = freezePolicy({ steps: [{ afterMinutes: 10, targets: [nurse] }], repeat: 2 });
    expect(roundGapMinutes(policy)).toBe(10);
    const { fired } = runToEnd(policy, open(policy, T0));
    expect(fired.map((f) => (f.at - T0) / 60_000)).toEqual([10, 20, 30]);
  });

  it('reports escalated for every firing after the first', () => {
    let state = open(POLICY, T0);
    const first = fire(state, POLICY, T0);
    expect(first.escalated).toBe(false);
    state = first.state;
    expect(fire(state, POLICY, state.nextAt!).escalated).toBe(true);
  });

  it('counts the next delay from the actual firing time, so a late sweep still leaves each step its time', () => {
    const state = fire(open(POLICY, T0), POLICY, T0).state;
    const late = fire(state, POLICY, min(10));
    expect(late.deliveries).toHaveLength(2);
    expect(late.state.nextAt).toBe(min(11.5));
  });

  it('does nothing before nextAt', () => {
    const state = fire(open(POLICY, T0), POLICY, T0).state;
    expect(fire(state, POLICY, state.nextAt! - 1)).toEqual({
      state,
      deliveries: [],
      escalated: false,
    });
  });

  it('acknowledge stops at once and fire does nothing afterwards', () => {
    const state = acknowledge(fire(open(POLICY, T0), POLICY, T0).state);
    expect(state).toMatchObject({ status: 'acknowledged', nextAt: null, step: 1, level: 0 });
    expect(fire(state, POLICY, min(60)).deliveries).toEqual([]);
    expect(acknowledge(state)).toEqual(state);
  });

  it('resolve ends it, from any state, and an ended alert cannot be acknowledged back', () => {
    const ended = resolve(open(POLICY, T0));
    expect(ended).toMatchObject({ status: 'ended', nextAt: null });
    expect(acknowledge(ended)).toBe(ended);
    expect(resolve(acknowledge(open(POLICY, T0))).status).toBe('ended');
    expect(fire(ended, POLICY, min(60)).deliveries).toEqual([]);
  });

  it('a stale job (wrong step or loop, or the alert acked) is not due', () => {
    const atStep1 = fire(open(POLICY, T0), POLICY, T0).state;
    const now = atStep1.nextAt!;
    expect(isDue(atStep1, { step: 1, loop: 0 }, now)).toBe(true);
    expect(isDue(atStep1, { step: 0, loop: 0 }, now)).toBe(false); // the job for step 0, run twice
    expect(isDue(atStep1, { step: 1, loop: 1 }, now)).toBe(false);
    expect(isDue(atStep1, { step: 1, loop: 0 }, now - 1)).toBe(false);
    expect(isDue(acknowledge(atStep1), { step: 1, loop: 0 }, now)).toBe(false);
    const exhausted = runToEnd(POLICY, atStep1).state;
    expect(isDue(exhausted, { step: 2, loop: 1 }, min(600))).toBe(false);
  });

  it('keys deliveries by alert x step x loop x target', () => {
    const { fired } = runToEnd(POLICY, open(POLICY, T0));
    const keys = fired.flatMap((f) => f.deliveries.map((d) => deliveryKey('a1', d)));
    expect(keys.slice(0, 3)).toEqual(['a1:0:0:0', 'a1:1:0:0', 'a1:1:0:1']);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses a state that points past the policy', () => {
    const broken: EscalationState = { step: 7, loop: 0, nextAt: T0, status: 'active', level: 0 };
    expect(() => fire(broken, POLICY, T0)).toThrow(RangeError);
  });
});

const target = fc.oneof(
  fc.webUrl().map((url): EscalationTarget => ({ type: 'webhook', url })),
  fc.emailAddress().map((address): EscalationTarget => ({ type: 'email', address })),
);
const policyArb = fc
  .record({
    steps: fc.array(
      fc.record({
        afterMinutes: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 30, noNaN: true })),
        targets: fc.array(target, { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 10 },
    ),
    repeat: fc.integer({ min: 0, max: 10 }),
  })
  .map(freezePolicy);

describe('escalation engine properties', () => {
  it('unacknowledged, every step fires repeat + 1 times: deliveries = sum of targets x (repeat + 1)', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const { fired, state } = runToEnd(policy, open(policy, T0));
        const perRound = policy.steps.reduce((n, s) => n + s.targets.length, 0);
        const deliveries = fired.flatMap((f) => f.deliveries);
        expect(deliveries).toHaveLength(perRound * (policy.repeat + 1));
        expect(fired).toHaveLength(policy.steps.length * (policy.repeat + 1));
        expect(new Set(deliveries.map((d) => deliveryKey('a', d))).size).toBe(deliveries.length);
        expect(state.status).toBe('exhausted');
        expect(state.level).toBe(fired.length - 1);
        // Time never runs backwards and levels rise by one per firing.
        fired.slice(1).forEach((f, i) => {
          expect(f.at).toBeGreaterThanOrEqual(fired[i].at);
          expect(f.level).toBe(fired[i].level + 1);
        });
      }),
    );
  });

  it('nothing fires after acknowledge, whenever it comes', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.nat({ max: 120 }),
        fc.array(fc.nat({ max: 10_000 })),
        (policy, ackAfter, laterMinutes) => {
          const firings = runToEnd(policy, open(policy, T0)).fired.length;
          let state = open(policy, T0);
          for (let i = 0; i < ackAfter % (firings + 1); i++)
            state = fire(state, policy, state.nextAt!).state;
          const acked = acknowledge(state);
          for (const m of laterMinutes) {
            const now = min(m);
            expect(fire(acked, policy, now)).toEqual({
              state: acked,
              deliveries: [],
              escalated: false,
            });
            expect(isDue(acked, { step: acked.step, loop: acked.loop }, now)).toBe(false);
          }
        },
      ),
    );
  });

  it('a job for a step that has fired is never due again (duplicate or late job)', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(fc.nat({ max: 100_000 }), { maxLength: 5 }),
        (policy, laterMinutes) => {
          let state = open(policy, T0);
          while (state.nextAt !== null) {
            const job = { step: state.step, loop: state.loop };
            expect(isDue(state, job, state.nextAt)).toBe(true);
            state = fire(state, policy, state.nextAt).state;
            for (const m of laterMinutes) expect(isDue(state, job, min(m))).toBe(false);
          }
        },
      ),
    );
  });
});
