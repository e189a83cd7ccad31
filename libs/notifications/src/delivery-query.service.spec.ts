import { NotFoundException } from '@nestjs/common';
import type { AlertsService } from '@taperwatch/alerts';
import { Principal } from '@taperwatch/auth';
import type { AlertDeliveryEntity, DeliveryAttemptEntity } from '@taperwatch/persistence';
import { DeliveryQueryService } from './delivery-query.service';
import type { NotificationsRepository } from './notifications.repository';

/** The delivery listing against a hand-made repository and alerts: no database (decision 0030). */
class FakeNotificationsRepository implements Pick<NotificationsRepository, 'deliveriesOf'> {
  readonly asked: string[] = [];

  constructor(
    private readonly deliveries: AlertDeliveryEntity[],
    private readonly attempts: DeliveryAttemptEntity[],
  ) {}

  deliveriesOf(alertId: string) {
    this.asked.push(alertId);
    return Promise.resolve({ deliveries: this.deliveries, attempts: this.attempts });
  }
}

/** Sees only the alerts it was given: any other is the 404 AlertsService answers. */
class FakeAlerts implements Pick<AlertsService, 'get'> {
  constructor(private readonly visible: string[]) {}

  get(_principal: Principal, id: string): ReturnType<AlertsService['get']> {
    if (!this.visible.includes(id)) return Promise.reject(new NotFoundException('Alert'));
    return Promise.resolve({ id } as Awaited<ReturnType<AlertsService['get']>>);
  }
}

const AT = new Date('2026-03-02T10:00:00.000Z');
const later = (ms: number) => new Date(AT.getTime() + ms);

function delivery(fields: Partial<AlertDeliveryEntity>): AlertDeliveryEntity {
  return {
    id: 'd-1',
    tenantId: 't',
    alertId: 'alert-1',
    step: 0,
    loop: 0,
    targetIndex: 0,
    channel: 'webhook',
    target: 'https://pager.example/hook/secret-token?x=1',
    eventType: 'alert.created',
    payload: '{}',
    drugCode: 'baclofen',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    createdAt: AT,
    updatedAt: AT,
    deliveredAt: null,
    ...fields,
  };
}

function attempt(fields: Partial<DeliveryAttemptEntity>): DeliveryAttemptEntity {
  return {
    id: 'a-1',
    deliveryId: 'd-1',
    attempt: 1,
    startedAt: AT,
    durationMs: 12,
    outcome: 'delivered',
    responseStatus: 200,
    error: null,
    ...fields,
  };
}

function queryWith(deliveries: AlertDeliveryEntity[], attempts: DeliveryAttemptEntity[]) {
  const repository = new FakeNotificationsRepository(deliveries, attempts);
  const query = new DeliveryQueryService(
    repository as unknown as NotificationsRepository,
    new FakeAlerts(['alert-1']) as unknown as AlertsService,
  );
  return { repository, query };
}

const nurse = new Principal('k', 't', 'nurse', ['ward-7']);

describe('DeliveryQueryService against its repository', () => {
  it('shows a webhook by its origin only, with each delivery its own attempts', async () => {
    const { query } = queryWith(
      [
        delivery({ status: 'delivered', deliveredAt: later(50), attempts: 2 }),
        delivery({
          id: 'd-2',
          targetIndex: 1,
          channel: 'email',
          target: 'charge.nurse@ward.example',
          status: 'failed',
          lastError: 'SMTP_URL is not set: e-mail cannot be sent',
        }),
      ],
      [
        attempt({ outcome: 'failed', responseStatus: 503, error: 'HTTP 503' }),
        attempt({ id: 'a-2', attempt: 2, startedAt: later(40) }),
        attempt({
          id: 'a-3',
          deliveryId: 'd-2',
          outcome: 'refused',
          responseStatus: null,
          error: 'SMTP_URL is not set: e-mail cannot be sent',
        }),
      ],
    );
    const { items } = await query.list(nurse, 'alert-1');
    expect(items).toEqual([
      {
        id: 'd-1',
        step: 0,
        loop: 0,
        targetIndex: 0,
        type: 'webhook',
        target: 'https://pager.example',
        eventType: 'alert.created',
        status: 'delivered',
        createdAt: AT.toISOString(),
        deliveredAt: later(50).toISOString(),
        attempts: [
          {
            attempt: 1,
            startedAt: AT.toISOString(),
            durationMs: 12,
            outcome: 'failed',
            responseStatus: 503,
            error: 'HTTP 503',
          },
          {
            attempt: 2,
            startedAt: later(40).toISOString(),
            durationMs: 12,
            outcome: 'delivered',
            responseStatus: 200,
          },
        ],
      },
      {
        id: 'd-2',
        step: 0,
        loop: 0,
        targetIndex: 1,
        type: 'email',
        target: 'charge.nurse@ward.example',
        eventType: 'alert.created',
        status: 'failed',
        createdAt: AT.toISOString(),
        lastError: 'SMTP_URL is not set: e-mail cannot be sent',
        attempts: [
          {
            attempt: 1,
            startedAt: AT.toISOString(),
            durationMs: 12,
            outcome: 'refused',
            error: 'SMTP_URL is not set: e-mail cannot be sent',
          },
        ],
      },
    ]);
  });

  it('gives the next attempt time only while the delivery waits to retry', async () => {
    const { query } = queryWith(
      [
        delivery({ status: 'pending', nextAttemptAt: later(1000) }),
        // A lease's expiry is no promise of an attempt: not shown.
        delivery({ id: 'd-2', targetIndex: 1, status: 'sending', nextAttemptAt: later(2000) }),
      ],
      [],
    );
    const { items } = await query.list(nurse, 'alert-1');
    expect(items.map((d) => [d.status, d.nextAttemptAt])).toEqual([
      ['pending', later(1000).toISOString()],
      ['sending', undefined],
    ]);
  });

  it('reads no delivery of an alert the caller cannot see', async () => {
    const { query, repository } = queryWith([delivery({})], []);
    await expect(query.list(nurse, 'alert-of-another-unit')).rejects.toThrow(NotFoundException);
    expect(repository.asked).toEqual([]);
  });
});
