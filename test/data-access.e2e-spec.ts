import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, EntityTarget } from 'typeorm';
import { API_KEY_VIEW_COLUMNS } from '@taperwatch/auth';
import {
  ApiKeyEntity,
  DoseEntity,
  PatientEntity,
  TenantEntity,
  countedQuery,
  preparedQuery,
} from '@taperwatch/persistence';
import { PATIENT_COLUMNS } from '@taperwatch/patients';
import { DOSE_VIEW_COLUMNS } from '@taperwatch/doses';
import { openTestDataSource } from '@taperwatch/testing';

/** The data-access rule's helpers, against real Postgres (docs/decisions/0030-data-access.md). */
describe('data access', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
  });
  afterAll(() => close());

  const tenantNamed = (manager: EntityManager, id: string) =>
    preparedQuery<{ name: string }>(
      manager,
      'tenant-name',
      'SELECT name FROM tenants WHERE id = $1',
      [id],
    );

  describe('preparedQuery', () => {
    it("runs inside the caller's transaction and is rolled back with it", async () => {
      const id = randomUUID();
      const rollback = new Error('roll back');
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.insert(TenantEntity, { id, name: 'uncommitted' });
          // The transaction's own uncommitted row: seen only on the transaction's connection.
          expect(await tenantNamed(manager, id)).toEqual([{ name: 'uncommitted' }]);
          expect(await tenantNamed(dataSource.manager, id)).toEqual([]);
          await preparedQuery(
            manager,
            'tenant-rename',
            'UPDATE tenants SET name = $2 WHERE id = $1',
            [id, 'renamed'],
          );
          expect(await tenantNamed(manager, id)).toEqual([{ name: 'renamed' }]);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      expect(await tenantNamed(dataSource.manager, id)).toEqual([]);
    });

    it('commits with the transaction and outside one runs on a pooled connection', async () => {
      const id = randomUUID();
      await dataSource.transaction(async (manager) => {
        await preparedQuery(
          manager,
          'tenant-insert',
          'INSERT INTO tenants (id, name) VALUES ($1, $2)',
          [id, 'committed'],
        );
      });
      expect(await tenantNamed(dataSource.manager, id)).toEqual([{ name: 'committed' }]);
    });
  });

  describe('countedQuery', () => {
    it('answers the rows returned and the rows affected, whatever the statement', async () => {
      const ids = [randomUUID(), randomUUID()];
      const inserted = await countedQuery<{ id: string }>(
        dataSource.manager,
        `INSERT INTO tenants (id, name) SELECT unnest($1::uuid[]), 'counted' RETURNING id`,
        [ids],
      );
      expect(inserted.count).toBe(2);
      expect(inserted.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      const updated = await countedQuery(
        dataSource.manager,
        `UPDATE tenants SET name = 'recounted' WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(updated).toEqual({ rows: [], count: 2 });
      const none = await countedQuery(dataSource.manager, `DELETE FROM tenants WHERE id = $1`, [
        randomUUID(),
      ]);
      expect(none).toEqual({ rows: [], count: 0 });
    });
  });

  describe('hand-written column lists', () => {
    const columnsOf = (entity: EntityTarget<unknown>) =>
      dataSource.getMetadata(entity).columns.map((c) => c.databaseName);

    /** The names a SELECT list gives its columns: each item's alias, or the bare column. */
    function namesIn(list: string): string[] {
      const items: string[] = [];
      let depth = 0;
      let item = '';
      for (const char of list) {
        if (char === '(') depth++;
        if (char === ')') depth--;
        if (char === ',' && depth === 0) {
          items.push(item);
          item = '';
        } else item += char;
      }
      items.push(item);
      return items.map((i) => /(?:\bAS\s+)?([a-z_]+)\s*$/i.exec(i.trim())![1]!);
    }

    it.each([
      ['DOSE_VIEW_COLUMNS', DoseEntity, [...DOSE_VIEW_COLUMNS]],
      ['PATIENT_COLUMNS', PatientEntity, namesIn(PATIENT_COLUMNS)],
      ['API_KEY_VIEW_COLUMNS', ApiKeyEntity, namesIn(API_KEY_VIEW_COLUMNS)],
    ] as const)('%s names only columns of its entity', (_, entity, names) => {
      expect(names.length).toBeGreaterThan(0);
      const real = columnsOf(entity);
      expect(names.filter((name) => !real.includes(name))).toEqual([]);
    });
  });
});
