import { Injectable } from '@nestjs/common';
import { AlertsService } from '@taperwatch/alerts';
import { Principal } from '@taperwatch/auth';
import {
  AlertDeliveryEntity,
  DeliveryAttemptEntity,
  DeliveryStatus,
} from '@taperwatch/persistence';
import { NotificationsRepository } from './notifications.repository';

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

/** The API's reading of the outbox: what was sent for an alert, and how each attempt went. */
@Injectable()
export class DeliveryQueryService {
  constructor(
    private readonly repository: NotificationsRepository,
    private readonly alerts: AlertsService,
  ) {}

  /** GET /v1/alerts/:id/deliveries: every delivery of a visible alert with every attempt. */
  async list(principal: Principal, alertId: string): Promise<{ items: DeliveryView[] }> {
    // The alert's own visibility rules: another unit's or tenant's alert is a 404.
    await this.alerts.get(principal, alertId);
    const { deliveries, attempts } = await this.repository.deliveriesOf(alertId);
    return { items: deliveries.map((d) => toDeliveryView(d, attempts)) };
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
