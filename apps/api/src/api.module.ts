import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { AlertsModule } from '@taperwatch/alerts';
import { AuditModule } from '@taperwatch/audit';
import { AuthModule } from '@taperwatch/auth';
import { AppOverrides, CommonModule } from '@taperwatch/common';
import { AppConfig, ConfigModule } from '@taperwatch/config';
import { DosesModule } from '@taperwatch/doses';
import { EscalationModule } from '@taperwatch/escalation';
import {
  FhirSchema,
  IdempotencyGuard,
  IdempotencyRepository,
  IdempotencyStore,
  ProblemDetailsFilter,
} from '@taperwatch/http';
import { NotificationsModule } from '@taperwatch/notifications';
import { httpLoggerParams } from '@taperwatch/observability';
import { PatientsModule } from '@taperwatch/patients';
import { PersistenceModule } from '@taperwatch/persistence';
import { PlansModule } from '@taperwatch/plans';
import { QueuesModule } from '@taperwatch/queues';
import { SupplyModule } from '@taperwatch/supply';
import { AlertStreams } from './alerts/alert-streams';
import { AlertsController } from './alerts/alerts.controller';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { AuditEventsController } from './audit/audit-events.controller';
import { BoardController } from './board/board.controller';
import { PlanReviewController } from './board/plan-review.controller';
import { BoardTaperRequestController } from './board/board-taper-request.controller';
import { CdsHooksController } from './cds-hooks/cds-hooks.controller';
import { CdsHooksRepository, CdsHooksService } from '@taperwatch/cds-hooks';

import { AdministrationsController } from './doses/administrations.controller';
import { DrugsController } from './drugs/drugs.controller';
import { EscalationPolicyController } from './escalation/escalation-policy.controller';
import { MedicationAdministrationsController } from './fhir/medication-administrations.controller';
import { HealthController } from './health/health.controller';
import { RedisHealthIndicator } from './health/redis.health';
import { MetricsController } from './metrics/metrics.controller';
import { ScrapeTimeMetrics } from './metrics/scrape-time-metrics';
import { PatientLinkController } from './patient-links/patient-link.controller';
import { PatientLinksController } from './patient-links/patient-links.controller';
import { PatientPageController } from './patient-links/patient-page.controller';
import { PatientsController } from './patients/patients.controller';
import { PlanLifecycleController } from './plans/plan-lifecycle.controller';
import { PlansController } from './plans/plans.controller';
import { DispensingsController } from './supply/dispensings.controller';
import { PharmacyOrdersController } from './supply/pharmacy-orders.controller';
import { TaperRequestsController } from './taper-requests/taper-requests.controller';
import { WorklistController } from './worklist/worklist.controller';

/** The HTTP app: controllers and producers only; no processors. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(httpLoggerParams(config.LOG_LEVEL, overrides.logDestination)),
        CommonModule.forRoot(overrides),
        PersistenceModule,
        QueuesModule,
        AuthModule,
        AuditModule,
        TerminusModule.forRoot({ logger: false }),
        PatientsModule,
        PlansModule,
        AlertsModule,
        EscalationModule,
        DosesModule,
        SupplyModule,
        NotificationsModule,
      ],
      controllers: [
        HealthController,
        MetricsController,
        ApiKeysController,
        DrugsController,
        PatientsController,
        TaperRequestsController,
        PlansController,
        PlanLifecycleController,
        AlertsController,
        AdministrationsController,
        WorklistController,
        EscalationPolicyController,
        BoardController,
        PlanReviewController,
        BoardTaperRequestController,
        CdsHooksController,
        DispensingsController,
        PharmacyOrdersController,
        PatientLinksController,
        PatientLinkController,
        PatientPageController,
        AuditEventsController,
        MedicationAdministrationsController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        IdempotencyRepository,
        IdempotencyStore,
        IdempotencyGuard,
        RedisHealthIndicator,
        ScrapeTimeMetrics,
        AlertStreams,
        // Compiles the FHIR R4 schema once, as the app starts.
        FhirSchema,
        CdsHooksRepository,
        CdsHooksService,
      ],
    };
  }
}
