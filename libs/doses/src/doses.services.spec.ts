import { EntityManager } from 'typeorm';
import { Principal } from '@taperwatch/auth';
import { ManualClock } from '@taperwatch/common';
import type { AppConfig } from '@taperwatch/config';
import type { PlanStep, ScheduledDose } from '@taperwatch/domain';
import { Page, ProblemException, decodeCursor } from '@taperwatch/http';
import type { PlanEntity } from '@taperwatch/persistence';
import { DosePageCache } from './dose-page-cache';
import {
  DosePageRepository,
  DosePageRow,
  DosePageVersion,
  PlanPageVersion,
} from './dose-page.repository';
import { DoseScheduleService } from './dose-schedule.service';
import type { DoseRow, DoseView } from './dose-view';
import { DosesRepository } from './doses.repository';
import { PlanDosesService } from './plan-doses.service';

/** The dose services' decisions against a hand-made repository: no database (decision 0030). */
class FakeDosesRepository
  implements
    Pick<DosesRepository, 'writeDoses' | 'cancelOthers'>,
    Pick<DosePageRepository, 'page' | 'versions'>
{
  readonly written: { mode: string; doses: readonly ScheduledDose[] }[] = [];
  readonly cancelled: { from: Date; to: Date; keep: readonly ScheduledDose[] }[] = [];
  readonly pages: { planId: string; limit: number }[] = [];
  readonly versionReads: string[] = [];
  units = new Map<string, string>();
  rows: DoseRow[] = [];
  /** What the triggers would have moved: the plan's page version and the shared one. */
  pageVersion: string | null = '7';
  sharedVersion: string | null = '1';
  equivalentDrugCode: string | null = null;

  writeDoses(
    _manager: EntityManager,
    _plan: unknown,
    doses: readonly ScheduledDose[],
    mode: 'keep' | 'replace',
  ): Promise<number> {
    this.written.push({ mode, doses });
    return Promise.resolve(doses.length);
  }

  cancelOthers(
    _manager: EntityManager,
    _planId: string,
    from: Date,
    to: Date,
    keep: readonly ScheduledDose[],
  ): Promise<number> {
    this.cancelled.push({ from, to, keep });
    return Promise.resolve(1);
  }

  versions(planIds: readonly string[]): Promise<PlanPageVersion[]> {
    this.versionReads.push(...planIds);
    return Promise.resolve(
      planIds.flatMap((planId) => {
        const unitId = this.units.get(planId);
        return unitId === undefined
          ? []
          : [{ plan_id: planId, tenant_id: 'tenant-1', ...this.versionOf(unitId) }];
      }),
    );
  }

  private versionOf(unitId: string): DosePageVersion {
    return {
      unit_id: unitId,
      equivalent_drug_code: this.equivalentDrugCode,
      page_version: this.pageVersion,
      shared_version: this.sharedVersion,
    };
  }

  page(planId: string, tenantId: string, query: { limit: number }): Promise<DosePageRow[]> {
    this.pages.push({ planId, limit: query.limit });
    const unitId = tenantId === 'tenant-1' ? this.units.get(planId) : undefined;
    if (unitId === undefined) return Promise.resolve([]);
    const rows = this.rows.slice(0, query.limit + 1);
    if (rows.length === 0) return Promise.resolve([{ ...this.versionOf(unitId), id: null }]);
    // Who recorded each dose, as the statement's actor lookup names it.
    return Promise.resolve(
      rows.map((row) => ({
        ...row,
        ...this.versionOf(unitId),
        recorded_by_actor: row.recorded_by
          ? { type: 'api_key' as const, id: row.recorded_by }
          : null,
      })),
    );
  }
}

const ZONE = 'Europe/London';
const STEPS: PlanStep[] = [
  {
    index: 1,
    startDate: '2026-03-01',
    endDate: '2026-03-07',
    dailyDoseMg: 20,
    doses: [
      { time: '08:00', drugCode: 'diazepam', doseMg: 10, units: [{ strengthMg: 10, count: 1 }] },
      { time: '20:00', drugCode: 'diazepam', doseMg: 10, units: [{ strengthMg: 10, count: 1 }] },
    ],
  },
  {
    index: 2,
    startDate: '2026-03-08',
    endDate: '2026-03-14',
    dailyDoseMg: 10,
    doses: [
      { time: '08:00', drugCode: 'diazepam', doseMg: 5, units: [{ strengthMg: 5, count: 1 }] },
      { time: '20:00', drugCode: 'diazepam', doseMg: 5, units: [{ strengthMg: 5, count: 1 }] },
    ],
  },
];

function plan(patch: Partial<PlanEntity> = {}): PlanEntity {
  return {
    id: 'plan-1',
    tenantId: 'tenant-1',
    patientId: 'patient-1',
    status: 'active',
    steps: STEPS,
    pausedAt: null,
    ...patch,
  } as PlanEntity;
}

const manager = {} as EntityManager;

