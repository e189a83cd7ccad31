import type { EntityManager } from 'typeorm';
import { Principal } from '@taperwatch/auth';
import { ManualClock } from '@taperwatch/common';
import type { AppConfig } from '@taperwatch/config';
import { ProblemException } from '@taperwatch/http';
import { ErasedPatientRow, PatientErasureRepository } from './patient-erasure.repository';
import { PatientErasureService } from './patient-erasure.service';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const TENANT = '00000000-0000-4000-8000-00000000000a';
const PATIENT = '00000000-0000-4000-8000-000000000001';
const TRANSACTION = { transaction: true } as unknown as EntityManager;

/** One patient, and the erasure's steps as asked: no database (decision 0030). */
class FakeErasureRepository implements Pick<
  PatientErasureRepository,
  'transaction' | 'lockPatient' | 'hasLivePlan' | 'removeIdentifiers' | 'deleteClinicalRecords'
> {
  readonly steps: unknown[][] = [];

  constructor(
    private readonly patient: ErasedPatientRow | null,
    private readonly livePlan = false,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(TRANSACTION);
  }

  lockPatient(manager: EntityManager, tenantId: string, id: string) {
    this.steps.push(['lock', manager, tenantId, id]);
    return Promise.resolve(this.patient);
  }

  hasLivePlan(): Promise<boolean> {
    this.steps.push(['live plan?']);
    return Promise.resolve(this.livePlan);
  }

  removeIdentifiers(
    manager: EntityManager,
    tenantId: string,
    id: string,
    externalId: string,
    now: Date,
  ): Promise<void> {
    this.steps.push(['remove identifiers', manager, tenantId, id, externalId, now]);
    return Promise.resolve();
  }

  deleteClinicalRecords(manager: EntityManager): Promise<void> {
    this.steps.push(['delete clinical records', manager]);
    return Promise.resolve();
  }
}

const admin = new Principal('key-admin', TENANT, 'admin', []);

function patient(overrides: Partial<ErasedPatientRow> = {}): ErasedPatientRow {
  return { id: PATIENT, unitId: 'ward-7', externalId: 'MRN-1', erasedAt: null, ...overrides };
}

function erasure(repository: FakeErasureRepository, records: 'keep' | 'delete' = 'keep') {
  return new PatientErasureService(
    repository as unknown as PatientErasureRepository,
    new ManualClock(NOW),
    { ERASURE_CLINICAL_RECORDS: records } as AppConfig,
  );
}

describe('PatientErasureService against its repository', () => {
  it("removes the identifiers in the patient's locked transaction, keeping clinical rows", async () => {
    const repository = new FakeErasureRepository(patient());
    await erasure(repository).erase(admin, PATIENT);
    expect(repository.steps).toEqual([
      ['lock', TRANSACTION, TENANT, PATIENT],
      ['live plan?'],
      ['remove identifiers', TRANSACTION, TENANT, PATIENT, 'MRN-1', NOW],
    ]);
  });

  it('deletes the clinical rows too when configured to', async () => {
    const repository = new FakeErasureRepository(patient());
    await erasure(repository, 'delete').erase(admin, PATIENT);
    expect(repository.steps.at(-1)).toEqual(['delete clinical records', TRANSACTION]);
  });

  it('does nothing more for a patient already erased', async () => {
    const repository = new FakeErasureRepository(patient({ erasedAt: NOW }));
    await erasure(repository, 'delete').erase(admin, PATIENT);
    expect(repository.steps).toEqual([['lock', TRANSACTION, TENANT, PATIENT]]);
  });

  it('refuses with 409 while a plan is live, removing nothing', async () => {
    const repository = new FakeErasureRepository(patient(), true);
    const refused = erasure(repository).erase(admin, PATIENT);
    await expect(refused).rejects.toBeInstanceOf(ProblemException);
    await expect(refused).rejects.toMatchObject({ problem: { status: 409 } });
    expect(repository.steps.map(([step]) => step)).toEqual(['lock', 'live plan?']);
  });

  it("is 404 for an unknown patient and for another unit's", async () => {
    const nurse = new Principal('key-nurse', TENANT, 'nurse', ['ward-9']);
    for (const [who, found] of [
      [admin, null],
      [nurse, patient()],
    ] as const) {
      const repository = new FakeErasureRepository(found);
      await expect(erasure(repository).erase(who, PATIENT)).rejects.toMatchObject({
        problem: { status: 404 },
      });
      expect(repository.steps.map(([step]) => step)).toEqual(['lock']);
    }
  });
});
