import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@taperwatch/persistence';
import { TestDatabase, createTestDatabase } from '@taperwatch/testing';

/** The schema comes from migrations only; this fails when entities and migrations drift apart. */
describe('schema', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(process.env.TEST_DATABASE_URL!);
    dataSource = await new DataSource(dataSourceOptions({ url: database.url })).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('has every migration applied', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('matches the entities exactly (generating a migration would produce nothing)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