describe('DoseScheduleService against its repository', () => {
  function serviceWith() {
    const repository = new FakeDosesRepository();
    const service = new DoseScheduleService(
      repository as unknown as DosesRepository,
      new ManualClock(new Date('2026-03-05T12:00:00Z')),
      { DOSE_HORIZON_DAYS: 7 } as AppConfig,
    );
    return { repository, service };
  }

  it('writes the doses of the window at the patient’s clock times, and cancels nothing to keep', async () => {
    const { repository, service } = serviceWith();
    const from = new Date('2026-03-07T00:00:00Z');
    const to = new Date('2026-03-09T00:00:00Z');
    const written = await service.writeWindow(manager, plan(), ZONE, from, to, 'keep');
    expect(written).toBe(4);
    expect(repository.written).toHaveLength(1);
    expect(repository.written[0]!.mode).toBe('keep');
    expect(
      repository.written[0]!.doses.map((d) => [d.dueAt.toISOString(), d.stepIndex, d.doseMg]),
    ).toEqual([
      ['2026-03-07T08:00:00.000Z', 1, 10],
      ['2026-03-07T20:00:00.000Z', 1, 10],
      ['2026-03-08T08:00:00.000Z', 2, 5],
      ['2026-03-08T20:00:00.000Z', 2, 5],
    ]);
    expect(repository.cancelled).toEqual([]);
  });

  it('re-doses a paused plan at its held step and cancels what the window no longer has', async () => {
    const { repository, service } = serviceWith();
    const paused = plan({ status: 'paused', pausedAt: new Date('2026-03-05T09:00:00Z') });
    const from = new Date('2026-03-08T00:00:00Z');
    const to = new Date('2026-03-09T00:00:00Z');
    const written = await service.writeWindow(manager, paused, ZONE, from, to, 'replace');
    const doses = repository.written[0]!.doses;
    // Held at step 1's 10 mg, past step 1's end.
    expect(doses.map((d) => [d.stepIndex, d.doseMg])).toEqual([
      [1, 10],
      [1, 10],
    ]);
    expect(repository.cancelled).toEqual([{ from, to, keep: doses }]);
    expect(written).toBe(doses.length + 1);
  });

  it('writes nothing for an empty window, but still cancels in it when replacing', async () => {
    const { repository, service } = serviceWith();
    const at = new Date('2026-03-20T00:00:00Z');
    const later = new Date('2026-03-21T00:00:00Z');
    expect(await service.writeWindow(manager, plan(), ZONE, at, later, 'keep')).toBe(0);
    expect(await service.writeWindow(manager, plan(), ZONE, at, later, 'replace')).toBe(1);
    expect(repository.written).toEqual([]);
    expect(repository.cancelled).toEqual([{ from: at, to: later, keep: [] }]);
  });
});

