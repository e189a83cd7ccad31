import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { PatientsModule } from '@taperwatch/patients';
import { CoursesService } from './courses.service';
import { DoseScheduleService } from './dose-schedule.service';
import { PlanDocumentsService } from './plan-documents.service';
import { PlanDosesService } from './plan-doses.service';
import { PlanLifecycleService } from './plan-lifecycle.service';
import { PatientScheduleService } from './patient-schedule.service';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';
import { SymptomChecksRepository } from './symptom-checks.repository';
import { SymptomChecksService } from './symptom-checks.service';
import { TaperRequestsRepository } from './taper-requests.repository';
import { TaperRequestsService } from './taper-requests.service';

const SERVICES = [
  PlansService,
  TaperRequestsService,
  DoseScheduleService,
  PlanLifecycleService,
  PlanDosesService,
  PlanDocumentsService,
  SymptomChecksService,
  PatientScheduleService,
  CoursesService,
];

/** Every statement of plans, taper requests and symptom checks (decision 0030). */
const REPOSITORIES = [PlansRepository, TaperRequestsRepository, SymptomChecksRepository];

@Module({
  imports: [PatientsModule, AlertsModule],
  providers: [...REPOSITORIES, ...SERVICES],
  exports: SERVICES,
})
export class PlansModule {}
