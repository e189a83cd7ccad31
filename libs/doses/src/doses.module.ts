import { Module } from '@nestjs/common';
import { DoseScheduleService } from './dose-schedule.service';

@Module({
  providers: [DoseScheduleService],
  exports: [DoseScheduleService],
})
export class DosesModule {}
