import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DosesModule } from '@taperwatch/doses';
import { PatientsModule } from '@taperwatch/patients';
import { CoursesService } from './courses.service';
import { PlanDocumentsService } from './plan-documents.service';
import { PlanLifecycleService } from './plan-lifecycle.service';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';
import { SymptomChecksRepository } from './symptom-checks.repository';
import { SymptomChecksService } from './symptom-checks.service';
import { TaperRequestsRepository } from './taper-requests.repository';
import { TaperRequestsService } from './taper-requests.service';

const SERVICES = [
  PlansService,
  TaperRequestsService,
  PlanLifecycleService,
  PlanDocumentsService,
  SymptomChecksService,
  CoursesService,
];

/** Every statement of plans, taper requests and symptom checks (decision 0030). */
const REPOSITORIES = [PlansRepository, TaperRequestsRepository, SymptomChecksRepository];

@Module({
  imports: [PatientsModule, AlertsModule, DosesModule],
  providers: [...REPOSITORIES, ...SERVICES],
  exports: SERVICES,
})
export class PlansModule {}
