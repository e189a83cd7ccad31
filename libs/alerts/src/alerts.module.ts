import { Module } from '@nestjs/common';
import {
  EscalationPoliciesService,
  EscalationService,
  WebhookSecretVault,
} from '@taperwatch/escalation';
import { AlertEvents } from './alert-events';
import { AlertStreamLog } from './alert-stream-log';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const SERVICES = [
  AlertsService,
  AlertEvents,
  AlertStreamLog,
  EscalationService,
  EscalationPoliciesService,
  WebhookSecretVault,
];

@Module({ providers: [AlertsRepository, ...SERVICES], exports: SERVICES })
export class AlertsModule {}
