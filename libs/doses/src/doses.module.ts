import { Module } from '@nestjs/common';
import { DoseScheduleService } from './dose-schedule.service';
import { DosePageCache } from './dose-page-cache';
import { DosePageRepository } from './dose-page.repository';
import { DosesRepository } from './doses.repository';
import { PatientScheduleService } from './patient-schedule.service';
import { PlanDosesService } from './plan-doses.service';
import { DoseRecordingService } from './recording/dose-recording.service';
import { MedicationAdministrationsService } from './recording/medication-administrations.service';
import { RecordingWriter } from './recording/recording-writer';
import { WatchModule } from './watch/watch.module';

const SERVICES = [
  DoseScheduleService,
  PlanDosesService,
  PatientScheduleService,
  DoseRecordingService,
  MedicationAdministrationsService,
];

/**
 * Everything about a dose: its rows and their horizon, the dose page and the patient's
 * schedule, recording (REST, patient link, eMAR), and the watcher (WatchModule, exported along).
 */
@Module({
  imports: [WatchModule],
  providers: [DosesRepository, DosePageRepository, DosePageCache, RecordingWriter, ...SERVICES],
  exports: [...SERVICES, WatchModule],
})
export class DosesModule {}
