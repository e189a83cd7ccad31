import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Principal } from '@taperwatch/auth';
import { ManualClock } from '@taperwatch/common';
import { PlanAction, PlanStep, TaperGoal, planTaper, transition } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import type { PatientEntity, PlanEntity, TaperRequestEntity } from '@taperwatch/persistence';
import { PlanLifecycleService } from './plan-lifecycle.service';
import type { StoredRuleContext } from './plan-rules';
import type { TransitionRecord } from '@taperwatch/doses';
import { toPlanView } from './plan-views';
import { plannedColumns } from './planned-columns';
import type { NewPlan, PlansRepository, VisiblePlan } from './plans.repository';
import type { TaperRequestBody } from './taper-requests.service';

type Ctor = ConstructorParameters<typeof PlanLifecycleService>;

const NOW = new Date('2026-03-02T10:00:00Z');
const TODAY = '2026-03-02';
const DAY_MS = 86_400_000;
const HORIZON_MS = 7 * DAY_MS;

/** Baclofen 30 mg/day (10 mg three times a day) to stop, from today. */
const REQUEST: TaperRequestBody = {
  patientId: 'patient-1',
  drugCode: 'baclofen',
  route: 'oral',
  currentDosesMg: [10, 10, 10],
  administrationTimes: ['08:00', '14:00', '20:00'],
  startDate: TODAY,
  goal: { type: 'discontinue' },
  reason: 'Spasticity resolved',
};

function planned() {
  const { patientId: _p, ...input } = REQUEST;
  const outcome = planTaper(input, {
    birthDate: '1960-05-01',
    creatinineClearanceMlMin: 90,
    today: TODAY,
  });
  if (outcome.kind !== 'planned') throw new Error('the fixture request must plan');
  return outcome.plan;
}

function planRow(id: string, status: PlanEntity['status'], more: Partial<PlanEntity> = {}) {
  return {
    id,
    tenantId: 'tenant-1',
    requestId: 'request-1',
    patientId: 'patient-1',
    drugCode: 'baclofen',
    version: 1,
    status,
    ...plannedColumns(planned()),
    createdAt: NOW,
    approvedAt: status === 'proposed' ? null : NOW,
    approvedBy: status === 'proposed' ? null : 'key-0',
    parentPlanId: null,
    pausedAt: null,
    reanchoredFrom: null,
    reanchoredByDays: null,
    dosesUntil: status === 'proposed' ? null : new Date(NOW.getTime() + HORIZON_MS),
    ...more,
  } satisfies PlanEntity as PlanEntity;
}

/** The plans a test starts with, and every write the service asks of its repository. */
class FakePlansRepository implements Pick<
  PlansRepository,
  | 'manager'
  | 'transaction'
  | 'lock'
  | 'find'
  | 'reload'
  | 'inForce'
  | 'request'
  | 'proposedRuleContext'
  | 'proposedGoal'
  | 'patient'
  | 'nextVersion'
  | 'insert'
  | 'applyTransition'
  | 'recordProposal'
> {
  readonly manager = { fake: 'pool' } as unknown as EntityManager;
  readonly tx = { fake: 'transaction' } as unknown as EntityManager;
  readonly plans = new Map<string, PlanEntity>();
  readonly locked: string[] = [];
  readonly moves: {
    planId: string;
    action: PlanAction;
    record: TransitionRecord;
    patch: Partial<PlanEntity>;
  }[] = [];
  readonly inserted: NewPlan[] = [];
  readonly proposals: { planId: string; record: TransitionRecord }[] = [];
  within: EntityManager | undefined;
  /** What the database answers an approval with (the partial unique index's violation). */
  approveFails?: unknown;

  constructor(...plans: PlanEntity[]) {
    for (const plan of plans) this.plans.set(plan.id, plan);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>, within?: EntityManager) {
    this.within = within;
    return work(this.tx);
  }

  lock(manager: EntityManager, id: string) {
    expect(manager).toBe(this.tx);
    this.locked.push(id);
    return Promise.resolve(this.plans.get(id) ?? null);
  }

  find(_manager: EntityManager, id: string) {
    return Promise.resolve(this.plans.get(id) ?? null);
  }

  reload(_manager: EntityManager, id: string) {
    return Promise.resolve({ ...this.plans.get(id)! });
  }

  inForce(patientId: string, drugCode: string) {
    const plans = [...this.plans.values()];
    const found = plans.find(
      (p) =>
        p.patientId === patientId &&
        p.drugCode === drugCode &&
        (p.status === 'active' || p.status === 'paused'),
    );
    return Promise.resolve(found ?? null);
  }

  request(_manager: EntityManager, id: string) {
    return Promise.resolve({ id, body: REQUEST } as unknown as TaperRequestEntity);
  }

  proposedRuleContext(): Promise<StoredRuleContext | undefined> {
    return Promise.resolve(undefined);
  }

  proposedGoal(): Promise<TaperGoal | null | undefined> {
    return Promise.resolve(undefined);
  }

  patient(id: string) {
    return Promise.resolve({ id, timezone: 'UTC', birthDate: null } as unknown as PatientEntity);
  }

  nextVersion() {
    const versions = [...this.plans.values()].map((p) => p.version);
    return Promise.resolve(Math.max(...versions) + 1);
  }

  insert(manager: EntityManager, plan: NewPlan) {
    expect(manager).toBe(this.tx);
    this.inserted.push(plan);
    this.plans.set(plan.id, { ...planRow(plan.id, 'proposed'), ...plan });
    return Promise.resolve();
  }

  applyTransition(
    manager: EntityManager,
    plan: PlanEntity,
    action: PlanAction,
    record: TransitionRecord,
    patch: Partial<PlanEntity> = {},
  ) {
    expect(manager).toBe(this.tx);
    if (action === 'approve' && this.approveFails) return Promise.reject(this.approveFails);
    const moved = transition(plan.status, action);
    if (!moved.ok) return Promise.reject(ProblemException.conflict(moved.message));
    this.moves.push({ planId: plan.id, action, record, patch });
    return Promise.resolve(Object.assign(plan, patch, { status: moved.to }));
  }

  recordProposal(
    _manager: EntityManager,
    plan: Pick<PlanEntity, 'id' | 'tenantId'>,
    record: TransitionRecord,
  ) {
    this.proposals.push({ planId: plan.id, record });
    return Promise.resolve();
  }
}

