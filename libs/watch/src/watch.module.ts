import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DoseRecordingService } from './dose-recording.service';
import { RecordingWriter } from './recording-writer';
import { WatchService } from './watch.service';

@Module({
  imports: [AlertsModule],
  providers: [WatchService, DoseRecordingService, RecordingWriter],
  exports: [WatchService, DoseRecordingService],
})
export class WatchModule {}
