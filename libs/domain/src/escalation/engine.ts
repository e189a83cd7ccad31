/**
 * Pure escalation transitions: steps in order until acknowledged, then the repeats; the state is
 * step, loop and next time as GoAlert keeps it, and a stale task is ignored as Grafana OnCall
 * guards it. The service stores the state, runs `fire` when `nextAt` comes (delayed job or sweep),
 * writes the deliveries as unique rows, and schedules `nextAt`.
 */
import type { EscalationPolicy, EscalationStep, EscalationTarget } from './policy';

type EpochMs = number;
const MINUTE_MS = 60_000;

/**
 * active: a step is pending at nextAt. acknowledged: stopped by a person. exhausted: every round
 * fired unacknowledged; the alert stays open and visible. ended: the alert was resolved.
 */
export type EscalationStatus = 'active' | 'acknowledged' | 'exhausted' | 'ended';

export interface EscalationState {
  /** The pending step (the last fired one once exhausted). */
  readonly step: number;
  /** The round: 0 first, up to policy.repeat. */
  readonly loop: number;
  readonly nextAt: EpochMs | null;
  readonly status: EscalationStatus;
  /** An Alert's `level` (docs/api.md): 0 at open, +1 at every firing after the first. */
  readonly level: number;
}

/** What a delayed job carries, so a job for a step the alert has left does nothing. */
export interface ExpectedStep {
  step: number;
  loop: number;
}

/** One notification to send: alert x step x loop x target is unique (the outbox row). */
export interface Delivery {
  step: number;
  loop: number;
  targetIndex: number;
  target: EscalationTarget;
}

export interface FireResult {
  state: EscalationState;
  deliveries: Delivery[];
  /** True when level rose: the service emits alert.escalated. */
  escalated: boolean;
}

const at = (now: EpochMs, minutes: number): EpochMs => now + minutes * MINUTE_MS;

function stepOf(policy: EscalationPolicy, index: number): EscalationStep {
  const step = policy.steps[index];
  if (!step) throw new RangeError(`escalation state points at step ${index} the policy lacks`);
  return step;
}

/**
 * The wait before a new round's step 0. Step 0 is normally immediate (afterMinutes 0), which
 * would re-page step 0 the moment the last step fired and spend the rounds in one burst; the last
 * step's delay is then used so rounds keep the policy's own pace.
 */
export function roundGapMinutes(policy: EscalationPolicy): number {
  const first = stepOf(policy, 0).afterMinutes;
  return first > 0 ? first : stepOf(policy, policy.steps.length - 1).afterMinutes;
}

/** A new alert's escalation: step 0 is due afterMinutes after opening (normally at once). */
export function open(policy: EscalationPolicy, now: EpochMs): EscalationState {
  return {
    step: 0,
    loop: 0,
    nextAt: at(now, stepOf(policy, 0).afterMinutes),
    status: 'active',
    level: 0,
  };
}

/** Whether a step is due at all, regardless of which one a job expected. */
export function isPending(state: EscalationState, now: EpochMs): boolean {
  return state.status === 'active' && state.nextAt !== null && now >= state.nextAt;
}

/** The stale guard: a delayed job acts only if the alert still waits on the step it carries. */
export function isDue(state: EscalationState, expected: ExpectedStep, now: EpochMs): boolean {
  return isPending(state, now) && state.step === expected.step && state.loop === expected.loop;
}

/**
 * Fires the pending step if due and moves on: the next step afterMinutes later; past the last
 * step a new round while loop < repeat; else exhausted. Anything not due returns no deliveries
 * and the same state, so a duplicate or early call is harmless. The next time counts from `now`,
 * not from the planned time, so a late firing still leaves each step its full time to be acked.
 */
export function fire(state: EscalationState, policy: EscalationPolicy, now: EpochMs): FireResult {
  if (!isPending(state, now)) return { state, deliveries: [], escalated: false };
  const { step, loop } = state;
  const deliveries = stepOf(policy, step).targets.map((target, targetIndex) => ({
    step,
    loop,
    targetIndex,
    target,
  }));
  const escalated = step > 0 || loop > 0;
  const level = escalated ? state.level + 1 : state.level;

  let next: EscalationState;
  if (step + 1 < policy.steps.length) {
    const after = stepOf(policy, step + 1).afterMinutes;
    next = { step: step + 1, loop, nextAt: at(now, after), status: 'active', level };
  } else if (loop < policy.repeat) {
    next = {
      step: 0,
      loop: loop + 1,
      nextAt: at(now, roundGapMinutes(policy)),
      status: 'active',
      level,
    };
  } else {
    next = { step, loop, nextAt: null, status: 'exhausted', level };
  }
  return { state: next, deliveries, escalated };
}

/** Stops escalation at once (GoAlert nulls next_escalation on ack). A resolved alert stays ended. */
export function acknowledge(state: EscalationState): EscalationState {
  if (state.status === 'ended') return state;
  return { ...state, nextAt: null, status: 'acknowledged' };
}

/** Ends escalation for good; idempotent. */
export function resolve(state: EscalationState): EscalationState {
  return { ...state, nextAt: null, status: 'ended' };
}

/** The unique key of a delivery row (alert x step x loop x target). */
export function deliveryKey(alertId: string, delivery: Delivery): string {
  return `${alertId}:${delivery.step}:${delivery.loop}:${delivery.targetIndex}`;
}