/** The dose rows the lifecycle asks for, recorded rather than written. */
class FakeDoses {
  readonly windows: { planId: string; from: Date; to: Date; mode: 'keep' | 'replace' }[] = [];
  readonly cancelled: { planId: string; from: Date }[] = [];

  zoneOf() {
    return Promise.resolve('UTC');
  }

  horizonEnd(now: Date) {
    return new Date(now.getTime() + HORIZON_MS);
  }

  effectiveSteps(plan: PlanEntity) {
    return plan.steps as PlanStep[];
  }

  writeWindow(
    _manager: EntityManager,
    plan: PlanEntity,
    _zone: string,
    from: Date,
    to: Date,
    mode: 'keep' | 'replace',
  ) {
    this.windows.push({ planId: plan.id, from, to, mode });
    return Promise.resolve(0);
  }

  cancelFrom(_manager: EntityManager, planId: string, from: Date) {
    this.cancelled.push({ planId, from });
    return Promise.resolve(0);
  }
}

function lifecycleWith(repository: FakePlansRepository) {
  const doses = new FakeDoses();
  const raised: Parameters<Ctor[4]['raise']>[0][] = [];
  const visible = (id: string): VisiblePlan => ({
    ...repository.plans.get(id)!,
    unitId: 'ward-7',
    approvedByActor: null,
  });
  const plans = {
    findVisible: (_p: Principal, id: string) => Promise.resolve(visible(id)),
    assertVisible: () => Promise.resolve(),
    viewOf: (plan: PlanEntity) => Promise.resolve(toPlanView(plan, undefined)),
  };
  const alerts = {
    raise: (alert: (typeof raised)[number]) => {
      raised.push(alert);
      return Promise.resolve();
    },
  };
  const service = new PlanLifecycleService(
    repository as unknown as Ctor[0],
    plans as unknown as Ctor[1],
    doses as unknown as Ctor[2],
    new ManualClock(NOW),
    alerts as unknown as Ctor[4],
  );
  return { service, doses, raised };
}

const prescriber = new Principal('key-1', 'tenant-1', 'prescriber', ['ward-7']);

async function problemOf(work: Promise<unknown>): Promise<{ status: number; detail: string }> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return (error as ProblemException).problem as unknown as { status: number; detail: string };
}

