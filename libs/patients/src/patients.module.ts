import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { PatientsService } from './patients.service';

@Module({ imports: [AlertsModule], providers: [PatientsService], exports: [PatientsService] })
export class PatientsModule {}
