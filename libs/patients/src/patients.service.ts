import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { Principal, assertMayUseUnit, assertVisible } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import {
  MonitoringMode,
  PatientEntity,
  isUniqueViolation,
  numberOrNull,
  preparedQuery,
} from '@taperwatch/persistence';

export interface PatientInput {
  externalId: string;
  unitId: string;
  timezone?: string;
  birthDate?: string | null;
  creatinineClearanceMlMin?: number | null;
  /** Default supervised: a ward or clinic charts each dose. */
  monitoring?: MonitoringMode;
}

export type PatientPatch = Partial<Omit<PatientInput, 'externalId'>>;

export interface PatientView {
  id: string;
  externalId: string;
  unitId: string;
  timezone: string;
  birthDate: string | null;
  creatinineClearanceMlMin: number | null;
  monitoring: MonitoringMode;
  createdAt: string;
  updatedAt: string;
}

type PatientRecord = Omit<PatientEntity, 'tenantId' | 'erasedAt'>;

export function toPatientView(p: PatientRecord): PatientView {
  return {
    id: p.id,
    externalId: p.externalId,
    unitId: p.unitId,
    timezone: p.timezone,
    birthDate: p.birthDate,
    creatinineClearanceMlMin: p.creatinineClearanceMlMin,
    monitoring: p.monitoring,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

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

@Injectable()
export class PatientsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(PatientEntity);
  }

  async create(principal: Principal, input: PatientInput): Promise<PatientView> {
    assertMayUseUnit(principal, input.unitId);
    const now = this.clock.now();
    const record: PatientRecord = {
      id: randomUUID(),
      externalId: input.externalId,
      unitId: input.unitId,
      timezone: input.timezone ?? 'UTC',
      birthDate: input.birthDate ?? null,
      creatinineClearanceMlMin: input.creatinineClearanceMlMin ?? null,
      monitoring: input.monitoring ?? 'supervised',
      createdAt: now,
      updatedAt: now,
    };
    try {
      // The hot path of patient creation: one named statement, no ORM, and the view built from
      // what was written. Only the clearance comes back, as numeric(6,1) rounds it; the
      // timestamps are the clock's (millisecond columns keep them exactly).
      const [row] = await preparedQuery<{ creatinine_clearance_ml_min: string | null }>(
        this.dataSource.manager,
        'patient-insert',
        `INSERT INTO patients (id, tenant_id, external_id, unit_id, timezone, birth_date,
                               creatinine_clearance_ml_min, monitoring, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8) RETURNING creatinine_clearance_ml_min`,
        [
          record.id,
          principal.tenantId,
          record.externalId,
          record.unitId,
          record.timezone,
          record.birthDate,
          record.creatinineClearanceMlMin,
          now,
          record.monitoring,
        ],
      );
      record.creatinineClearanceMlMin = numberOrNull(row!.creatinine_clearance_ml_min);
      return toPatientView(record);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw ProblemException.conflict('A patient with this externalId already exists');
      }
      throw error;
    }
  }

  /** The patient if this caller may see it; 404 otherwise (another tenant's or unit's). */
  async findVisible(principal: Principal, id: string): Promise<PatientEntity> {
    // Read by every taper request and plan action: a named statement, no entity hydration.
    const [row] = await preparedQuery<PatientRow>(
      this.dataSource.manager,
      'patient-by-id',
      // An erased patient is nobody's to read or change (docs/decisions/0023-patient-erasure.md).
      `SELECT ${PATIENT_COLUMNS} FROM patients WHERE id = $1 AND tenant_id = $2 AND erased_at IS NULL`,
      [id, principal.tenantId],
    );
    return assertVisible(principal, row ? patientFromRow(row) : null, 'Patient');
  }

  async get(principal: Principal, id: string): Promise<PatientView> {
    return toPatientView(await this.findVisible(principal, id));
  }

  async update(principal: Principal, id: string, patch: PatientPatch): Promise<PatientView> {
    const patient = await this.findVisible(principal, id);
    if (patch.unitId !== undefined) assertMayUseUnit(principal, patch.unitId);
    const changes = Object.fromEntries(
      Object.entries(patch).filter(([, value]) => value !== undefined),
    ) as PatientPatch;
    if (Object.keys(changes).length === 0) return toPatientView(patient);
    const moved = changes.unitId !== undefined && changes.unitId !== patient.unitId;
    const monitoring =
      changes.monitoring !== undefined && changes.monitoring !== patient.monitoring
        ? changes.monitoring
        : null;
    // A move to another unit takes the patient's live alerts along in the same transaction, so
    // no moment exists where the new unit's nurses see the patient and not the alerts.
    const afterCommit = await this.dataSource.transaction(async (manager) => {
      await manager.update(PatientEntity, { id, tenantId: principal.tenantId }, changes);
      if (monitoring) {
        await manager.query(REARM_PENDING_DOSES_SQL, [
          principal.tenantId,
          id,
          monitoring,
          this.clock.now(),
        ]);
      }
      return moved
        ? this.alerts.movePatient(manager, principal.tenantId, id, changes.unitId!)
        : null;
    });
    await afterCommit?.();
    return toPatientView(await this.repo.findOneByOrFail({ id }));
  }
}
