import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { EscalationPolicy } from '@taperwatch/domain';
import {
  AlertEntity,
  AlertEscalationEntity,
  DeliveryChannel,
  EscalationPolicyEntity,
  countedQuery,
} from '@taperwatch/persistence';

/** The columns of an escalation's state that a firing, restart or stop writes. */
export type EscalationColumns = Partial<
  Pick<
    AlertEscalationEntity,
    | 'status'
    | 'step'
    | 'loop'
    | 'level'
    | 'loopBase'
    | 'nextAt'
    | 'unitId'
    | 'policy'
    | 'policySource'
    | 'lastFiredAt'
  >
>;

/** The outbox rows of one firing: one per target, all of one step, loop and body. */
export interface NewDeliveries {
  tenantId: string;
  alertId: string;
  /** The alert's plan: its drug goes on each row, for e-mails (the body carries ids only). */
  planId: string;
  step: number;
  loop: number;
  eventType: string;
  payload: string;
  nextAttemptAt: Date;
  targets: { targetIndex: number; channel: DeliveryChannel; target: string }[];
}

/** A policy's stored secrets, as the vault reads and re-seals them. */
export interface StoredSecrets {
  tenant_id: string;
  unit_id: string;
  webhook_secret: string;
  previous_webhook_secret: string | null;
}

/**
 * Every statement of escalation (decision 0030): the engine's rows and outbox, and the units'
 * policies with their secrets. Methods taking a manager run in the caller's transaction; the
 * escalation row is locked before the alert's everywhere.
 */
@Injectable()
export class EscalationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Outside any transaction: for reads that take a manager. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The alert's escalation row, locked until the caller's transaction ends. */
  lock(manager: EntityManager, alertId: string): Promise<AlertEscalationEntity | null> {
    return manager
      .getRepository(AlertEscalationEntity)
      .createQueryBuilder('e')
      .setLock('pessimistic_write')
      .where('e.alert_id = :alertId', { alertId })
      .getOne();
  }

  /** Active rows whose step is due, oldest first, skipping rows another worker holds. */
  lockDue(manager: EntityManager, now: Date, limit: number): Promise<AlertEscalationEntity[]> {
    return manager
      .getRepository(AlertEscalationEntity)
      .createQueryBuilder('e')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`e.status = 'active' AND e.next_at <= :now`, { now })
      .orderBy('e.next_at')
      .limit(limit)
      .getMany();
  }

  /** The alert's escalation row, for signing its deliveries; throws when there is none. */
  find(alertId: string): Promise<AlertEscalationEntity> {
    return this.dataSource.manager.findOneByOrFail(AlertEscalationEntity, { alertId });
  }

  async update(manager: EntityManager, alertId: string, columns: EscalationColumns): Promise<void> {
    await manager.update(AlertEscalationEntity, { alertId }, columns);
  }

  async setAlertLevel(manager: EntityManager, alertId: string, level: number): Promise<void> {
    await manager.update(AlertEntity, { id: alertId }, { level });
  }

  findAlert(manager: EntityManager, alertId: string): Promise<AlertEntity> {
    return manager.findOneByOrFail(AlertEntity, { id: alertId });
  }

  /**
   * Writes the outbox rows (unique per alert, step, loop and target, so a second firing writes
   * nothing); the ids of the rows written.
   */
  async insertDeliveries(manager: EntityManager, d: NewDeliveries): Promise<string[]> {
    if (d.targets.length === 0) return [];
    const rows = (await manager.query(
      `INSERT INTO alert_deliveries
         (id, tenant_id, alert_id, step, loop, target_index, channel, target, event_type,
          payload, next_attempt_at, drug_code)
       SELECT t.id, $1, $2, $3, $4, t.idx, t.channel, t.target, $5, $6, $7,
         (SELECT drug_code FROM plans WHERE id = $12)
       FROM unnest($8::uuid[], $9::int[], $10::text[], $11::text[]) AS t(id, idx, channel, target)
       ON CONFLICT (alert_id, step, loop, target_index) DO NOTHING
       RETURNING id`,
      [
        d.tenantId,
        d.alertId,
        d.step,
        d.loop,
        d.eventType,
        d.payload,
        d.nextAttemptAt,
        d.targets.map(() => randomUUID()),
        d.targets.map((t) => t.targetIndex),
        d.targets.map((t) => t.channel),
        d.targets.map((t) => t.target),
        d.planId,
      ],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Deliveries still waiting to retry stop, with the reason as their last error. */
  async cancelPendingDeliveries(
    manager: EntityManager,
    alertId: string,
    why: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE alert_deliveries SET status = 'cancelled', next_attempt_at = NULL,
         last_error = $2, updated_at = now()
       WHERE alert_id = $1 AND status = 'pending'`,
      [alertId, why],
    );
  }

  /** A unit's own policy, or null. */
  policyOf(
    tenantId: string,
    unitId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EscalationPolicyEntity | null> {
    return manager.findOneBy(EscalationPolicyEntity, { tenantId, unitId });
  }

  /** A policy just written, read back with what the database set; throws when there is none. */
  writtenPolicy(tenantId: string, unitId: string): Promise<EscalationPolicyEntity> {
    return this.dataSource.manager.findOneByOrFail(EscalationPolicyEntity, { tenantId, unitId });
  }

  /**
   * Creates the unit's policy with its sealed secret, or replaces only the policy of an existing
   * one; true when it was created (xmax = 0 tells an insert from an update).
   */
  async upsertPolicy(
    tenantId: string,
    unitId: string,
    policy: EscalationPolicy,
    sealedSecret: string,
  ): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO escalation_policies (tenant_id, unit_id, policy, webhook_secret)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, unit_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [tenantId, unitId, JSON.stringify(policy), sealedSecret],
    )) as { created: boolean }[];
    return rows[0]?.created === true;
  }

  /**
   * Puts a new sealed secret in place; the current one becomes the previous until `overlapEnds`,
   * or is dropped when that is null. The number of policies changed (0: the unit has none).
   */
  async rotateSecret(
    tenantId: string,
    unitId: string,
    sealedSecret: string,
    rotatedAt: Date,
    overlapEnds: Date | null,
  ): Promise<number> {
    const { count } = await countedQuery(
      this.dataSource.manager,
      `UPDATE escalation_policies SET webhook_secret = $3, secret_rotated_at = $4,
         previous_webhook_secret = CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE webhook_secret END,
         previous_secret_expires_at = $5
       WHERE tenant_id = $1 AND unit_id = $2`,
      [tenantId, unitId, sealedSecret, rotatedAt, overlapEnds],
    );
    return count;
  }

  /** Every policy's stored secrets. */
  storedSecrets(): Promise<StoredSecrets[]> {
    return this.dataSource.query(
      `SELECT tenant_id, unit_id, webhook_secret, previous_webhook_secret
       FROM escalation_policies`,
    );
  }

  /**
   * Replaces a policy's secrets with their sealed forms, only if they are still the values read
   * (so two processes starting together write once); 1 when written.
   */
  async resealSecrets(
    read: StoredSecrets,
    sealed: { current: string; previous: string | null },
  ): Promise<number> {
    const { count } = await countedQuery(
      this.dataSource.manager,
      `UPDATE escalation_policies SET webhook_secret = $3, previous_webhook_secret = $4
       WHERE tenant_id = $1 AND unit_id = $2
         AND webhook_secret = $5 AND previous_webhook_secret IS NOT DISTINCT FROM $6`,
      [
        read.tenant_id,
        read.unit_id,
        sealed.current,
        sealed.previous,
        read.webhook_secret,
        read.previous_webhook_secret,
      ],
    );
    return count;
  }
}
