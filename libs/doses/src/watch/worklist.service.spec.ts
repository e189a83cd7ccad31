import { Principal } from '@taperwatch/auth';
import { HOUR_MS } from '@taperwatch/domain';
import { ManualClock } from '@taperwatch/common';
import { decodeCursor } from '@taperwatch/http';
import { UnitScope, WatchRepository } from './watch.repository';
import { WorklistRow } from './watch.sql';
import { WorklistService } from './worklist.service';

/** The worklist's decisions against a hand-made repository: no database (decision 0030). */
class FakeWatchRepository implements Pick<WatchRepository, 'worklist'> {
  readonly asked: {
    scope: UnitScope;
    window: { from: Date; to: Date };
    after: unknown;
    limit: number;
  }[] = [];

  constructor(private readonly rows: WorklistRow[]) {}

  worklist(
    scope: UnitScope,
    window: { from: Date; to: Date },
    after: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<WorklistRow[]> {
    this.asked.push({ scope, window, after, limit });
    return Promise.resolve(this.rows.slice(0, limit));
  }
}

const NOW = new Date('2026-03-02T10:00:00Z');

function row(id: string, dueAt: Date): WorklistRow {
  return {
    id,
    plan_id: 'plan-1',
    patient_id: 'patient-1',
    external_id: 'MRN-1',
    unit_id: 'ward-7',
    timezone: 'Europe/London',
    due_at: dueAt,
    drug_code: 'diazepam',
    dose_mg: '5.00',
    status: 'scheduled',
    doses_per_day: 2,
    units: [{ strengthMg: 5, count: 1 }],
  };
}

function serviceWith(rows: WorklistRow[]) {
  const repository = new FakeWatchRepository(rows);
  const service = new WorklistService(
    repository as unknown as WatchRepository,
    new ManualClock(NOW),
  );
  return { repository, service };
}

describe('WorklistService against its repository', () => {
  const query = { aheadHours: 4, overdueHours: 24, limit: 1 };

  it("asks for the caller's units over the window, one row more than a page", async () => {
    const { repository, service } = serviceWith([]);
    await service.list(new Principal('k', 't', 'nurse', ['ward-7']), query);
    expect(repository.asked).toEqual([
      {
        scope: { tenantId: 't', units: ['ward-7'] },
        window: {
          from: new Date(NOW.getTime() - 24 * HOUR_MS),
          to: new Date(NOW.getTime() + 4 * HOUR_MS),
        },
        after: undefined,
        limit: 2,
      },
    ]);
  });

  it("asks nothing for a unit outside the caller's", async () => {
    const { repository, service } = serviceWith([]);
    const page = await service.list(new Principal('k', 't', 'nurse', ['ward-7']), {
      ...query,
      unitId: 'ward-9',
    });
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(repository.asked).toEqual([]);
  });

  it('names the drug and its own mg, and pages on from the last dose shown', async () => {
    const first = row('00000000-0000-4000-8000-000000000001', new Date(NOW.getTime() + HOUR_MS));
    const second = row('00000000-0000-4000-8000-000000000002', new Date(NOW.getTime() + HOUR_MS));
    const { service } = serviceWith([first, second]);
    const page = await service.list(new Principal('k', 't', 'admin', []), query);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      id: first.id,
      drugCode: 'diazepam',
      drugName: 'Diazepam',
      doseMg: 5,
      patient: { externalId: 'MRN-1', unitId: 'ward-7' },
      status: 'scheduled',
    });
    expect(decodeCursor(page.nextCursor!)).toEqual({ createdAt: first.due_at, id: first.id });
  });
});
