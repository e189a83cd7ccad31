import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { DEFAULT_JOB_OPTIONS } from './job-options';
import { ALL_QUEUES } from './queue-names';
import { queueErrorLoggerProvider } from './queue-error-logger';
import { queueConnection } from './redis-connection';

const queueModules = ALL_QUEUES.map((name) => BullModule.registerQueue({ name }));

/** Registers every queue once; both apps import this, only apps/worker declares processors. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: queueConnection(config),
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    ...queueModules,
  ],
  providers: [queueErrorLoggerProvider],
  exports: queueModules,
})
export class QueuesModule {}
