import { Global, Module } from '@nestjs/common';
import { AlertEscalations, AlertsModule } from '@taperwatch/alerts';
import { EscalationPoliciesService } from './escalation-policies.service';
import { EscalationRepository } from './escalation.repository';
import { EscalationService } from './escalation.service';
import { WebhookSecretVault } from './webhook-secret-vault';

/**
 * The escalation engine and the units' policies. Global so that AlertsService finds its
 * AlertEscalations (this engine) without libs/alerts importing libs/escalation, which imports it.
 */
@Global()
@Module({
  imports: [AlertsModule],
  providers: [
    EscalationRepository,
    EscalationService,
    EscalationPoliciesService,
    WebhookSecretVault,
    { provide: AlertEscalations, useExisting: EscalationService },
  ],
  exports: [EscalationService, EscalationPoliciesService, WebhookSecretVault, AlertEscalations],
})
export class EscalationModule {}
