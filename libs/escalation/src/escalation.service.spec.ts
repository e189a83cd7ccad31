import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertEvent, AlertEvents } from '@taperwatch/alerts';
import { ManualClock } from '@taperwatch/common';
import type { EscalationPolicy } from '@taperwatch/domain';
import { AlertEntity, AlertEscalationEntity } from '@taperwatch/persistence';
import { JOB_NAMES, JobQueue, QUEUES, jobIds } from '@taperwatch/queues';
import type { EffectivePolicy, EscalationPoliciesService } from './escalation-policies.service';
import type {
  EscalationColumns,
  EscalationRepository,
  NewDeliveries,
} from './escalation.repository';
import { EscalationService } from './escalation.service';

/**
 * The engine's decisions against a hand-made repository, policies, events and queues: no
 * Postgres or Redis (decision 0030). The repository keeps rows in memory, as the real one's
 * statements would leave them.
 */
class FakeEscalationRepository implements Pick<
  EscalationRepository,
  | 'manager'
  | 'transaction'
  | 'lock'
  | 'lockDue'
  | 'update'
  | 'setAlertLevel'
  | 'findAlert'
  | 'insertDeliveries'
  | 'cancelPendingDeliveries'
> {
  readonly rows = new Map<string, AlertEscalationEntity>();
  readonly alerts = new Map<string, AlertEntity>();
  readonly written: NewDeliveries[] = [];
  readonly cancelled: { alertId: string; why: string }[] = [];
  private nextDelivery = 1;

  readonly manager = {} as EntityManager;

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.manager);
  }

  lock(_manager: EntityManager, alertId: string): Promise<AlertEscalationEntity | null> {
    return Promise.resolve(this.copyOf(alertId));
  }

  lockDue(_manager: EntityManager, now: Date, limit: number): Promise<AlertEscalationEntity[]> {
    const due = [...this.rows.values()]
      .filter((r) => r.status === 'active' && r.nextAt !== null && r.nextAt <= now)
      .sort((a, b) => a.nextAt!.getTime() - b.nextAt!.getTime())
      .slice(0, limit);
    return Promise.resolve(due.map((r) => this.copyOf(r.alertId)!));
  }

  update(_manager: EntityManager, alertId: string, columns: EscalationColumns): Promise<void> {
    Object.assign(this.rows.get(alertId)!, columns);
    return Promise.resolve();
  }

  setAlertLevel(_manager: EntityManager, alertId: string, level: number): Promise<void> {
    this.alerts.get(alertId)!.level = level;
    return Promise.resolve();
  }

  findAlert(_manager: EntityManager, alertId: string): Promise<AlertEntity> {
    return Promise.resolve({ ...this.alerts.get(alertId)! });
  }

  insertDeliveries(_manager: EntityManager, deliveries: NewDeliveries): Promise<string[]> {
    // Unique per alert, step, loop and target: a second firing of the same step writes nothing.
    const known = (t: { targetIndex: number }) =>
      this.written.some(
        (w) =>
          w.alertId === deliveries.alertId &&
          w.step === deliveries.step &&
          w.loop === deliveries.loop &&
          w.targets.some((x) => x.targetIndex === t.targetIndex),
      );
    const fresh = deliveries.targets.filter((t) => !known(t));
    this.written.push({ ...deliveries, targets: fresh });
    return Promise.resolve(fresh.map(() => `delivery-${this.nextDelivery++}`));
  }

  cancelPendingDeliveries(_manager: EntityManager, alertId: string, why: string): Promise<void> {
    this.cancelled.push({ alertId, why });
    return Promise.resolve();
  }

  private copyOf(alertId: string): AlertEscalationEntity | null {
    const row = this.rows.get(alertId);
    return row ? Object.assign(new AlertEscalationEntity(), row) : null;
  }
}

/** A BullMQ queue as the producers use it: ready, and remembering what was added. */
class FakeQueue {
  readonly added: { name: string; data: unknown; opts: { jobId?: string; delay?: number } }[] = [];

  getBackend() {
    return { client: Promise.resolve({ status: 'ready' }) };
  }

  add(name: string, data: unknown, opts: { jobId?: string; delay?: number }): Promise<void> {
    this.added.push({ name, data, opts });
    return Promise.resolve();
  }

