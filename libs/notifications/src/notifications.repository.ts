import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import {
  AlertDeliveryEntity,
  AlertEscalationEntity,
  DeliveryAttemptEntity,
  DeliveryStatus,
  countedQuery,
} from '@taperwatch/persistence';

/** One attempt as it is recorded, and what it leaves the delivery as. */
export interface SettledAttempt {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  outcome: string;
  responseStatus: number | null;
  error: string | null;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/**
 * Every statement of notifications (decision 0030): the outbox rows the escalation engine
 * wrote (alert_deliveries) and their attempts. The sender needs nothing else: a row carries its
 * body, target and drug.
 */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Outside any transaction: for another feature's reads that take a manager. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Takes the next attempt of a due pending delivery: `sending` until `leaseUntil`. False when
   * another worker holds it, it is settled, or not yet due.
   */
  async claim(deliveryId: string, leaseUntil: Date, now: Date): Promise<boolean> {
    const { count } = await countedQuery(
      this.dataSource.manager,
      `UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1,
         next_attempt_at = $2, updated_at = now()
       WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $3`,
      [deliveryId, leaseUntil, now],
    );
    return count > 0;
  }

  find(deliveryId: string): Promise<AlertDeliveryEntity> {
    return this.dataSource.manager.findOneByOrFail(AlertDeliveryEntity, { id: deliveryId });
  }

  /**
   * Records the attempt and the delivery's new state in one transaction; a failed delivery
   * counts on its alert's escalation.
   */
  async settle(delivery: AlertDeliveryEntity, settled: SettledAttempt): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(DeliveryAttemptEntity, {
        id: randomUUID(),
        deliveryId: delivery.id,
        attempt: settled.attempt,
        startedAt: settled.startedAt,
        durationMs: settled.durationMs,
        outcome: settled.outcome,
        responseStatus: settled.responseStatus,
        error: settled.error,
      });
      await manager.update(
        AlertDeliveryEntity,
        { id: delivery.id, status: 'sending' },
        {
          status: settled.status,
          nextAttemptAt: settled.nextAttemptAt,
          lastError: settled.error,
          ...(settled.deliveredAt ? { deliveredAt: settled.deliveredAt } : {}),
        },
      );
      if (settled.status === 'failed') {
        await manager.increment(
          AlertEscalationEntity,
          { alertId: delivery.alertId },
          'failedDeliveries',
          1,
        );
      }
    });
  }

  /** Leases that expired (a worker died mid-attempt) go back to pending, due now. */
  async releaseExpiredLeases(now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_deliveries SET status = 'pending', next_attempt_at = $1, updated_at = now()
       WHERE status = 'sending' AND next_attempt_at < $1`,
      [now],
    );
  }

  /** Pending deliveries due before `dueBefore`, oldest first: their job was lost. */
  lostPending(dueBefore: Date, limit: number): Promise<{ id: string; attempts: number }[]> {
    return this.dataSource.query(
      `SELECT id, attempts FROM alert_deliveries
       WHERE status = 'pending' AND next_attempt_at < $1
       ORDER BY next_attempt_at LIMIT $2`,
      [dueBefore, limit],
    );
  }

  /** An alert's deliveries in step order, each with its attempts in order. */
  async deliveriesOf(
    alertId: string,
  ): Promise<{ deliveries: AlertDeliveryEntity[]; attempts: DeliveryAttemptEntity[] }> {
    const deliveries = await this.dataSource.manager.find(AlertDeliveryEntity, {
      where: { alertId },
      order: { loop: 'ASC', step: 'ASC', targetIndex: 'ASC' },
    });
    const attempts = deliveries.length
      ? await this.dataSource
          .getRepository(DeliveryAttemptEntity)
          .createQueryBuilder('a')
          .where('a.delivery_id IN (:...ids)', { ids: deliveries.map((d) => d.id) })
          .orderBy('a.attempt')
          .getMany()
      : [];
    return { deliveries, attempts };
  }
}