describe('PlanDosesService against its repository', () => {
  function row(id: string, dueAt: string, recordedBy: string | null = null): DoseRow {
    return {
      id,
      plan_id: 'plan-1',
      patient_id: 'patient-1',
      step_index: 1,
      due_at: new Date(dueAt),
      drug_code: 'diazepam',
      dose_mg: '10.00',
      equivalent_mg: '10.00',
      equivalent_drug_code: null,
      status: recordedBy ? 'given' : 'scheduled',
      administered_at: recordedBy ? new Date(dueAt) : null,
      recorded_by: recordedBy,
      reported_via: null,
      note: null,
      missed_at: null,
      recorded_outcome: recordedBy ? 'given' : null,
      timeliness: null,
      minutes_from_due: null,
      given_mg: null,
    };
  }

  const [DOSE_1, DOSE_2, DOSE_3] = [1, 2, 3].map((n) => `00000000-0000-4000-8000-00000000d00${n}`);

  function serviceWith(cacheMb = 1) {
    const repository = new FakeDosesRepository();
    repository.units.set('plan-1', 'ward-7');
    repository.rows = [
      row(DOSE_1!, '2026-03-01T08:00:00Z', 'key-9'),
      row(DOSE_2!, '2026-03-01T20:00:00Z'),
      row(DOSE_3!, '2026-03-02T08:00:00Z'),
    ];
    return {
      repository,
      service: new PlanDosesService(
        repository as unknown as DosePageRepository,
        new DosePageCache({ DOSE_PAGE_CACHE_MB: cacheMb } as AppConfig),
      ),
    };
  }

  /** The page as the API sends it, read back. */
  const list = async (service: PlanDosesService, ...args: Parameters<PlanDosesService['json']>) =>
    JSON.parse((await service.json(...args)).toString()) as Page<DoseView>;

  const notFound = expect.objectContaining({ status: 404 });
  const problemOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => (error instanceof ProblemException ? error.problem : error),
    );

  it('is a 404 for a plan of another tenant or of a unit the key does not reach', async () => {
    const { repository, service } = serviceWith();
    const query = { limit: 2 };
    const otherTenant = new Principal('k', 'tenant-2', 'admin', []);
    const otherWard = new Principal('k', 'tenant-1', 'nurse', ['ward-8']);
    const missing = new Principal('k', 'tenant-1', 'admin', []);
    expect(await problemOf(list(service, otherTenant, 'plan-1', query))).toEqual(notFound);
    expect(await problemOf(list(service, otherWard, 'plan-1', query))).toEqual(notFound);
    expect(await problemOf(list(service, missing, 'plan-2', query))).toEqual(notFound);
    expect(repository.pages).toHaveLength(3);
  });

  it('answers an empty page, not a 404, for a visible plan with no dose to show', async () => {
    const { repository, service } = serviceWith();
    repository.rows = [];
    const nurse = new Principal('k', 'tenant-1', 'nurse', ['ward-7']);
    const page = await list(service, nurse, 'plan-1', { limit: 2 });
    expect(page.items).toEqual([]);
    expect(page.nextCursor).toBeNull();
  });

  it('pages the plan’s doses with who recorded them and a cursor after the last shown', async () => {
    const { repository, service } = serviceWith();
    const nurse = new Principal('k', 'tenant-1', 'nurse', ['ward-7']);
    const page = await list(service, nurse, 'plan-1', { limit: 2 });
    expect(repository.pages).toEqual([{ planId: 'plan-1', limit: 2 }]);
    expect(page.items.map((d) => [d.id, d.status, d.recordedBy?.id])).toEqual([
      [DOSE_1, 'given', 'key-9'],
      [DOSE_2, 'scheduled', undefined],
    ]);
    expect(page.items[0]!.outcome).toBe('given');
    expect(page.items[0]!.reportedVia).toBe('staff');
    expect(decodeCursor(page.nextCursor!)).toEqual({
      createdAt: new Date('2026-03-01T20:00:00Z'),
      id: DOSE_2,
    });
  });
  describe('keeps a page while its versions stand', () => {
    const nurse = new Principal('k', 'tenant-1', 'nurse', ['ward-7']);
    const query = { limit: 2 };

    it('answers the kept page after reading only the versions', async () => {
      const { repository, service } = serviceWith();
      const first = await service.json(nurse, 'plan-1', query);
      const again = await service.json(nurse, 'plan-1', query);
      expect(again.equals(first)).toBe(true);
      expect(repository.pages).toHaveLength(1);
      expect(repository.versionReads).toEqual(['plan-1']);
    });

    it('reads the page again once a dose, a recorder or the equivalent drug changed', async () => {
      const { repository, service } = serviceWith();
      await service.json(nurse, 'plan-1', query);
      repository.rows[1] = { ...repository.rows[1]!, status: 'missed' };
      repository.pageVersion = '8';
      expect((await list(service, nurse, 'plan-1', query)).items[1]!.status).toBe('missed');
      repository.sharedVersion = '2';
      await service.json(nurse, 'plan-1', query);
      repository.equivalentDrugCode = 'diazepam';
      const labelled = await list(service, nurse, 'plan-1', query);
      expect(labelled.items[0]!.equivalentDrugCode).toBe('diazepam');
      expect(repository.pages).toHaveLength(4);
      await service.json(nurse, 'plan-1', query);
      expect(repository.pages).toHaveLength(4);
    });

    it('keeps each query’s page apart, and each tenant’s', async () => {
      const { repository, service } = serviceWith();
      await service.json(nurse, 'plan-1', query);
      await service.json(nurse, 'plan-1', { limit: 1 });
      await service.json(nurse, 'plan-1', { ...query, status: 'scheduled' });
      const otherTenant = new Principal('k', 'tenant-2', 'admin', []);
      expect(await problemOf(service.json(otherTenant, 'plan-1', query))).toEqual(notFound);
      expect(repository.pages).toHaveLength(4);
    });

    it('reads the versions of pages asked for together in one statement', async () => {
      const { repository, service } = serviceWith();
      repository.units.set('plan-2', 'ward-7');
      await service.json(nurse, 'plan-1', query);
      await service.json(nurse, 'plan-2', query);
      const versionsRead = jest.spyOn(repository, 'versions');
      await Promise.all(
        [1, 2, 3].flatMap(() => ['plan-1', 'plan-2'].map((p) => service.json(nurse, p, query))),
      );
      expect(versionsRead).toHaveBeenCalledTimes(1);
      expect(versionsRead.mock.calls[0]![0]).toEqual(['plan-1', 'plan-2']);
      expect(repository.pages).toHaveLength(2);
    });

    it('checks who may see the plan on every answer: a patient moved to another ward', async () => {
      const { repository, service } = serviceWith();
      await service.json(nurse, 'plan-1', query);
      repository.units.set('plan-1', 'ward-8');
      expect(await problemOf(service.json(nurse, 'plan-1', query))).toEqual(notFound);
      expect(repository.pages).toHaveLength(1);
    });

    it('keeps nothing without a shared version, or with no room', async () => {
      for (const [cacheMb, shared] of [
        [1, null],
        [0, '1'],
      ] as const) {
        const { repository, service } = serviceWith(cacheMb);
        repository.sharedVersion = shared;
        await service.json(nurse, 'plan-1', query);
        await service.json(nurse, 'plan-1', query);
        expect(repository.pages).toHaveLength(2);
        expect(repository.versionReads).toEqual([]);
      }
    });
  });
});
