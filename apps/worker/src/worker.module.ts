import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '@taperwatch/common';
import { AppConfig, ConfigModule } from '@taperwatch/config';
import { baseLoggerOptions } from '@taperwatch/observability';
import { PersistenceModule } from '@taperwatch/persistence';
import { PlansModule } from '@taperwatch/plans';
import { QueuesModule } from '@taperwatch/queues';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { PlanningProcessor } from './planning/planning.processor';

export const PROCESSORS = [PlanningProcessor, MaintenanceProcessor];

/** The worker app: an application context with processors only; no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: baseLoggerOptions(config.LOG_LEVEL, 'taperwatch-worker'),
        }),
        CommonModule,
        PersistenceModule,
        QueuesModule,
        PlansModule,
      ],
      providers: PROCESSORS,
    };
  }
}
