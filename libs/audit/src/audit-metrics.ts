import { Counter } from 'prom-client';
import { metricsRegistry } from '@taperwatch/observability';

export const auditRowsWritten = new Counter({
  name: 'taperwatch_audit_rows_written_total',
  help: 'Audit rows appended to the chain',
  registers: [metricsRegistry],
});

export const auditRowsDropped = new Counter({
  name: 'taperwatch_audit_rows_dropped_total',
  help: 'Audit rows dropped because the buffer was full while the database refused them (0 normally)',
  registers: [metricsRegistry],
});
