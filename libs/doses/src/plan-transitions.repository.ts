import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PlanAction, transition } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { PlanEntity, PlanTransitionEntity } from '@taperwatch/persistence';

/*
 * A plan's lock and moves, statements on the caller's transaction: the plan lifecycle
 * (libs/plans) and the dose horizon, which completes plans whose last day has passed, both make
 * them, so they live here, below libs/plans.
 */

export interface TransitionRecord {
  /** The API key acting; null for the system. */
  actorKeyId: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Moves a locked plan through the domain's state machine and stores who, when and why in the
 * same transaction; an illegal move is a 409 naming the plan's current state.
 */
export async function applyTransition(
  manager: EntityManager,
  plan: PlanEntity,
  action: PlanAction,
  record: TransitionRecord,
  patch: Partial<PlanEntity> = {},
): Promise<PlanEntity> {
  const result = transition(plan.status, action);
  if (!result.ok) throw ProblemException.conflict(result.message);
  await manager.update(PlanEntity, { id: plan.id }, {
    ...patch,
    status: result.to,
  } as QueryDeepPartialEntity<PlanEntity>);
  await insertTransition(manager, plan, action, result.from, result.to, record);
  return Object.assign(plan, patch, { status: result.to });
}

export function insertTransition(
  manager: EntityManager,
  plan: Pick<PlanEntity, 'id' | 'tenantId'>,
  action: PlanAction | 'propose',
  fromStatus: string | null,
  toStatus: string,
  record: TransitionRecord,
) {
  const row: Partial<PlanTransitionEntity> = {
    id: randomUUID(),
    tenantId: plan.tenantId,
    planId: plan.id,
    action,
    fromStatus,
    toStatus,
    reason: record.reason ?? null,
    actorKeyId: record.actorKeyId,
    details: record.details ?? null,
  };
  return manager.insert(PlanTransitionEntity, row as QueryDeepPartialEntity<PlanTransitionEntity>);
}

/** Locks one plan row for the rest of the transaction; null when it is locked and `skip`. */
export function lockPlan(
  manager: EntityManager,
  id: string,
  skipLocked = false,
): Promise<PlanEntity | null> {
  const qb = manager
    .getRepository(PlanEntity)
    .createQueryBuilder('plan')
    .setLock('pessimistic_write')
    .where('plan.id = :id', { id });
  return (skipLocked ? qb.setOnLocked('skip_locked') : qb).getOne();
}
