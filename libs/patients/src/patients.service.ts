import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { Principal, assertMayUseUnit, assertVisible } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { MonitoringMode, PatientEntity, isUniqueViolation } from '@taperwatch/persistence';
import { PatientRecord, PatientsRepository } from './patients.repository';

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

@Injectable()
export class PatientsService {
  constructor(
    private readonly repository: PatientsRepository,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
  ) {}

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
      // what was written. Only the clearance comes back, as the column rounds it.
      record.creatinineClearanceMlMin = await this.repository.insert(principal.tenantId, record);
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
    // Read by every taper request and plan action: a named statement, no entity hydration. An
    // erased patient is nobody's to read or change (docs/decisions/0023-patient-erasure.md).
    const patient = await this.repository.findLive(principal.tenantId, id);
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
    const moved = changes.unitId !== undefined && changes.unitId !== patient.unitId;
    const monitoring =
      changes.monitoring !== undefined && changes.monitoring !== patient.monitoring
        ? changes.monitoring
        : null;
    // A move to another unit takes the patient's live alerts along in the same transaction, so
    // no moment exists where the new unit's nurses see the patient and not the alerts.
    const afterCommit = await this.repository.transaction(async (manager) => {
      await this.repository.update(manager, principal.tenantId, id, changes);
      if (monitoring) {
        await this.repository.rearmPendingDoses(
          manager,
          principal.tenantId,
          id,
          monitoring,
          this.clock.now(),
        );
      }
      return moved
        ? this.alerts.movePatient(manager, principal.tenantId, id, changes.unitId!)
        : null;
    });
    await afterCommit?.();
    return toPatientView(await this.repository.get(id));
  }
}
