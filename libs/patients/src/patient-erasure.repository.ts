import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Plans still to be watched (or approved and then watched): erasure waits for them to end. */
const LIVE_PLAN_STATUSES = ['proposed', 'active', 'paused'];

/**
 * A patient's clinical rows, children first ($1 tenant, $2 patient). Used only when
 * ERASURE_CLINICAL_RECORDS=delete; the audit trail is never among them (it holds ids only).
 */
const DELETE_CLINICAL_RECORDS = [
  `DELETE FROM delivery_attempts WHERE delivery_id IN (
     SELECT d.id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
     WHERE a.tenant_id = $1 AND a.patient_id = $2)`,
  `DELETE FROM alert_deliveries WHERE alert_id IN (
     SELECT id FROM alerts WHERE tenant_id = $1 AND patient_id = $2)`,
  `DELETE FROM alert_escalations WHERE alert_id IN (
     SELECT id FROM alerts WHERE tenant_id = $1 AND patient_id = $2)`,
  `DELETE FROM supply_alerts WHERE plan_id IN (
     SELECT id FROM plans WHERE tenant_id = $1 AND patient_id = $2)`,
  // The stream's copies of the patient's alert events (kept for boards resuming).
  `DELETE FROM alert_stream_events WHERE tenant_id = $1 AND alert->>'patientId' = $2::text`,
  `DELETE FROM alerts WHERE tenant_id = $1 AND patient_id = $2`,
  `DELETE FROM symptom_checks WHERE patient_id = $2 AND plan_id IN (
     SELECT id FROM plans WHERE tenant_id = $1 AND patient_id = $2)`,
  `DELETE FROM doses WHERE patient_id = $2 AND plan_id IN (
     SELECT id FROM plans WHERE tenant_id = $1 AND patient_id = $2)`,
  `DELETE FROM plan_transitions WHERE plan_id IN (
     SELECT id FROM plans WHERE tenant_id = $1 AND patient_id = $2)`,
  `DELETE FROM plans WHERE tenant_id = $1 AND patient_id = $2`,
  `DELETE FROM taper_requests WHERE tenant_id = $1 AND patient_id = $2`,
  `DELETE FROM dispensings WHERE tenant_id = $1 AND patient_id = $2`,
];

/** The patient as erasure reads it, under lock. */
export interface ErasedPatientRow {
  id: string;
  unitId: string;
  externalId: string;
  erasedAt: Date | null;
}

/**
 * The statements of a patient's erasure (docs/decisions/0023-patient-erasure.md, decision 0030),
 * each on the erasure's transaction.
 */
@Injectable()
export class PatientErasureRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The tenant's patient, erased or not, locked until the transaction ends. */
  async lockPatient(
    manager: EntityManager,
    tenantId: string,
    id: string,
  ): Promise<ErasedPatientRow | null> {
    const [patient] = (await manager.query(
      `SELECT id, unit_id AS "unitId", external_id AS "externalId", erased_at AS "erasedAt"
       FROM patients WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
      [id, tenantId],
    )) as ErasedPatientRow[];
    return patient ?? null;
  }

  /** Whether the patient has a proposed, active or paused plan. */
  async hasLivePlan(manager: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const live = (await manager.query(
      `SELECT 1 FROM plans WHERE tenant_id = $1 AND patient_id = $2 AND status = ANY($3) LIMIT 1`,
      [tenantId, id, LIVE_PLAN_STATUSES],
    )) as unknown[];
    return live.length > 0;
  }

  /** Removes the patient's identifiers from every table that held them, marking it erased. */
  async removeIdentifiers(
    manager: EntityManager,
    tenantId: string,
    id: string,
    externalId: string,
    now: Date,
  ): Promise<void> {
    // The externalId stays unique per tenant, so the pseudonym is derived from the id.
    await manager.query(
      `UPDATE patients SET external_id = 'erased:' || id::text, birth_date = NULL,
         erased_at = $3, updated_at = $3
       WHERE id = $1 AND tenant_id = $2`,
      [id, tenantId, now],
    );
    // Stored first responses (a created patient's body holds its identifiers) and their paths.
    await manager.query(
      `DELETE FROM idempotency_keys WHERE tenant_id = $1
         AND (strpos(response_body::text, $2) > 0 OR strpos(response_body::text, $3) > 0
              OR strpos(path, $2) > 0)`,
      [tenantId, id, externalId],
    );
    // The caller's correlation id may be their own reference for the patient.
    await manager.query(
      `UPDATE taper_requests SET correlation_id = NULL, updated_at = $3
       WHERE tenant_id = $1 AND patient_id = $2 AND correlation_id IS NOT NULL`,
      [tenantId, id, now],
    );
    // A stored CDS Hooks answer names the EHR's own id for the patient (its suggestion's subject).
    await manager.query(
      `DELETE FROM cds_hook_answers WHERE tenant_id = $1 AND taper_request_ids && ARRAY(
         SELECT r.id FROM taper_requests r WHERE r.tenant_id = $1 AND r.patient_id = $2)`,
      [tenantId, id],
    );
    // A link would otherwise keep showing an erased patient's doses to whoever holds it.
    await manager.query(
      `UPDATE patient_links SET revoked_at = $3
       WHERE tenant_id = $1 AND patient_id = $2 AND revoked_at IS NULL`,
      [tenantId, id, now],
    );
  }

  /** Deletes the patient's clinical rows, children first. */
  async deleteClinicalRecords(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    for (const sql of DELETE_CLINICAL_RECORDS) await manager.query(sql, [tenantId, id]);
  }
}
