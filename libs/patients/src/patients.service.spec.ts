import type { EntityManager } from 'typeorm';
import type { AlertsService } from '@taperwatch/alerts';
import { Principal } from '@taperwatch/auth';
import { ManualClock } from '@taperwatch/common';
import { ProblemException } from '@taperwatch/http';
import type { MonitoringMode, PatientEntity } from '@taperwatch/persistence';
import { PatientChanges, PatientRecord, PatientsRepository } from './patients.repository';
import { PatientsService } from './patients.service';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const TENANT = '00000000-0000-4000-8000-00000000000a';
const PATIENT = '00000000-0000-4000-8000-000000000001';

/** The transaction a fake repository hands out: a token, never queried by the service. */
const TRANSACTION = { transaction: true } as unknown as EntityManager;

/** Patients in memory, and every write asked of them: no database (decision 0030). */
class FakePatientsRepository implements Pick<
  PatientsRepository,
  'transaction' | 'insert' | 'findLive' | 'get' | 'update' | 'rearmPendingDoses'
> {
  readonly patients = new Map<string, PatientEntity>();
  readonly writes: unknown[][] = [];
  /** What insert throws, once; else it stores the patient. */
  failInsertWith?: unknown;

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.writes.push(['transaction']);
    return work(TRANSACTION);
  }

  insert(tenantId: string, record: PatientRecord): Promise<number | null> {
    if (this.failInsertWith) return Promise.reject(this.failInsertWith);
    this.writes.push(['insert', tenantId, record.externalId]);
    // The column keeps one decimal.
    const clearance =
      record.creatinineClearanceMlMin === null
        ? null
        : Math.round(record.creatinineClearanceMlMin * 10) / 10;
    this.patients.set(record.id, {
      ...record,
      tenantId,
      creatinineClearanceMlMin: clearance,
      erasedAt: null,
    });
    return Promise.resolve(clearance);
  }

  findLive(tenantId: string, id: string): Promise<PatientEntity | null> {
    const found = this.patients.get(id);
    return Promise.resolve(found?.tenantId === tenantId && !found.erasedAt ? found : null);
  }

  get(id: string): Promise<PatientEntity> {
    return Promise.resolve(this.patients.get(id)!);
  }

  update(
    manager: EntityManager,
    tenantId: string,
    id: string,
    changes: PatientChanges,
  ): Promise<void> {
    this.writes.push(['update', manager, tenantId, id, changes]);
    const found = this.patients.get(id)!;
    this.patients.set(id, { ...found, ...changes });
    return Promise.resolve();
  }

  rearmPendingDoses(
    manager: EntityManager,
    tenantId: string,
    id: string,
    monitoring: MonitoringMode,
    now: Date,
  ): Promise<void> {
    this.writes.push(['rearm', manager, tenantId, id, monitoring, now]);
    return Promise.resolve();
  }
}

/** The alerts a move takes along: what was asked, and whether the after-commit work ran. */
class FakeAlerts implements Pick<AlertsService, 'movePatient'> {
  readonly moves: unknown[][] = [];
  afterCommitRan = false;

  movePatient(
    manager: EntityManager,
    tenantId: string,
    patientId: string,
    toUnitId: string,
  ): Promise<() => Promise<void>> {
    this.moves.push([manager, tenantId, patientId, toUnitId]);
    return Promise.resolve(() => {
      this.afterCommitRan = true;
      return Promise.resolve();
    });
  }
}

const admin = new Principal('key-admin', TENANT, 'admin', []);
const ward7 = new Principal('key-nurse', TENANT, 'nurse', ['ward-7']);

