export * from './plan-context';
export * from './watch.service';
export * from './outpatient-watch.service';
export * from './dose-recording.service';
export * from './watch.module';
export * from './record-dose.sql';
export * from './recording-writer';
export * from './worklist.service';
