import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@taperwatch/persistence';
import { createTestDatabase } from './databases';

/** A throw-away migrated database and a DataSource on it, for suites that talk to Postgres alone. */
export async function openTestDataSource(): Promise<{
  dataSource: DataSource;
  close: () => Promise<void>;
}> {
  const database = await createTestDatabase(process.env.TEST_DATABASE_URL!);
  const dataSource = await new DataSource(dataSourceOptions({ url: database.url })).initialize();
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
