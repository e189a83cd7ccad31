import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  MonitoringMode,
  PatientEntity,
  numberOrNull,
  preparedQuery,
} from '@taperwatch/persistence';

/** A patient as written: every column but the tenant and the erasure mark. */
export type PatientRecord = Omit<PatientEntity, 'tenantId' | 'erasedAt'>;

/** The columns a change of patient may set. */
export type PatientChanges = Partial<
  Pick<
    PatientEntity,
    'unitId' | 'timezone' | 'birthDate' | 'creatinineClearanceMlMin' | 'monitoring'
  >
>;

/** The patient columns a view reads (checked against the entity by test/data-access.e2e-spec.ts). */
export const PATIENT_COLUMNS = `id, tenant_id, external_id, unit_id, timezone, birth_date,
  creatinine_clearance_ml_min, monitoring, created_at, updated_at`;

/** A row of PATIENT_COLUMNS (snake_case; dates as text, numeric as text). */
interface PatientRow {
  id: string;
  tenant_id: string;
  external_id: string;
  unit_id: string;
  timezone: string;
  birth_date: string | null;
  creatinine_clearance_ml_min: string | null;
  monitoring: MonitoringMode;
  created_at: Date;
  updated_at: Date;
}

function patientFromRow(row: PatientRow): PatientEntity {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    externalId: row.external_id,
    unitId: row.unit_id,
    timezone: row.timezone,
    birthDate: row.birth_date,
    creatinineClearanceMlMin: numberOrNull(row.creatinine_clearance_ml_min),
    monitoring: row.monitoring,
    erasedAt: null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A change of monitoring mode applies to every dose not yet judged ($1 tenant, $2 patient, $3 the
 * new mode, $4 now): to outpatient, the pending doses are never missed (the watcher's delayed
 * checks and sweep then pass them by); to supervised, those due from now on lose that mark and
 * the watcher's next sweep arms them with their grace. Doses due while the patient was an
 * outpatient stay report-only (docs/decisions/0013-outpatient-watching.md).
 */
const REARM_PENDING_DOSES_SQL = `
UPDATE doses d
SET missed_after = CASE WHEN $3 = 'outpatient' THEN 'infinity'::timestamptz END,
    check_queued = false, updated_at = now()
FROM plans p
WHERE p.tenant_id = $1 AND p.patient_id = $2 AND d.plan_id = p.id AND d.status = 'scheduled'
  AND CASE WHEN $3 = 'outpatient' THEN d.missed_after IS DISTINCT FROM 'infinity'
           ELSE d.missed_after = 'infinity' AND d.due_at >= $4 END`;

/**
 * Every statement of the patients service (decision 0030). Creation and the read by id, which
 * every taper request and plan action makes, are named statements.
 */
@Injectable()
export class PatientsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Inserts the patient; answers its clearance as stored (numeric(6,1) rounds it). Throws pg's
   * unique violation when the tenant already has the externalId.
   */
  async insert(tenantId: string, record: PatientRecord): Promise<number | null> {
    // A new patient's updatedAt is its createdAt; millisecond columns keep them exactly.
    const [row] = await preparedQuery<{ creatinine_clearance_ml_min: string | null }>(
      this.dataSource.manager,
      'patient-insert',
      `INSERT INTO patients (id, tenant_id, external_id, unit_id, timezone, birth_date,
                             creatinine_clearance_ml_min, monitoring, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8) RETURNING creatinine_clearance_ml_min`,
      [
        record.id,
        tenantId,
        record.externalId,
        record.unitId,
        record.timezone,
        record.birthDate,
        record.creatinineClearanceMlMin,
        record.createdAt,
        record.monitoring,
      ],
    );
    return numberOrNull(row!.creatinine_clearance_ml_min);
  }

  /** The tenant's patient, unless unknown or erased (an erased patient is nobody's to read). */
  async findLive(tenantId: string, id: string): Promise<PatientEntity | null> {
    const [row] = await preparedQuery<PatientRow>(
      this.dataSource.manager,
      'patient-by-id',
      `SELECT ${PATIENT_COLUMNS} FROM patients WHERE id = $1 AND tenant_id = $2 AND erased_at IS NULL`,
      [id, tenantId],
    );
    return row ? patientFromRow(row) : null;
  }

  /** The patient by id alone, as it is now; throws when there is none. */
  get(id: string): Promise<PatientEntity> {
    return this.dataSource.getRepository(PatientEntity).findOneByOrFail({ id });
  }

  async update(
    manager: EntityManager,
    tenantId: string,
    id: string,
    changes: PatientChanges,
  ): Promise<void> {
    await manager.update(PatientEntity, { id, tenantId }, changes);
  }

  /** Re-arms the patient's doses not yet judged for its new monitoring mode. */
  async rearmPendingDoses(
    manager: EntityManager,
    tenantId: string,
    id: string,
    monitoring: MonitoringMode,
    now: Date,
  ): Promise<void> {
    await manager.query(REARM_PENDING_DOSES_SQL, [tenantId, id, monitoring, now]);
  }
}