describe('PlanLifecycleService against its repository', () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('approve', () => {
    it('activates a proposed plan and writes its first window of doses', async () => {
      const repository = new FakePlansRepository(planRow('plan-1', 'proposed'));
      const { service, doses } = lifecycleWith(repository);
      const view = await service.approve(prescriber, 'plan-1');
      expect(view.status).toBe('active');
      const until = new Date(NOW.getTime() + HORIZON_MS);
      expect(repository.moves).toEqual([
        {
          planId: 'plan-1',
          action: 'approve',
          record: { actorKeyId: 'key-1' },
          patch: { approvedAt: NOW, approvedBy: 'key-1', dosesUntil: until },
        },
      ]);
      expect(doses.windows).toEqual([{ planId: 'plan-1', from: NOW, to: until, mode: 'keep' }]);
    });

    it('refuses a plan already in force with 409 before moving or writing anything', async () => {
      const repository = new FakePlansRepository(planRow('plan-1', 'active'));
      const { service, doses } = lifecycleWith(repository);
      const problem = await problemOf(service.approve(prescriber, 'plan-1'));
      expect(problem.status).toBe(409);
      expect(repository.moves).toEqual([]);
      expect(doses.windows).toEqual([]);
    });

    it('supersedes the version a revision replaces, its parent locked first', async () => {
      const repository = new FakePlansRepository(
        planRow('plan-1', 'active'),
        planRow('plan-2', 'proposed', { version: 2, parentPlanId: 'plan-1' }),
      );
      const { service, doses } = lifecycleWith(repository);
      await service.approve(prescriber, 'plan-2');
      expect(repository.locked).toEqual(['plan-1', 'plan-2']);
      expect(repository.moves.map((m) => [m.planId, m.action])).toEqual([
        ['plan-1', 'supersede'],
        ['plan-2', 'approve'],
      ]);
      expect(doses.cancelled).toEqual([{ planId: 'plan-1', from: NOW }]);
      expect(repository.plans.get('plan-1')!.status).toBe('superseded');
    });

    it('names the plan in force when the one-in-force index refuses the approval', async () => {
      const repository = new FakePlansRepository(
        planRow('plan-1', 'proposed'),
        planRow('plan-9', 'paused', { requestId: 'request-9' }),
      );
      repository.approveFails = {
        code: '23505',
        driverError: { code: '23505', constraint: 'plans_one_in_force_key' },
      };
      const { service } = lifecycleWith(repository);
      const problem = await problemOf(service.approve(prescriber, 'plan-1'));
      expect(problem.status).toBe(409);
      expect(problem.detail).toContain('(plan plan-9, paused)');
    });
  });

  describe('cancel', () => {
    it('cancelling a plan in force is an abrupt stop: a critical warning and alert', async () => {
      const repository = new FakePlansRepository(planRow('plan-1', 'active'));
      const { service, doses, raised } = lifecycleWith(repository);
      const view = await service.cancel(prescriber, 'plan-1', 'Patient declined');
      expect(view.status).toBe('cancelled');
      expect(view.warnings).toContainEqual(
        expect.objectContaining({ code: 'abrupt_stop', severity: 'critical' }),
      );
      expect(doses.cancelled).toEqual([{ planId: 'plan-1', from: NOW }]);
      expect(raised).toEqual([
        expect.objectContaining({
          type: 'abrupt_cessation_risk',
          severity: 'critical',
          planId: 'plan-1',
          unitId: 'ward-7',
          standalone: true,
        }),
      ]);
      // What today's step gives, as the planner wrote it.
      const today = planned().steps[0].dailyDoseMg;
      expect(raised[0].message).toContain(`takes ${today} mg/day of Baclofen`);
    });

    it('cancelling a proposal stops nothing the patient takes: no warning, no alert', async () => {
      const repository = new FakePlansRepository(planRow('plan-1', 'proposed'));
      const { service, raised } = lifecycleWith(repository);
      const view = await service.cancel(prescriber, 'plan-1', 'Not needed');
      expect(view.status).toBe('cancelled');
      expect(view.warnings).not.toContainEqual(expect.objectContaining({ code: 'abrupt_stop' }));
      expect(raised).toEqual([]);
    });
  });

  describe('revise', () => {
    it('proposes the next version from the doses given then, in the caller transaction', async () => {
      const repository = new FakePlansRepository(planRow('plan-1', 'active'));
      const { service } = lifecycleWith(repository);
      const caller = { fake: 'caller' } as unknown as EntityManager;
      const view = await service.revise(
        prescriber,
        'plan-1',
        { fromDate: TODAY, holdDays: 7, reason: 'Symptoms' },
        { symptomCheckId: 'check-1' },
        caller,
      );
      expect(repository.within).toBe(caller);
      expect(view).toMatchObject({ status: 'proposed', version: 2 });
      expect(repository.inserted).toEqual([
        expect.objectContaining({ parentPlanId: 'plan-1', version: 2, status: 'proposed' }),
      ]);
      expect(repository.proposals).toEqual([
        {
          planId: view.id,
          record: expect.objectContaining({
            actorKeyId: 'key-1',
            reason: 'Symptoms',
            details: expect.objectContaining({
              parentPlanId: 'plan-1',
              symptomCheckId: 'check-1',
              ruleContext: expect.objectContaining({ holdSteps: 1 }),
            }),
          }),
        },
      ]);
    });

    it('refuses a plan that is over with 409, and a start before today with 422', async () => {
      const repository = new FakePlansRepository(
        planRow('plan-1', 'completed'),
        planRow('plan-2', 'active', { requestId: 'request-2' }),
      );
      const { service } = lifecycleWith(repository);
      const reason = 'Symptoms';
      expect(
        (await problemOf(service.revise(prescriber, 'plan-1', { fromDate: TODAY, reason }))).status,
      ).toBe(409);
      const yesterday = '2026-03-01';
      expect(
        (await problemOf(service.revise(prescriber, 'plan-2', { fromDate: yesterday, reason })))
          .status,
      ).toBe(422);
      expect(repository.inserted).toEqual([]);
    });
  });
});
