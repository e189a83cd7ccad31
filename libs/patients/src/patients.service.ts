import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal, assertMayUseUnit, assertVisible } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { PatientEntity, isUniqueViolation, preparedQuery } from '@taperwatch/persistence';

export interface PatientInput {
  externalId: string;
  unitId: string;
  timezone?: string;
  birthDate?: string | null;
  creatinineClearanceMlMin?: number | null;
}

export type PatientPatch = Partial<Omit<PatientInput, 'externalId'>>;

export interface PatientView {
  id: string;
  externalId: string;
  unitId: string;
  timezone: string;
  birthDate: string | null;
  creatinineClearanceMlMin: number | null;
  createdAt: string;
  updatedAt: string;
}

type PatientRecord = Omit<PatientEntity, 'tenantId'>;

export function toPatientView(p: PatientRecord): PatientView {
  return {
    id: p.id,
    externalId: p.externalId,
    unitId: p.unitId,
    timezone: p.timezone,
    birthDate: p.birthDate,
    creatinineClearanceMlMin: p.creatinineClearanceMlMin,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** A RETURNING * row of patients (snake_case; numeric arrives as text). */
interface PatientRow {
  id: string;
  external_id: string;
  unit_id: string;
  timezone: string;
  birth_date: string | null;
  creatinine_clearance_ml_min: string | null;
  created_at: Date;
  updated_at: Date;
}

function fromRow(row: PatientRow): PatientRecord {
  const clearance = row.creatinine_clearance_ml_min;
  return {
    id: row.id,
    externalId: row.external_id,
    unitId: row.unit_id,
    timezone: row.timezone,
    birthDate: row.birth_date,
    creatinineClearanceMlMin: clearance === null ? null : Number(clearance),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

@Injectable()
export class PatientsService {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(PatientEntity);
  }

  async create(principal: Principal, input: PatientInput): Promise<PatientView> {
    assertMayUseUnit(principal, input.unitId);
    try {
      // A named statement on the pool: the hot path of patient creation is one round trip with
      // no ORM query building.
      const [row] = await preparedQuery<PatientRow>(
        this.dataSource,
        'patient-insert',
        `INSERT INTO patients (id, tenant_id, external_id, unit_id, timezone, birth_date,
                               creatinine_clearance_ml_min)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [
          randomUUID(),
          principal.tenantId,
          input.externalId,
          input.unitId,
          input.timezone ?? 'UTC',
          input.birthDate ?? null,
          input.creatinineClearanceMlMin ?? null,
        ],
      );
      return toPatientView(fromRow(row!));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw ProblemException.conflict('A patient with this externalId already exists');
      }
      throw error;
    }
  }

  /** The patient if this caller may see it; 404 otherwise (another tenant's or unit's). */
  async findVisible(principal: Principal, id: string): Promise<PatientEntity> {
    const patient = await this.repo.findOneBy({ id, tenantId: principal.tenantId });
    return assertVisible(principal, patient, 'Patient');
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
    await this.repo.update({ id, tenantId: principal.tenantId }, changes);
    return toPatientView(await this.repo.findOneByOrFail({ id }));
  }
}
