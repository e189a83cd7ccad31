import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRef, actorRefsOf } from '@taperwatch/auth';
import {
  AlertType,
  DispensingEntity,
  PatientEntity,
  PlanEntity,
  newestFirst,
} from '@taperwatch/persistence';

/** Plans whose doses are still given: a supply is counted against these. */
const IN_FORCE: PlanEntity['status'][] = ['active', 'paused'];

/** A dispensing to store: every column but the creation time, which the database sets. */
export type NewDispensing = Omit<DispensingEntity, 'createdAt'>;

/** One supply alert of a plan's drug for one run-out. */
export interface SupplyAlertKey {
  planId: string;
  drugCode: string;
  type: AlertType;
  runsOutAt: Date;
}

/** Every statement of dispensings and the supply watch (decision 0030). */
@Injectable()
export class SupplyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The patient's plans in force, oldest first. */
  plansInForce(tenantId: string, patientId: string): Promise<PlanEntity[]> {
    return this.dataSource.getRepository(PlanEntity).find({
      where: IN_FORCE.map((status) => ({ tenantId, patientId, status })),
      order: { createdAt: 'ASC' },
    });
  }

  /** The course's superseded versions, oldest first. */
  supersededVersions(requestId: string): Promise<PlanEntity[]> {
    return this.dataSource.getRepository(PlanEntity).find({
      where: { requestId, status: 'superseded' },
      order: { version: 'ASC' },
    });
  }

  /** The plans in force whose patient has any dispensing: those the supply watch looks at. */
  plansInForceWithDispensings(): Promise<PlanEntity[]> {
    return this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('p')
      .where(`p.status IN ('active', 'paused')`)
      .andWhere('EXISTS (SELECT 1 FROM dispensings d WHERE d.patient_id = p.patient_id)')
      .getMany();
  }

  patient(id: string): Promise<PatientEntity> {
    return this.dataSource.getRepository(PatientEntity).findOneByOrFail({ id });
  }

  /** The patient's dispensings (of one drug, if named), in the order they were dispensed. */
  dispensings(tenantId: string, patientId: string, drugCode?: string): Promise<DispensingEntity[]> {
    return this.dataSource.getRepository(DispensingEntity).find({
      where: { tenantId, patientId, ...(drugCode ? { drugCode } : {}) },
      order: { dispensedAt: 'ASC', id: 'ASC' },
    });
  }

  /** Throws the unique violation of dispensings_fhir_id_key for a MedicationDispense seen before. */
  async insertDispensing(dispensing: NewDispensing): Promise<void> {
    const repo = this.dataSource.getRepository(DispensingEntity);
    await repo.insert(repo.create(dispensing));
  }

  /** The patient's dispensings, newest recorded first, from after the cursor on. */
  listDispensings(
    tenantId: string,
    patientId: string,
    after: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<DispensingEntity[]> {
    const qb = this.dataSource
      .getRepository(DispensingEntity)
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenant AND d.patient_id = :patient', {
        tenant: tenantId,
        patient: patientId,
      });
    return newestFirst(qb, 'd', after, limit);
  }

  /** Who each recorder id names. */
  recorders(ids: readonly string[]): Promise<Map<string, ActorRef>> {
    return actorRefsOf(this.dataSource, ids);
  }

  async supplyAlertRaised(alert: SupplyAlertKey): Promise<boolean> {
    const [done] = (await this.dataSource.query(
      `SELECT 1 FROM supply_alerts WHERE plan_id = $1 AND drug_code = $2 AND type = $3 AND runs_out_at = $4`,
      [alert.planId, alert.drugCode, alert.type, alert.runsOutAt],
    )) as unknown[];
    return done !== undefined;
  }

  /** Remembers that the alert was raised for this run-out (a second record is a no-op). */
  async rememberSupplyAlert(alert: SupplyAlertKey, alertId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO supply_alerts (plan_id, drug_code, type, runs_out_at, alert_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [alert.planId, alert.drugCode, alert.type, alert.runsOutAt, alertId],
    );
  }
}
