/** The plan lifecycle as one table: every state change a service makes is checked here. */

export const PLAN_STATES = [
  'proposed',
  'active',
  'paused',
  'completed',
  'cancelled',
  'superseded',
] as const;
export type PlanState = (typeof PLAN_STATES)[number];

export type PlanAction = 'approve' | 'pause' | 'resume' | 'cancel' | 'supersede' | 'complete';

const TRANSITIONS: Record<PlanAction, { from: readonly PlanState[]; to: PlanState }> = {
  approve: { from: ['proposed'], to: 'active' },
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  // A proposal nobody will approve can be withdrawn; a plan in force can be stopped.
  cancel: { from: ['proposed', 'active', 'paused'], to: 'cancelled' },
  // Approving a revision replaces the version it revises: the one in force, paused or not, or a
  // proposal the prescriber asked to change before approving it.
  supersede: { from: ['proposed', 'active', 'paused'], to: 'superseded' },
  // A paused plan holds its dose indefinitely, so only a running plan reaches its end.
  complete: { from: ['active'], to: 'completed' },
};

/** States whose doses are being given: at most one such plan per patient and drug. */
export const IN_FORCE: readonly PlanState[] = ['active', 'paused'];

/**
 * States a revision may be made from: a plan in force re-plans from the doses it gives; a
 * proposal, before anyone approves it, re-plans from the doses its request says are taken now.
 */
export const REVISABLE: readonly PlanState[] = ['proposed', ...IN_FORCE];

export type TransitionResult =
  { ok: true; from: PlanState; to: PlanState } | { ok: false; message: string };

export function transition(from: PlanState, action: PlanAction): TransitionResult {
  const rule = TRANSITIONS[action];
  if (rule.from.includes(from)) return { ok: true, from, to: rule.to };
  return {
    ok: false,
    message: `Cannot ${action} a plan that is ${from}; ${action} needs a plan that is ${rule.from.join(' or ')}.`,
  };
}
