import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ManualClock } from '@taperwatch/common';
import type { AppConfig } from '@taperwatch/config';
import type { StoredProblem } from '@taperwatch/persistence';
import type { NewPlan } from './plans.repository';
import {
  LockedRequest,
  PlanningAttempt,
  TaperRequestsRepository,
} from './taper-requests.repository';
import { TaperRequestBody, TaperRequestsService } from './taper-requests.service';

/** The planning job's decisions against a hand-made repository: no database (decision 0030). */
class FakeTaperRequestsRepository implements Pick<
  TaperRequestsRepository,
  'countAttempt' | 'transaction' | 'lock' | 'reject' | 'planned' | 'markFailed'
> {
  readonly manager = { fake: 'transaction' } as unknown as EntityManager;
  readonly rejected: { requestId: string; problems: StoredProblem[] }[] = [];
  readonly plans: { requestId: string; plan: NewPlan }[] = [];
  readonly failed: { requestId: string; problems: StoredProblem[] }[] = [];
  transactions = 0;
  lockFails?: Error;

  constructor(
    private readonly attempt: PlanningAttempt | undefined,
    private readonly locked: LockedRequest | undefined,
  ) {}

  countAttempt(): Promise<PlanningAttempt | undefined> {
    return Promise.resolve(this.attempt);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.transactions++;
    return work(this.manager);
  }

  lock(manager: EntityManager): Promise<LockedRequest | undefined> {
    expect(manager).toBe(this.manager);
    return this.lockFails ? Promise.reject(this.lockFails) : Promise.resolve(this.locked);
  }

  reject(manager: EntityManager, requestId: string, problems: StoredProblem[]): Promise<void> {
    expect(manager).toBe(this.manager);
    this.rejected.push({ requestId, problems });
    return Promise.resolve();
  }

  planned(manager: EntityManager, requestId: string, plan: NewPlan): Promise<void> {
    expect(manager).toBe(this.manager);
    this.plans.push({ requestId, plan });
    return Promise.resolve();
  }

  markFailed(requestId: string, problems: StoredProblem[]): Promise<boolean> {
    this.failed.push({ requestId, problems });
    return Promise.resolve(true);
  }
}

const NOW = new Date('2026-03-02T10:00:00Z');
const MAX_ATTEMPTS = 3;

/** Baclofen 60 mg/day (20 mg three times a day) to stop: a request the planner plans. */
const BODY: TaperRequestBody = {
  patientId: 'patient-1',
  drugCode: 'baclofen',
  route: 'oral',
  currentDosesMg: [20, 20, 20],
  administrationTimes: ['08:00', '14:00', '20:00'],
  startDate: '2026-03-02',
  goal: { type: 'discontinue' },
  reason: 'Spasticity resolved',
};

function locked(body: TaperRequestBody = BODY, status: LockedRequest['status'] = 'queued') {
  return {
    id: 'request-1',
    tenantId: 'tenant-1',
    patientId: body.patientId,
    status,
    correlationId: null,
    body,
    birthDate: '1960-05-01',
    clearance: '90.000',
  } satisfies LockedRequest;
}

function serviceWith(repository: FakeTaperRequestsRepository) {
  return new TaperRequestsService(
    repository as unknown as TaperRequestsRepository,
    {} as never,
    new ManualClock(NOW),
    {} as never,
    { PLANNING_MAX_ATTEMPTS: MAX_ATTEMPTS } as AppConfig,
  );
}

describe('TaperRequestsService.plan against its repository', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('skips a request no longer queued without opening a transaction', async () => {
    const repository = new FakeTaperRequestsRepository(undefined, locked());
    expect(await serviceWith(repository).plan('request-1')).toBe('skipped');
    expect(repository.transactions).toBe(0);
  });

  it('ends there when the counted attempt was one too many', async () => {
    const repository = new FakeTaperRequestsRepository(
      { attempts: MAX_ATTEMPTS, status: 'failed' },
      locked(),
    );
    expect(await serviceWith(repository).plan('request-1')).toBe('failed');
    expect(repository.transactions).toBe(0);
  });

  it('skips a request another worker planned while this one waited for its lock', async () => {
    const repository = new FakeTaperRequestsRepository(
      { attempts: 1, status: 'queued' },
      locked(BODY, 'planned'),
    );
    expect(await serviceWith(repository).plan('request-1')).toBe('skipped');
    expect(repository.plans).toEqual([]);
    expect(repository.rejected).toEqual([]);
  });

  it('stores the first version, proposed, in the transaction that holds the lock', async () => {
    const repository = new FakeTaperRequestsRepository({ attempts: 1, status: 'queued' }, locked());
    expect(await serviceWith(repository).plan('request-1')).toBe('planned');
    expect(repository.rejected).toEqual([]);
    expect(repository.plans).toHaveLength(1);
    const [{ requestId, plan }] = repository.plans;
    expect(requestId).toBe('request-1');
    expect(plan).toMatchObject({
      tenantId: 'tenant-1',
      requestId: 'request-1',
      patientId: 'patient-1',
      drugCode: 'baclofen',
      version: 1,
      status: 'proposed',
      startDailyDoseMg: 60,
      targetDailyDoseMg: 0,
      dosesPerDay: 3,
    });
    expect(plan.steps.length).toBeGreaterThan(1);
  });

  it('rejects a request the planner refuses, naming its problems, and stores no plan', async () => {
    const repository = new FakeTaperRequestsRepository(
      { attempts: 1, status: 'queued' },
      locked({ ...BODY, drugCode: 'not-a-drug' }),
    );
    expect(await serviceWith(repository).plan('request-1')).toBe('rejected');
    expect(repository.plans).toEqual([]);
    expect(repository.rejected).toHaveLength(1);
    expect(repository.rejected[0].problems.length).toBeGreaterThan(0);
  });

  it('ends the request failed when its last attempt fails', async () => {
    const repository = new FakeTaperRequestsRepository(
      { attempts: MAX_ATTEMPTS, status: 'queued' },
      locked(),
    );
    repository.lockFails = new Error('connection terminated');
    expect(await serviceWith(repository).plan('request-1')).toBe('failed');
    expect(repository.failed).toEqual([
      { requestId: 'request-1', problems: [expect.objectContaining({ code: 'planning_failed' })] },
    ]);
  });

  it('lets an earlier attempt fail for the job to retry, the request still queued', async () => {
    const repository = new FakeTaperRequestsRepository({ attempts: 1, status: 'queued' }, locked());
    repository.lockFails = new Error('connection terminated');
    await expect(serviceWith(repository).plan('request-1')).rejects.toThrow(
      'connection terminated',
    );
    expect(repository.failed).toEqual([]);
  });
});
