export * from './patients.service';
export * from './patients.module';
