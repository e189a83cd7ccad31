import { Module } from '@nestjs/common';
import { AuditEventsService } from './audit-events.service';
import { AuditTrail } from './audit-trail';

@Module({ providers: [AuditTrail, AuditEventsService], exports: [AuditTrail, AuditEventsService] })
export class AuditModule {}
