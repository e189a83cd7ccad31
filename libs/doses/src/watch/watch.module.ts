import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { OutpatientWatchService } from './outpatient-watch.service';
import { WatchRepository } from './watch.repository';
import { WatchService } from './watch.service';
import { WorklistService } from './worklist.service';

/** The watcher: arming, checks, the sweeps, judging doses, the outpatients' watch, the worklist. */
@Module({
  imports: [AlertsModule],
  providers: [WatchRepository, WatchService, OutpatientWatchService, WorklistService],
  // Recording (DosesModule) has WatchService judge a dose not taken at once.
  exports: [WatchService, OutpatientWatchService, WorklistService],
})
export class WatchModule {}
