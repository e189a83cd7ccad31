import { Module } from '@nestjs/common';
import { AuditEventsService } from './audit-events.service';
import { AuditTrail } from './audit-trail';
import { AuditRepository } from './audit.repository';

@Module({
  providers: [AuditRepository, AuditTrail, AuditEventsService],
  exports: [AuditTrail, AuditEventsService],
})
export class AuditModule {}
