import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertEvents, AlertView, AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { EscalationPoliciesService } from '@taperwatch/escalation';
import { deliveriesFailed, deliveryAttempts, deliveryDuration } from '@taperwatch/observability';
import { AlertDeliveryEntity, DeliveryStatus } from '@taperwatch/persistence';
import { JOB_NAMES, JobQueue, QUEUES, enqueueOrFail, jobIds } from '@taperwatch/queues';
import { Mailer, alertEmail } from './mailer';
import { NotificationsRepository } from './notifications.repository';
import { SendResult, WebhookSender } from './webhook-sender';
import { webhookHeaders } from './webhook-signature';

/** A pending delivery older than this has lost its job (or the add never happened). */
const RESCUE_AFTER_MS = 30_000;
const RESCUE_BATCH = 500;
/** Room over the send timeouts before another worker may take an attempt over. */
const LEASE_SLACK_MS = 10_000;

/** Exponential backoff with equal jitter: half the step fixed, half random, capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/**
 * The worker's sender: sends the outbox. Each attempt is taken by one worker with a conditional UPDATE into
 * `sending` (a lease), recorded as an attempt row, then settled: delivered, pending with the
 * next time (backoff and jitter), or failed after DELIVERY_MAX_ATTEMPTS, loudly.
 */
@Injectable()
export class DeliverySenderService {
  private readonly logger = new Logger(DeliverySenderService.name);

  constructor(
    private readonly repository: NotificationsRepository,
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
    const leaseUntil = new Date(startedAt.getTime() + leaseMs);
    if (!(await this.repository.claim(deliveryId, leaseUntil, startedAt))) return 'skipped';
    const delivery = await this.repository.find(deliveryId);

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
    await this.repository.releaseExpiredLeases(now);
    const rows = await this.repository.lostPending(
      new Date(now.getTime() - RESCUE_AFTER_MS),
      RESCUE_BATCH,
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

  private async send(delivery: AlertDeliveryEntity): Promise<SendResult> {
    if (delivery.channel === 'email') {
      // Everything the e-mail says is on the row: the alert as it fired, and its drug.
      const alert = (JSON.parse(delivery.payload) as { data: AlertView }).data;
      return this.mailer.send(
        delivery.target,
        alertEmail(alert, delivery.drugCode, this.config.BOARD_URL),
      );
    }
    // Signed with the secrets of the alert's unit now, so a rotation applies to retries too.
    const secrets = await this.policies.signingSecretsOf(delivery.alertId);
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
    await this.repository.settle(delivery, {
      attempt: delivery.attempts,
      startedAt,
      durationMs,
      outcome: result.outcome,
      responseStatus: 'status' in result ? (result.status ?? null) : null,
      error: 'error' in result ? result.error : null,
      status,
      nextAttemptAt: retryAt,
      deliveredAt: status === 'delivered' ? now : null,
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
      const row = await this.repository.find(delivery.id);
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
    const view = await this.alerts.view(this.repository.manager, delivery.alertId);
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
