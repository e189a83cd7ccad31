import 'reflect-metadata';
import { DataSource } from 'typeorm';
// Relative imports: jest's globalSetup runs outside its module mapper, so no @taperwatch/* here.
import { dataSourceOptions } from '../libs/persistence/src/data-source-options';
import { runMigrationsLocked } from '../libs/persistence/src/migrate';
import { resolveServices } from '../libs/runtime/src/local-services';
import { adminUrlFor, recreateDatabase, templateDatabaseFor } from '../libs/testing/src/databases';

/**
 * Finds (or starts) Postgres and Redis once, and migrates a template database that every
 * suite copies into a throw-away database of its own: real Postgres, isolated, fast.
 */
export default async function globalSetup(): Promise<void> {
  // Suites share one Redis by design; the cluster suite starts a cluster of its own.
  const services = await resolveServices(
    { ...process.env, REDIS_CLUSTER_NODES: undefined },
    {
      database: 'taperwatch_test',
      dataDir: '.data',
    },
  );
  const template = templateDatabaseFor(process.pid);
  const templateUrl = await recreateDatabase(adminUrlFor(services.databaseUrl), template);
  const dataSource = await new DataSource(dataSourceOptions({ url: templateUrl })).initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env.TEST_TEMPLATE_DATABASE = template;
  process.env.TEST_DATABASE_URL = services.databaseUrl;
  process.env.TEST_REDIS_URL = services.redisUrl!;
  (globalThis as { __services?: typeof services }).__services = services;
}
