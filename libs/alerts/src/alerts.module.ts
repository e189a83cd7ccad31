import { Module } from '@nestjs/common';
import { AlertEvents } from './alert-events';
import { AlertStreamLog } from './alert-stream-log';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const SERVICES = [AlertsService, AlertEvents, AlertStreamLog];

/**
 * Alerts, their events and stream. AlertsService's AlertEscalations comes from libs/escalation's
 * EscalationModule (global): every app that imports this imports that too.
 */
@Module({ providers: [AlertsRepository, ...SERVICES], exports: SERVICES })
export class AlertsModule {}
