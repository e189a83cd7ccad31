import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AlertEvents, AlertView, AlertsService } from '@taperwatch/alerts';
import { Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { EscalationPoliciesService } from '@taperwatch/escalation';
import { deliveriesFailed, deliveryAttempts, deliveryDuration } from '@taperwatch/observability';
import {
  AlertDeliveryEntity,
  AlertEscalationEntity,
  DeliveryAttemptEntity,
  DeliveryStatus,
  countedQuery,
} from '@taperwatch/persistence';
import { JOB_NAMES, JobQueue, QUEUES, enqueueOrFail, jobIds } from '@taperwatch/queues';
import { Mailer, alertEmail } from './mailer';
import { SendResult, WebhookSender } from './webhook-sender';
import { webhookHeaders } from './webhook-signature';

/** A pending delivery older than this has lost its job (or the add never happened). */
const RESCUE_AFTER_MS = 30_000;
const RESCUE_BATCH = 500;
/** Room over the send timeouts before another worker may take an attempt over. */
const LEASE_SLACK_MS = 10_000;

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  responseStatus?: number;
  error?: string;
}

export interface DeliveryView {
  /** Also the webhook-id header of every attempt. */
  id: string;
  step: number;
  loop: number;
  targetIndex: number;
  type: 'webhook' | 'email';
  /** A webhook's origin (its path may hold a token) or the e-mail address. */
  target: string;
  eventType: string;
  status: DeliveryStatus;
  createdAt: string;
  deliveredAt?: string;
  nextAttemptAt?: string;
  lastError?: string;
  attempts: DeliveryAttemptView[];
}

