import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { PatientErasureRepository } from './patient-erasure.repository';
import { PatientErasureService } from './patient-erasure.service';
import { PatientsRepository } from './patients.repository';
import { PatientsService } from './patients.service';

@Module({
  imports: [AlertsModule],
  providers: [PatientsRepository, PatientsService, PatientErasureRepository, PatientErasureService],
  exports: [PatientsService, PatientErasureService],
})
export class PatientsModule {}
