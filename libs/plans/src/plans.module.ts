import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { PatientsModule } from '@taperwatch/patients';
import { CoursesService } from './courses.service';
import { DoseScheduleService } from './dose-schedule.service';
import { PlanDocumentsService } from './plan-documents.service';
import { PlanDosesService } from './plan-doses.service';
import { PlanLifecycleService } from './plan-lifecycle.service';
import { PatientScheduleService } from './patient-schedule.service';
import { PlansService } from './plans.service';
import { SymptomChecksService } from './symptom-checks.service';
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

@Module({
  imports: [PatientsModule, AlertsModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class PlansModule {}