/** Exponential backoff with equal jitter: half the step fixed, half random, capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/**
 * Sends the outbox. Each attempt is taken by one worker with a conditional UPDATE into
 * `sending` (a lease), recorded as an attempt row, then settled: delivered, pending with the
 * next time (backoff and jitter), or failed after DELIVERY_MAX_ATTEMPTS, loudly.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
    private readonly events: AlertEvents,
    private readonly policies: EscalationPoliciesService,
    private readonly webhooks: WebhookSender,
    private readonly mailer: Mailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.deliveries) private readonly queue: JobQueue<typeof QUEUES.deliveries>,
  ) {}

  /** One attempt; 'skipped' when another worker holds it, it is settled, or not yet due. */
  async deliver(deliveryId: string): Promise<DeliveryStatus | 'skipped'> {
    const startedAt = this.clock.now();
    const leaseMs = this.config.WEBHOOK_TIMEOUT_MS * 2 + LEASE_SLACK_MS;
    const claimed = await countedQuery(
      this.dataSource.manager,
      `UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1,
         next_attempt_at = $2, updated_at = now()
       WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $3`,
      [deliveryId, new Date(startedAt.getTime() + leaseMs), startedAt],
    );
    if (claimed.count === 0) return 'skipped';
    const delivery = await this.dataSource.manager.findOneByOrFail(AlertDeliveryEntity, {
      id: deliveryId,
    });

    const result = await this.send(delivery);
    const finishedAt = this.clock.now();
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    deliveryDuration.observe({ channel: delivery.channel }, durationMs / 1000);
    const status = await this.settle(delivery, result, startedAt, durationMs);
    await this.afterSettling(delivery, status, result);
    return status;
  }

  /** The sweep's part: expired leases back to pending, and pending rows whose job was lost. */
  async rescue(): Promise<{ requeued: number }> {
    const now = this.clock.now();
    await this.dataSource.query(
      `UPDATE alert_deliveries SET status = 'pending', next_attempt_at = $1, updated_at = now()
       WHERE status = 'sending' AND next_attempt_at < $1`,
      [now],
    );
    const rows: { id: string; attempts: number }[] = await this.dataSource.query(
      `SELECT id, attempts FROM alert_deliveries
       WHERE status = 'pending' AND next_attempt_at < $1
       ORDER BY next_attempt_at LIMIT $2`,
      [new Date(now.getTime() - RESCUE_AFTER_MS), RESCUE_BATCH],
    );
    for (const row of rows) {
      const jobId = jobIds.deliver(row.id, row.attempts + 1);
      // A finished job with this id would make the add a no-op; the claim guards against twice.
      await this.queue.remove(jobId).catch(() => undefined);
      await this.enqueue(row.id, row.attempts + 1, 0);
    }
    if (rows.length > 0) {
      this.logger.warn({ deliveries: rows.length }, 'delivery sweep re-queued lost deliveries');
    }
    return { requeued: rows.length };
  }

  /** GET /v1/alerts/:id/deliveries: every delivery of a visible alert with every attempt. */
  async list(principal: Principal, alertId: string): Promise<{ items: DeliveryView[] }> {
    await this.alerts.get(principal, alertId);
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
    return { items: deliveries.map((d) => toDeliveryView(d, attempts)) };
  }

  private async send(delivery: AlertDeliveryEntity): Promise<SendResult> {
    if (delivery.channel === 'email') {
      const alert = (JSON.parse(delivery.payload) as { data: AlertView }).data;
      const [plan] = (await this.dataSource.query(`SELECT drug_code FROM plans WHERE id = $1`, [
        alert.planId,
      ])) as { drug_code: string }[];
      return this.mailer.send(
        delivery.target,
        alertEmail(alert, plan?.drug_code ?? null, this.config.BOARD_URL),
      );
    }
    const escalation = await this.dataSource.manager.findOneByOrFail(AlertEscalationEntity, {
      alertId: delivery.alertId,
    });
    const secrets = await this.policies.signingSecrets(
      escalation.tenantId,
      escalation.unitId,
      escalation.policySource ?? 'unit',
    );
    if (secrets.length === 0) return { outcome: 'refused', error: 'no webhook signing secret' };
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const headers = webhookHeaders(secrets, delivery.id, timestamp, delivery.payload);
    return this.webhooks.send(delivery.target, headers, delivery.payload);
  }

  /** Records the attempt and the row's new state in one transaction. */
  private async settle(
    delivery: AlertDeliveryEntity,
    result: SendResult,
    startedAt: Date,
    durationMs: number,
  ): Promise<DeliveryStatus> {
    const now = this.clock.now();
    const gaveUp =
      result.outcome === 'refused' ||
      (result.outcome === 'failed' && delivery.attempts >= this.config.DELIVERY_MAX_ATTEMPTS);
    const status: DeliveryStatus =
      result.outcome === 'delivered' ? 'delivered' : gaveUp ? 'failed' : 'pending';
    const retryAt =
      status === 'pending'
        ? new Date(
            now.getTime() +
              retryDelayMs(
                delivery.attempts,
                this.config.DELIVERY_RETRY_BASE_MS,
                this.config.DELIVERY_RETRY_MAX_MS,
              ),
          )
        : null;
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(DeliveryAttemptEntity, {
        id: randomUUID(),
        deliveryId: delivery.id,
        attempt: delivery.attempts,
        startedAt,
        durationMs,
        outcome: result.outcome,
        responseStatus: 'status' in result ? (result.status ?? null) : null,
        error: 'error' in result ? result.error : null,
      });
      await manager.update(
        AlertDeliveryEntity,
        { id: delivery.id, status: 'sending' },
        {
          status,
          nextAttemptAt: retryAt,
          lastError: 'error' in result ? result.error : null,
          ...(status === 'delivered' ? { deliveredAt: now } : {}),
        },
      );
      if (status === 'failed') {
        await manager.increment(
          AlertEscalationEntity,
          { alertId: delivery.alertId },
          'failedDeliveries',
          1,
        );
      }
    });
    return status;
  }

  private async afterSettling(
    delivery: AlertDeliveryEntity,
    status: DeliveryStatus,
    result: SendResult,
  ): Promise<void> {
    const channel = delivery.channel;
    const outcome = status === 'pending' ? 'retry' : result.outcome;
    deliveryAttempts.inc({ channel, outcome });
    if (status === 'pending') {
      const row = await this.dataSource.manager.findOneByOrFail(AlertDeliveryEntity, {
        id: delivery.id,
      });
      const delay = Math.max(0, (row.nextAttemptAt?.getTime() ?? 0) - this.clock.now().getTime());
      await this.enqueue(delivery.id, delivery.attempts + 1, delay);
      return;
    }
    if (status === 'failed') {
      deliveriesFailed.inc({ channel });
      this.logger.error(
        {
          alertId: delivery.alertId,
          deliveryId: delivery.id,
          channel,
          attempts: delivery.attempts,
          error: 'error' in result ? result.error : undefined,
        },
        'delivery failed: giving up',
      );
    }
    const view = await this.alerts.view(this.dataSource.manager, delivery.alertId);
    await this.events.publish({
      type: status === 'delivered' ? 'alert.delivered' : 'alert.delivery_failed',
      tenantId: delivery.tenantId,
      alert: view,
    });
  }

  /** A lost add is the sweep's to find: the row stays pending. */
  private async enqueue(deliveryId: string, attempt: number, delay: number): Promise<void> {
    await enqueueOrFail(
      this.queue,
      JOB_NAMES.deliver,
      { deliveryId },
      { jobId: jobIds.deliver(deliveryId, attempt), delay },
    ).catch((error: Error) => {
      this.logger.warn(
        { deliveryId, err: { message: error.message } },
        'could not queue a delivery attempt; the sweep will',
      );
    });
  }
}

function toDeliveryView(d: AlertDeliveryEntity, all: DeliveryAttemptEntity[]): DeliveryView {
  const target = d.channel === 'webhook' ? new URL(d.target).origin : d.target;
  return {
    id: d.id,
    step: d.step,
    loop: d.loop,
    targetIndex: d.targetIndex,
    type: d.channel,
    target,
    eventType: d.eventType,
    status: d.status,
    createdAt: d.createdAt.toISOString(),
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt.toISOString() } : {}),
    ...(d.nextAttemptAt && d.status === 'pending'
      ? { nextAttemptAt: d.nextAttemptAt.toISOString() }
      : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    attempts: all
      .filter((a) => a.deliveryId === d.id)
      .map((a) => ({
        attempt: a.attempt,
        startedAt: a.startedAt.toISOString(),
        durationMs: a.durationMs,
        outcome: a.outcome,
        ...(a.responseStatus !== null ? { responseStatus: a.responseStatus } : {}),
        ...(a.error ? { error: a.error } : {}),
      })),
  };
}
