import { Module } from '@nestjs/common';
import { AlertEvents } from './alert-events';
import { AlertsService } from './alerts.service';

@Module({ providers: [AlertsService, AlertEvents], exports: [AlertsService, AlertEvents] })
export class AlertsModule {}
