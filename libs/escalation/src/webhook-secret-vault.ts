import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig, parseEncryptionKey } from '@taperwatch/config';
import { ProblemException } from '@taperwatch/http';
import { EscalationRepository, StoredSecrets } from './escalation.repository';
import { isSealed, open, seal } from './secret-box';

const SETTING = 'WEBHOOK_SECRET_ENCRYPTION_KEY';

function contextOf(tenantId: string, unitId: string): string {
  return `escalation_policies/${tenantId}/${unitId}`;
}

/**
 * Escalation policies' webhook signing secrets, encrypted at rest under
 * WEBHOOK_SECRET_ENCRYPTION_KEY. At start it encrypts any secret still stored in plaintext
 * (rows written before encryption existed) and refuses to start when secrets are stored but the
 * key is missing or does not open them (docs/decisions/0020).
 */
@Injectable()
export class WebhookSecretVault implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookSecretVault.name);
  private readonly key?: Buffer;

  constructor(
    private readonly repository: EscalationRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.key = parseEncryptionKey(config.WEBHOOK_SECRET_ENCRYPTION_KEY);
  }

  /** The stored form of a policy's secret; 503 naming the setting when there is no key. */
  seal(tenantId: string, unitId: string, secret: string): string {
    if (!this.key) {
      throw ProblemException.of(
        503,
        `Webhook signing secrets cannot be stored: ${SETTING} is not set on this server`,
      );
    }
    return seal(this.key, secret, contextOf(tenantId, unitId));
  }

  open(tenantId: string, unitId: string, stored: string): string {
    if (!this.key) throw new Error(`${SETTING} is not set; webhook secrets cannot be read`);
    return open(this.key, stored, contextOf(tenantId, unitId));
  }

  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.repository.storedSecrets();
    if (rows.length === 0) return;
    const key = this.key;
    if (!key) {
      throw new Error(
        `${SETTING} is missing: ${rows.length} escalation policies hold webhook signing secrets, ` +
          'which are kept encrypted under it (32 random bytes, base64 or hex)',
      );
    }
    const sealed = rows.find((row) => isSealed(row.webhook_secret));
    if (sealed) this.assertOpens(sealed);
    let encrypted = 0;
    for (const row of rows) {
      if (isSealed(row.webhook_secret) && !isPlain(row.previous_webhook_secret)) continue;
      encrypted += await this.encryptRow(row);
    }
    if (encrypted > 0) {
      this.logger.warn({ policies: encrypted }, 'encrypted plaintext webhook signing secrets');
    }
  }

  private assertOpens(row: StoredSecrets): void {
    try {
      this.open(row.tenant_id, row.unit_id, row.webhook_secret);
    } catch {
      throw new Error(
        `${SETTING} does not decrypt the stored webhook signing secrets (is it the key they were ` +
          'encrypted with?)',
      );
    }
  }

  /** Conditional on the values read, so two processes starting together encrypt once. */
  private encryptRow(row: StoredSecrets): Promise<number> {
    // Both slots of one policy are sealed under the same context.
    const sealOf = (value: string) =>
      isSealed(value) ? value : this.seal(row.tenant_id, row.unit_id, value);
    return this.repository.resealSecrets(row, {
      current: sealOf(row.webhook_secret),
      previous: row.previous_webhook_secret === null ? null : sealOf(row.previous_webhook_secret),
    });
  }
}

function isPlain(value: string | null): boolean {
  return value !== null && !isSealed(value);
}
