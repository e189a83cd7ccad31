import { BullModule } from '@nestjs/bullmq';
import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { DEFAULT_JOB_OPTIONS } from './job-options';
import { ALL_QUEUES } from './queue-names';
import { queueErrorLoggerProvider } from './queue-error-logger';
import { closeRedis, queueConnection } from './redis-connection';

/** BullMQ's connection; owns (and closes last) the cluster client the queues share, if any. */
@Injectable()
export class QueueConnection implements OnApplicationShutdown {
  readonly options: ConnectionOptions;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.options = queueConnection(config);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.options instanceof Cluster) await closeRedis(this.options);
  }
}

@Module({ providers: [QueueConnection], exports: [QueueConnection] })
class QueueConnectionModule {}

const queueModules = ALL_QUEUES.map((name) => BullModule.registerQueue({ name }));

/** Registers every queue once; both apps import this, only apps/worker declares processors. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [QueueConnectionModule],
      inject: [APP_CONFIG, QueueConnection],
      useFactory: (config: AppConfig, connection: QueueConnection) => ({
        connection: connection.options,
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