  addBulk(jobs: { name: string; data: unknown; opts: { jobId?: string } }[]): Promise<void> {
    this.added.push(...jobs);
    return Promise.resolve();
  }
}

const NOW = new Date('2026-03-02T10:00:00.000Z');
const MINUTE = 60_000;
const POLICY: EscalationPolicy = {
  steps: [
    {
      afterMinutes: 0,
      targets: [
        { type: 'webhook', url: 'https://pager.example/ward-7' },
        { type: 'email', address: 'charge.nurse@ward.example' },
      ],
    },
    { afterMinutes: 5, targets: [{ type: 'webhook', url: 'https://pager.example/matron' }] },
  ],
  repeat: 1,
};

function alert(id: string): AlertEntity {
  return {
    id,
    tenantId: 't',
    type: 'missed_dose',
    severity: 'warning',
    status: 'open',
    patientId: 'patient-1',
    planId: 'plan-1',
    unitId: 'ward-7',
    dedupKey: `plan-1:missed_dose`,
    doseIds: ['dose-1'],
    level: 0,
    message: 'Baclofen: 1 missed dose',
    createdAt: NOW,
    updatedAt: NOW,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
  };
}

function escalation(alertId: string, fields: Partial<AlertEscalationEntity> = {}) {
  return Object.assign(new AlertEscalationEntity(), {
    alertId,
    tenantId: 't',
    unitId: 'ward-7',
    status: 'active',
    step: 0,
    loop: 0,
    level: 0,
    loopBase: 0,
    nextAt: NOW,
    policy: POLICY,
    policySource: 'unit',
    failedDeliveries: 0,
    lastFiredAt: null,
    updatedAt: NOW,
    ...fields,
  } satisfies Partial<AlertEscalationEntity>);
}

function engine(effective: EffectivePolicy | null = { policy: POLICY, source: 'unit' }) {
  const repository = new FakeEscalationRepository();
  const clock = new ManualClock(NOW);
  const published: AlertEvent[] = [];
  const escalations = new FakeQueue();
  const deliveries = new FakeQueue();
  const policies = { effective: () => Promise.resolve(effective) };
  const events = {
    publish: (event: AlertEvent) => {
      published.push(event);
      return Promise.resolve();
    },
  };
  const service = new EscalationService(
    repository as unknown as EscalationRepository,
    clock,
    policies as unknown as EscalationPoliciesService,
    events as unknown as AlertEvents,
    escalations as unknown as JobQueue<typeof QUEUES.escalations>,
    deliveries as unknown as JobQueue<typeof QUEUES.deliveries>,
  );
  const seed = (id: string, fields: Partial<AlertEscalationEntity> = {}) => {
    repository.alerts.set(id, alert(id));
    repository.rows.set(id, escalation(id, fields));
  };
  return { service, repository, clock, published, escalations, deliveries, seed };
}

