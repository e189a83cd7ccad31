import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DosesModule } from '@taperwatch/doses';
import { PatientsModule } from '@taperwatch/patients';
import { PlansModule } from '@taperwatch/plans';
import { DispensingsService } from './dispensings.service';
import { PharmacyOrdersService } from './pharmacy-orders.service';
import { SupplyReader } from './supply-reader.service';
import { SupplyWatchService } from './supply-watch.service';
import { SupplyRepository } from './supply.repository';

const SERVICES = [SupplyReader, DispensingsService, SupplyWatchService, PharmacyOrdersService];

/** Dispensings, the supply watch and pharmacy orders. */
@Module({
  imports: [PatientsModule, PlansModule, DosesModule, AlertsModule],
  providers: [SupplyRepository, ...SERVICES],
  exports: SERVICES,
})
export class SupplyModule {}