function stored(overrides: Partial<PatientEntity> = {}): PatientEntity {
  return {
    id: PATIENT,
    tenantId: TENANT,
    externalId: 'MRN-1',
    unitId: 'ward-7',
    timezone: 'Europe/London',
    birthDate: '1950-01-01',
    creatinineClearanceMlMin: 55,
    monitoring: 'supervised',
    erasedAt: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

function setUp(...patients: PatientEntity[]) {
  const repository = new FakePatientsRepository();
  for (const p of patients) repository.patients.set(p.id, p);
  const alerts = new FakeAlerts();
  const service = new PatientsService(
    repository as unknown as PatientsRepository,
    new ManualClock(NOW),
    alerts as unknown as AlertsService,
  );
  return { repository, alerts, service };
}

async function problemOf(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return (error as ProblemException).getStatus();
}

describe('PatientsService against its repository', () => {
  describe('create', () => {
    it("writes the patient with the clock's times and shows the clearance as stored", async () => {
      const { repository, service } = setUp();
      const view = await service.create(admin, {
        externalId: 'MRN-9',
        unitId: 'ward-7',
        creatinineClearanceMlMin: 42.26,
      });
      expect(repository.writes).toEqual([['insert', TENANT, 'MRN-9']]);
      expect(view).toMatchObject({
        externalId: 'MRN-9',
        unitId: 'ward-7',
        timezone: 'UTC',
        birthDate: null,
        creatinineClearanceMlMin: 42.3,
        monitoring: 'supervised',
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
      expect(repository.patients.get(view.id)?.tenantId).toBe(TENANT);
    });

    it("refuses a unit outside the caller's with 403, writing nothing", async () => {
      const { repository, service } = setUp();
      expect(await problemOf(service.create(ward7, { externalId: 'X', unitId: 'ward-9' }))).toBe(
        403,
      );
      expect(repository.writes).toEqual([]);
    });

    it('answers 409 for an externalId the tenant already has', async () => {
      const { repository, service } = setUp();
      repository.failInsertWith = Object.assign(new Error('duplicate key'), { code: '23505' });
      expect(await problemOf(service.create(admin, { externalId: 'X', unitId: 'ward-7' }))).toBe(
        409,
      );
    });

    it('passes any other failure on as it is', async () => {
      const { repository, service } = setUp();
      const down = new Error('connection refused');
      repository.failInsertWith = down;
      await expect(service.create(admin, { externalId: 'X', unitId: 'ward-7' })).rejects.toBe(down);
    });
  });

  describe('findVisible', () => {
    it("is 404 for a patient the repository does not find and for another unit's", async () => {
      const { service } = setUp(stored({ unitId: 'ward-9' }));
      expect(await problemOf(service.findVisible(admin, 'unknown'))).toBe(404);
      expect(await problemOf(service.findVisible(ward7, PATIENT))).toBe(404);
      expect((await service.findVisible(admin, PATIENT)).unitId).toBe('ward-9');
    });
  });

  describe('update', () => {
    it('writes nothing for a patch that changes nothing', async () => {
      const { repository, service } = setUp(stored());
      const view = await service.update(admin, PATIENT, { timezone: undefined });
      expect(view.id).toBe(PATIENT);
      expect(repository.writes).toEqual([]);
    });

    it('re-arms the pending doses in the same transaction when the mode changes', async () => {
      const { repository, alerts, service } = setUp(stored());
      const view = await service.update(admin, PATIENT, { monitoring: 'outpatient' });
      expect(repository.writes).toEqual([
        ['transaction'],
        ['update', TRANSACTION, TENANT, PATIENT, { monitoring: 'outpatient' }],
        ['rearm', TRANSACTION, TENANT, PATIENT, 'outpatient', NOW],
      ]);
      expect(alerts.moves).toEqual([]);
      expect(view.monitoring).toBe('outpatient');
    });

    it('does not re-arm for the mode the patient already has', async () => {
      const { repository, service } = setUp(stored());
      await service.update(admin, PATIENT, { monitoring: 'supervised', timezone: 'UTC' });
      expect(repository.writes.map(([what]) => what)).toEqual(['transaction', 'update']);
    });

    it("moves the patient's alerts in the transaction and finishes the move after it", async () => {
      const { repository, alerts, service } = setUp(stored());
      const view = await service.update(admin, PATIENT, { unitId: 'ward-9' });
      expect(alerts.moves).toEqual([[TRANSACTION, TENANT, PATIENT, 'ward-9']]);
      expect(alerts.afterCommitRan).toBe(true);
      expect(repository.writes.map(([what]) => what)).toEqual(['transaction', 'update']);
      expect(view.unitId).toBe('ward-9');
    });

    it("refuses a move to a unit outside the caller's, writing nothing", async () => {
      const { repository, service } = setUp(stored());
      expect(await problemOf(service.update(ward7, PATIENT, { unitId: 'ward-9' }))).toBe(403);
      expect(repository.writes).toEqual([]);
    });
  });
});
