import { types } from 'pg';
import parseTimestamp from 'postgres-date';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { timedClient } from './timed-client';

// Calendar dates stay 'YYYY-MM-DD' strings: a JS Date would shift them by the process time zone.
types.setTypeParser(types.builtins.DATE, (value: string) => value);
// Instants: pg's own parser (postgres-date 1, regexes) was the largest cost of a page of recorded
// doses; version 2 of the same parser reads the same text faster (decision 0034).
types.setTypeParser(types.builtins.TIMESTAMPTZ, parseTimestamp);

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  /** Postgres schema to use; tests use throw-away databases instead, so this stays 'public'. */
  applicationName?: string;
  /** Unset (the CLI): pg's defaults, no timeouts. */
  timeouts?: DatabaseTimeouts;
}

export interface DatabaseTimeouts {
  connectMs: number;
  acquireMs: number;
  statementMs: number;
}

/** The driver waits this much longer than Postgres would, so a live server's cancel comes first. */
const READ_TIMEOUT_MARGIN_MS = 2000;

/** pg pool options that bound every wait: opening, checking out and hearing from a connection. */
function poolTimeouts(timeouts: DatabaseTimeouts | undefined): Record<string, unknown> {
  if (!timeouts) return {};
  return {
    Client: timedClient(timeouts.connectMs),
    // pg-pool applies this to the whole wait for a client, opening a new one included.
    connectionTimeoutMillis: timeouts.acquireMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + READ_TIMEOUT_MARGIN_MS,
    // A peer that vanished without a word is noticed by the kernel, not only by the next query.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
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
    extra: { max: settings.poolSize ?? 10, ...poolTimeouts(settings.timeouts) },
  };
}
