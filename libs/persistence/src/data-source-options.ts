import { types } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

// Calendar dates stay 'YYYY-MM-DD' strings: a JS Date would shift them by the process time zone.
types.setTypeParser(types.builtins.DATE, (value: string) => value);

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  /** Postgres schema to use; tests use throw-away databases instead, so this stays 'public'. */
  applicationName?: string;
}

/** The one place DataSource options are built: the apps, the CLI and the tests all use it. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // TypeORM's logger prints query parameters (patient data); errors surface through our own logs.
    logging: false,
    applicationName: settings.applicationName ?? 'taperwatch',
    extra: { max: settings.poolSize ?? 10 },
  };
}
