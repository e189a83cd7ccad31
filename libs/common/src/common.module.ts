import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** What tests may replace when they build an app (everything optional). */
export interface AppOverrides {
  /** A ManualClock, so tests can move time without sleeping. */
  clock?: Clock;
  /** Where the app's log lines go instead of stdout, so tests can read what would be logged. */
  logDestination?: { write(line: string): void };
}

@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class CommonModule {
  /** The module with the given clock instead of the system's. */
  static forRoot(overrides: AppOverrides = {}): DynamicModule {
    if (!overrides.clock) return { module: CommonModule };
    return {
      module: CommonModule,
      providers: [{ provide: Clock, useValue: overrides.clock }],
      exports: [Clock],
    };
  }
}