describe('EscalationService against its repository', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('fires the step a job expects: one delivery per target, the next step armed', async () => {
    const { service, repository, escalations, deliveries, published, seed } = engine();
    seed('a1');

    expect(await service.advance({ alertId: 'a1', step: 0, loop: 0 })).toBe('fired');

    expect(repository.rows.get('a1')).toEqual(
      expect.objectContaining({
        status: 'active',
        step: 1,
        loop: 0,
        level: 0,
        nextAt: new Date(NOW.getTime() + 5 * MINUTE),
        lastFiredAt: NOW,
      }),
    );
    expect(repository.written).toHaveLength(1);
    const [written] = repository.written;
    expect(written).toEqual(
      expect.objectContaining({
        alertId: 'a1',
        planId: 'plan-1',
        step: 0,
        loop: 0,
        eventType: 'alert.created',
        nextAttemptAt: NOW,
        targets: [
          { targetIndex: 0, channel: 'webhook', target: 'https://pager.example/ward-7' },
          { targetIndex: 1, channel: 'email', target: 'charge.nurse@ward.example' },
        ],
      }),
    );
    // The body every attempt sends: the alert as this step found it.
    const body = JSON.parse(written!.payload) as { type: string; timestamp: string; data: object };
    expect(body).toEqual({
      type: 'alert.created',
      timestamp: NOW.toISOString(),
      data: expect.objectContaining({ id: 'a1', level: 0, planId: 'plan-1' }),
    });
    expect(deliveries.added).toEqual([
      {
        name: JOB_NAMES.deliver,
        data: { deliveryId: 'delivery-1' },
        opts: { jobId: jobIds.deliver('delivery-1', 1) },
      },
      {
        name: JOB_NAMES.deliver,
        data: { deliveryId: 'delivery-2' },
        opts: { jobId: jobIds.deliver('delivery-2', 1) },
      },
    ]);
    const next = { alertId: 'a1', step: 1, loop: 0 };
    expect(escalations.added).toEqual([
      {
        name: JOB_NAMES.escalate,
        data: next,
        opts: { jobId: jobIds.escalate(next), delay: 5 * MINUTE },
      },
    ]);
    // Step 0 is the alert's first notice, not an escalation.
    expect(published).toEqual([]);
  });

  it('raises the level from step 1 on and streams alert.escalated', async () => {
    const { service, repository, published, seed } = engine();
    seed('a1', { step: 1 });

    expect(await service.advance({ alertId: 'a1', step: 1, loop: 0 })).toBe('fired');

    expect(repository.alerts.get('a1')!.level).toBe(1);
    expect(repository.written[0]!.eventType).toBe('alert.escalated');
    // Past the last step with a round left: step 0 again, at the policy's pace.
    expect(repository.rows.get('a1')).toEqual(
      expect.objectContaining({ step: 0, loop: 1, level: 1 }),
    );
    expect(published).toEqual([
      expect.objectContaining({
        type: 'alert.escalated',
        tenantId: 't',
        alert: expect.objectContaining({ id: 'a1', level: 1 }),
      }),
    ]);
  });

  it('does nothing for a job whose step the alert has left, or that comes early', async () => {
    const { service, repository, clock, escalations, deliveries, seed } = engine();
    seed('moved-on', { step: 1 });
    seed('early', { nextAt: new Date(NOW.getTime() + MINUTE) });
    seed('acknowledged', { status: 'acknowledged', nextAt: null });
    const before = structuredClone([...repository.rows.values()]);

    expect(await service.advance({ alertId: 'moved-on', step: 0, loop: 0 })).toBe('stale');
    expect(await service.advance({ alertId: 'early', step: 0, loop: 0 })).toBe('stale');
    expect(await service.advance({ alertId: 'acknowledged', step: 0, loop: 0 })).toBe('stale');
    expect(await service.advance({ alertId: 'gone', step: 0, loop: 0 })).toBe('stale');

    expect([...repository.rows.values()]).toEqual(before);
    expect(repository.written).toEqual([]);
    expect([...escalations.added, ...deliveries.added]).toEqual([]);
    // Its time come, the early one fires.
    clock.advance(MINUTE);
    expect(await service.advance({ alertId: 'early', step: 0, loop: 0 })).toBe('fired');
  });

  it('numbers a restarted escalation past its earlier rounds', async () => {
    const { service, repository, escalations, seed } = engine();
    // Restarted after rounds 0 and 1: this is its round 0, stored as loop 2.
    seed('a1', { loop: 2, loopBase: 2 });

    expect(await service.advance({ alertId: 'a1', step: 0, loop: 2 })).toBe('fired');

    expect(repository.written[0]).toEqual(expect.objectContaining({ step: 0, loop: 2 }));
    expect(escalations.added.map((j) => j.data)).toEqual([{ alertId: 'a1', step: 1, loop: 2 }]);
    // A job of the old numbering is stale.
    expect(await service.advance({ alertId: 'a1', step: 1, loop: 0 })).toBe('stale');
  });

  it('writes no delivery twice when a job and the sweep fire the same step', async () => {
    const { service, repository, seed } = engine();
    seed('a1');
    expect(await service.advance({ alertId: 'a1', step: 0, loop: 0 })).toBe('fired');
    // The row moved on, so the sweep does not find it; a second job is stale.
    expect(await service.sweep()).toEqual({ fired: 0 });
    expect(await service.advance({ alertId: 'a1', step: 0, loop: 0 })).toBe('stale');
    expect(repository.written.flatMap((w) => w.targets)).toHaveLength(2);
  });

  it('sweeps the due steps whose job was lost, and only those', async () => {
    const { service, repository, seed } = engine();
    seed('due');
    seed('later', { nextAt: new Date(NOW.getTime() + MINUTE) });
    seed('stopped', { status: 'acknowledged', nextAt: null });

    expect(await service.sweep()).toEqual({ fired: 1 });

    expect(repository.written.map((w) => w.alertId)).toEqual(['due']);
    expect(repository.rows.get('later')!.step).toBe(0);
  });

  it('stops on acknowledge and ends on resolve, cancelling deliveries waiting to retry', async () => {
    const { service, repository, seed } = engine();
    seed('acked', { step: 1, nextAt: new Date(NOW.getTime() + MINUTE) });
    seed('resolved', { status: 'acknowledged', nextAt: null });
    seed('nobody', { status: 'undeliverable', policy: null, policySource: null, nextAt: null });

    await service.stop(repository.manager, 'acked', 'acknowledged');
    await service.stop(repository.manager, 'resolved', 'ended');
    await service.stop(repository.manager, 'nobody', 'acknowledged');

    expect(repository.rows.get('acked')).toEqual(
      expect.objectContaining({ status: 'acknowledged', nextAt: null, step: 1 }),
    );
    expect(repository.rows.get('resolved')).toEqual(
      expect.objectContaining({ status: 'ended', nextAt: null }),
    );
    // Acknowledging does not hide that nobody could be told.
    expect(repository.rows.get('nobody')!.status).toBe('undeliverable');
    expect(repository.cancelled).toEqual([
      { alertId: 'acked', why: 'alert acknowledged' },
      { alertId: 'resolved', why: 'alert resolved' },
      { alertId: 'nobody', why: 'alert acknowledged' },
    ]);
  });

  it('restarts from step 0 under the policy in force, past every earlier round', async () => {
    const { service, repository, escalations, seed } = engine();
    seed('a1', { status: 'acknowledged', step: 1, loop: 1, level: 2, nextAt: null });
    repository.alerts.get('a1')!.level = 2;

    const row = await service.restart(repository.manager, 'a1', 'ward-9', 'alert re-opened');

    const restarted = expect.objectContaining({
      unitId: 'ward-9',
      status: 'active',
      step: 0,
      loop: 2,
      loopBase: 2,
      level: 0,
      nextAt: NOW,
    });
    expect(row).toEqual(restarted);
    expect(repository.rows.get('a1')).toEqual(restarted);
    expect(repository.alerts.get('a1')!.level).toBe(0);
    expect(repository.cancelled).toEqual([{ alertId: 'a1', why: 'alert re-opened' }]);
    // Armed only once the caller has committed.
    expect(escalations.added).toEqual([]);
    await service.opened(row!);
    expect(escalations.added.map((j) => j.data)).toEqual([{ alertId: 'a1', step: 0, loop: 2 }]);
  });

  it('opens an alert no policy reaches as undeliverable, and arms nothing', async () => {
    const { service, escalations } = engine(null);

    const row = await service.initial('a1', 't', 'ward-without-policy');
    expect(row).toEqual(
      expect.objectContaining({
        alertId: 'a1',
        status: 'undeliverable',
        policy: null,
        policySource: null,
        nextAt: null,
      }),
    );
    await service.opened(row);
    expect(escalations.added).toEqual([]);
  });

  it('opens an alert under its policy with step 0 due after its delay', async () => {
    const delayed = { ...POLICY, steps: [{ ...POLICY.steps[0]!, afterMinutes: 2 }] };
    const { service, escalations } = engine({ policy: delayed, source: 'default' });

    const row = await service.initial('a1', 't', 'ward-7');
    expect(row).toEqual(
      expect.objectContaining({
        status: 'active',
        step: 0,
        loop: 0,
        level: 0,
        policy: delayed,
        policySource: 'default',
        nextAt: new Date(NOW.getTime() + 2 * MINUTE),
      }),
    );
    await service.opened(row);
    expect(escalations.added).toEqual([
      expect.objectContaining({
        data: { alertId: 'a1', step: 0, loop: 0 },
        opts: expect.objectContaining({ delay: 2 * MINUTE }),
      }),
    ]);
  });
});
