import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DoseRecordingService } from './dose-recording.service';
import { RecordingWriter } from './recording-writer';
import { OutpatientWatchService } from './outpatient-watch.service';
import { WatchService } from './watch.service';
import { WorklistService } from './worklist.service';

@Module({
  imports: [AlertsModule],
  providers: [
    WatchService,
    OutpatientWatchService,
    DoseRecordingService,
    RecordingWriter,
    WorklistService,
  ],
  exports: [WatchService, OutpatientWatchService, DoseRecordingService, WorklistService],
})
export class WatchModule {}
