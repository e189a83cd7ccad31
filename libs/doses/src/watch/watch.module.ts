import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DoseRecordingService } from '../recording/dose-recording.service';
import { MedicationAdministrationsService } from '../recording/medication-administrations.service';
import { RecordingWriter } from '../recording/recording-writer';
import { OutpatientWatchService } from './outpatient-watch.service';
import { WatchRepository } from './watch.repository';
import { WatchService } from './watch.service';
import { WorklistService } from './worklist.service';

@Module({
  imports: [AlertsModule],
  providers: [
    WatchRepository,
    WatchService,
    OutpatientWatchService,
    DoseRecordingService,
    RecordingWriter,
    WorklistService,
    MedicationAdministrationsService,
  ],
  exports: [
    WatchService,
    OutpatientWatchService,
    DoseRecordingService,
    WorklistService,
    MedicationAdministrationsService,
  ],
})
export class WatchModule {}
