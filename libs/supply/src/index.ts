export * from './dispensings.service';
export * from './fhir-dispense';
export * from './pharmacy-orders.service';
export * from './supply-reader.service';
export * from './supply-watch.service';
export * from './supply.module';
