import { Module } from '@nestjs/common';
import { PatientsModule } from '@taperwatch/patients';
import { PlansService } from './plans.service';
import { TaperRequestsService } from './taper-requests.service';

@Module({
  imports: [PatientsModule],
  providers: [PlansService, TaperRequestsService],
  exports: [PlansService, TaperRequestsService],
})
export class PlansModule {}
