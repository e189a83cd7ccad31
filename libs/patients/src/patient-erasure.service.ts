import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { Principal, assertVisible } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';

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

/**
 * Erasure (docs/decisions/0023-patient-erasure.md): the patient's identifiers go from every table
 * that held them, the patient id stays as the pseudonym under which clinical rows are kept (or
 * deleted, as ERASURE_CLINICAL_RECORDS says), and the audit trail, which never held an
 * identifier, is left whole so its chain still verifies.
 */
@Injectable()
export class PatientErasureService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Erases the patient; a second call finds it erased and does nothing. 404 when unknown. */
  async erase(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [patient] = (await manager.query(
        `SELECT id, unit_id AS "unitId", external_id AS "externalId", erased_at AS "erasedAt"
         FROM patients WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
        [id, principal.tenantId],
      )) as { id: string; unitId: string; externalId: string; erasedAt: Date | null }[];
      const found = assertVisible(principal, patient ?? null, 'Patient');
      if (found.erasedAt) return;
      await this.refuseWhileWatched(manager, principal.tenantId, id);
      await this.removeIdentifiers(manager, principal.tenantId, id, found.externalId);
      if (this.config.ERASURE_CLINICAL_RECORDS === 'delete') {
        for (const sql of DELETE_CLINICAL_RECORDS)
          await manager.query(sql, [principal.tenantId, id]);
      }
    });
  }

  private async refuseWhileWatched(manager: EntityManager, tenantId: string, id: string) {
    const live = (await manager.query(
      `SELECT 1 FROM plans WHERE tenant_id = $1 AND patient_id = $2 AND status = ANY($3) LIMIT 1`,
      [tenantId, id, LIVE_PLAN_STATUSES],
    )) as unknown[];
    if (live.length > 0) {
      // Erasing would leave doses watched for a patient nobody can name: end the plan first.
      throw ProblemException.conflict(
        'The patient has a proposed, active or paused plan: cancel it before erasing the patient',
      );
    }
  }

  private async removeIdentifiers(
    manager: EntityManager,
    tenantId: string,
    id: string,
    externalId: string,
  ): Promise<void> {
    const now = this.clock.now();
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
}
