import { Module } from '@nestjs/common';
import { AlertEvents } from './alert-events';
import { AlertStreamLog } from './alert-stream-log';
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

@Module({ providers: SERVICES, exports: SERVICES })
export class AlertsModule {}
