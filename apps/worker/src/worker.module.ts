import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AlertsModule } from '@taperwatch/alerts';
import { AppOverrides, CommonModule } from '@taperwatch/common';
import { AppConfig, ConfigModule } from '@taperwatch/config';
import { DosesModule } from '@taperwatch/doses';
import { EscalationModule } from '@taperwatch/escalation';
import { NotificationsModule } from '@taperwatch/notifications';
import { IdempotencyRepository, IdempotencyStore } from '@taperwatch/http';
import { loggerParams } from '@taperwatch/observability';
import { PersistenceModule } from '@taperwatch/persistence';
import { PlansModule } from '@taperwatch/plans';
import { QueuesModule } from '@taperwatch/queues';
import { DeliveryProcessor } from './deliveries/delivery.processor';
import { DoseHorizonProcessor } from './doses/dose-horizon.processor';
import { EscalationProcessor } from './escalation/escalation.processor';
import { SupplyModule } from '@taperwatch/supply';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { PlanningProcessor } from './planning/planning.processor';
import { SchedulerKeeper } from './scheduler-keeper';
import { DoseCheckProcessor } from './watch/dose-check.processor';
import { SupplyWatchProcessor } from './supply/supply-watch.processor';

export const PROCESSORS = [
  PlanningProcessor,
  MaintenanceProcessor,
  DoseHorizonProcessor,
  DoseCheckProcessor,
  EscalationProcessor,
  DeliveryProcessor,
  SupplyWatchProcessor,
];

/** The worker app: an application context with processors only; no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(
          loggerParams(config.LOG_LEVEL, 'taperwatch-worker', overrides.logDestination),
        ),
        CommonModule.forRoot(overrides),
        PersistenceModule,
        QueuesModule,
        PlansModule,
        DosesModule,
        AlertsModule,
        EscalationModule,
        NotificationsModule,
        SupplyModule,
      ],
      // The purge of expired Idempotency-Key answers is the store's, through its repository.
      providers: [...PROCESSORS, SchedulerKeeper, IdempotencyRepository, IdempotencyStore],
    };
  }
}
