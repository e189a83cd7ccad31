import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DosesModule } from '@taperwatch/doses';
import { PatientsModule } from '@taperwatch/patients';
import { CoursesService } from './courses.service';
import { PlanDocumentsService } from './plan-documents.service';
import { PlanLifecycleService } from './plan-lifecycle.service';
import { PlansService } from './plans.service';
import { SymptomChecksService } from './symptom-checks.service';
import { TaperRequestsService } from './taper-requests.service';

const SERVICES = [
  PlansService,
  TaperRequestsService,
  PlanLifecycleService,
  PlanDocumentsService,
  SymptomChecksService,
  CoursesService,
];

@Module({
  imports: [PatientsModule, AlertsModule, DosesModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class PlansModule {}
