import { Module } from '@nestjs/common';
import { AlertEvents } from './alert-events';
import { AlertStreamLog } from './alert-stream-log';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { EscalationPoliciesService } from './escalation-policies.service';
import { EscalationService } from './escalation.service';
import { WebhookSecretVault } from './webhook-secret-vault';

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
