import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Claims hookInstance for this call; nothing comes back when another call holds it. A claim left
 * unanswered for a minute (its process died mid-answer) is taken over, so a retry is not refused
 * for ever.
 */
const CLAIM_SQL = `
INSERT INTO cds_hook_answers (issuer, hook_instance, tenant_id, service_id, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (issuer, hook_instance) DO UPDATE SET created_at = EXCLUDED.created_at
  WHERE cds_hook_answers.cards IS NULL
    AND cds_hook_answers.created_at < EXCLUDED.created_at - interval '1 minute'
RETURNING hook_instance`;

/** A patient of the tenant by the EHR's identifier (erased patients have none). */
const PATIENT_SQL = `
SELECT id, timezone, birth_date AS "birthDate", creatinine_clearance_ml_min AS "clearance"
FROM patients WHERE tenant_id = $1 AND external_id = $2 AND erased_at IS NULL`;

/** The patient a hook's identifier names, with what planning needs of it. */
export interface MatchedPatient {
  id: string;
  timezone: string;
  birthDate: string | null;
  clearance: string | null;
}

/** One hookInstance: the EHR that sent it (its issuer) and the instance id. */
export interface HookInstanceRef {
  issuer: string;
  hookInstance: string;
}

/** One card's outcome as the EHR reported it. */
export interface FeedbackRow {
  tenantId: string;
  issuer: string;
  serviceId: string;
  cardUuid: string;
  outcome: string;
  /** JSON text of the accepted suggestions' ids, or null. */
  acceptedSuggestions: string | null;
  /** JSON text of the override reason, or null. */
  overrideReason: string | null;
  outcomeAt: Date;
  recordedBy: string;
  receivedAt: Date;
}

/** Every statement of the CDS Hooks service (decision 0030). */
@Injectable()
export class CdsHooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Claims the hookInstance for this call; false when another call holds it. */
  async claim(
    instance: HookInstanceRef,
    tenantId: string,
    serviceId: string,
    now: Date,
  ): Promise<boolean> {
    const claimed = (await this.dataSource.query(CLAIM_SQL, [
      instance.issuer,
      instance.hookInstance,
      tenantId,
      serviceId,
      now,
    ])) as unknown[];
    return claimed.length > 0;
  }

  /** Keeps the answer a repeat of the hookInstance gets, and the taper requests it made. */
  async keepAnswer(
    instance: HookInstanceRef,
    cards: readonly unknown[],
    requestIds: readonly string[],
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE cds_hook_answers SET cards = $3, taper_request_ids = $4
       WHERE issuer = $1 AND hook_instance = $2`,
      [instance.issuer, instance.hookInstance, JSON.stringify(cards), requestIds],
    );
  }

  /** The cards kept for the hookInstance: null while an earlier call is still answering it. */
  async keptAnswer(instance: HookInstanceRef): Promise<unknown[] | null> {
    const [row] = (await this.dataSource.query(
      `SELECT cards FROM cds_hook_answers
       WHERE issuer = $1 AND hook_instance = $2`,
      [instance.issuer, instance.hookInstance],
    )) as { cards: unknown[] | null }[];
    return row?.cards ?? null;
  }

  /** Frees an unanswered claim of the hookInstance. */
  async release(instance: HookInstanceRef): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM cds_hook_answers WHERE issuer = $1 AND hook_instance = $2 AND cards IS NULL`,
      [instance.issuer, instance.hookInstance],
    );
  }

  async patientByExternalId(
    tenantId: string,
    externalId: string,
  ): Promise<MatchedPatient | undefined> {
    const [row] = (await this.dataSource.query(PATIENT_SQL, [
      tenantId,
      externalId,
    ])) as MatchedPatient[];
    return row;
  }

  /** Stores the cards' outcomes in one statement. */
  async insertFeedback(rows: readonly FeedbackRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((row, i) => {
      const base = i * 10;
      values.push(
        row.tenantId,
        row.issuer,
        row.serviceId,
        row.cardUuid,
        row.outcome,
        row.acceptedSuggestions,
        row.overrideReason,
        row.outcomeAt,
        row.recordedBy,
        row.receivedAt,
      );
      return `(${Array.from({ length: 10 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await this.dataSource.query(
      `INSERT INTO cds_hook_feedback (tenant_id, issuer, service_id, card_uuid, outcome,
         accepted_suggestions, override_reason, outcome_at, recorded_by, received_at)
       VALUES ${tuples.join(', ')}`,
      values,
    );
  }
}
