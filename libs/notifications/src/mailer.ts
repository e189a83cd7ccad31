import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { findDrug } from '@taperwatch/domain';
import type { AlertView } from '@taperwatch/alerts';
import type { SendResult } from './webhook-sender';

const TYPE_LABELS: Record<AlertView['type'], string> = {
  missed_dose: 'Missed dose',
  abrupt_cessation_risk: 'Risk of abrupt cessation',
  withdrawal_symptoms: 'Withdrawal symptoms',
  no_contact: 'No report from the patient',
  supply_low: 'Supply running out',
};

/**
 * What the recipient needs to act and no more: unit, drug, what happened, and the board link.
 * Never a patient name, birth date or external id (e-mail leaves the hospital's systems); the
 * board shows who it concerns to signed-in staff.
 */
export function alertEmail(
  alert: AlertView,
  drugCode: string | null,
  boardUrl: string,
): { subject: string; text: string } {
  const drug = drugCode ? (findDrug(drugCode)?.name ?? drugCode) : 'unknown';
  const label = TYPE_LABELS[alert.type];
  const escalated = alert.level > 0 ? ` (escalation level ${alert.level})` : '';
  const link = `${boardUrl}?alert=${encodeURIComponent(alert.id)}`;
  return {
    subject: `[taperwatch] ${alert.severity.toUpperCase()}: ${label}, unit ${alert.unitId}${escalated}`,
    text: [
      `Unit: ${alert.unitId}`,
      `Drug: ${drug}`,
      `What happened: ${label}. ${alert.message}`,
      `Severity: ${alert.severity}`,
      `Raised: ${alert.createdAt}`,
      alert.level > 0 ? `Not acknowledged yet: escalation level ${alert.level}.` : '',
      '',
      `Acknowledge it on the ward board: ${link}`,
    ]
      .filter((line, i, all) => line !== '' || all[i - 1] !== '')
      .join('\n'),
  };
}

/** SMTP through nodemailer; one pooled transport per process, made on first use. */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private transport?: Transporter;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(to: string, mail: { subject: string; text: string }): Promise<SendResult> {
    if (!this.config.SMTP_URL) {
      return { outcome: 'refused', error: 'SMTP_URL is not set: e-mail cannot be sent' };
    }
    const timeout = this.config.WEBHOOK_TIMEOUT_MS * 2;
    this.transport ??= nodemailer.createTransport({
      url: this.config.SMTP_URL,
      pool: true,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    try {
      await this.transport.sendMail({ from: this.config.MAIL_FROM, to, ...mail });
      return { outcome: 'delivered', status: 250 };
    } catch (error) {
      const e = error as Error & { responseCode?: number; code?: string };
      return {
        outcome: 'failed',
        ...(e.responseCode ? { status: e.responseCode } : {}),
        error: `${e.code ?? e.name}: ${e.message}`.slice(0, 500),
      };
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
