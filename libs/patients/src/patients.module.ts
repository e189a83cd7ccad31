import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { PatientErasureService } from './patient-erasure.service';
import { PatientsService } from './patients.service';

@Module({
  imports: [AlertsModule],
  providers: [PatientsService, PatientErasureService],
  exports: [PatientsService, PatientErasureService],
})
export class PatientsModule {}
