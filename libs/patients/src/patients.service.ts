import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal, assertMayUseUnit, assertVisible } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { PatientEntity, isUniqueViolation } from '@taperwatch/persistence';

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

export function toPatientView(p: PatientEntity): PatientView {
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

@Injectable()
export class PatientsService {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(PatientEntity);
  }

  async create(principal: Principal, input: PatientInput): Promise<PatientView> {
    assertMayUseUnit(principal, input.unitId);
    try {
      // Plain SQL: the hot path of patient creation is one round trip with no ORM query building.
      const [row] = (await this.dataSource.query(
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
      )) as Record<string, unknown>[];
      return toPatientView(this.repo.create(this.fromRaw(row!)));
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

  /** Maps a RETURNING * row (snake_case) onto the entity's properties. */
  private fromRaw(raw: Record<string, unknown>): Partial<PatientEntity> {
    const clearance = raw.creatinine_clearance_ml_min as string | null;
    return {
      id: raw.id as string,
      tenantId: raw.tenant_id as string,
      externalId: raw.external_id as string,
      unitId: raw.unit_id as string,
      timezone: raw.timezone as string,
      birthDate: raw.birth_date as string | null,
      creatinineClearanceMlMin: clearance === null ? null : Number(clearance),
      createdAt: raw.created_at as Date,
      updatedAt: raw.updated_at as Date,
    };
  }
}
