export * from './patients.repository';
export * from './patients.service';
export * from './patients.module';
export * from './patient-erasure.service';
