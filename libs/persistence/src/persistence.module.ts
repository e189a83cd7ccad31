import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { dataSourceOptions } from './data-source-options';
import { assertSchemaCurrent, runMigrationsLocked } from './migrate';

/** Postgres through TypeORM; the schema is migrated (or checked) before anything else starts. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions({
          url: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          timeouts: {
            connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
            acquireMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
            statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
          },
        }),
        // Fail fast: a few quick retries cover a database that is still starting, no more.
        retryAttempts: 5,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [
    {
      provide: 'SCHEMA_READY',
      inject: [DataSource, APP_CONFIG],
      useFactory: async (dataSource: DataSource, config: AppConfig) => {
        if (config.MIGRATIONS_RUN) await runMigrationsLocked(dataSource);
        else await assertSchemaCurrent(dataSource);
        return true;
      },
    },
  ],
  exports: ['SCHEMA_READY'],
})
export class PersistenceModule {}
