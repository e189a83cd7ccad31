import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import { PatientEntity, PlanEntity, PlanStatus } from '@taperwatch/persistence';
import { PlanView, toPlanView } from './plan-view';

export interface PlanListQuery {
  patientId?: string;
  status?: PlanStatus;
  limit: number;
  cursor?: string;
}

@Injectable()
export class PlansService {
  constructor(private readonly dataSource: DataSource) {}

  /** The plan if this caller may see its patient's unit; 404 otherwise. */
  async findVisible(principal: Principal, id: string): Promise<PlanEntity & { unitId: string }> {
    const row = await this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .innerJoin(PatientEntity, 'patient', 'patient.id = plan.patient_id')
      .addSelect('patient.unit_id', 'unit_id')
      .where('plan.id = :id AND plan.tenant_id = :tenantId', { id, tenantId: principal.tenantId })
      .getRawAndEntities();
    const plan = row.entities[0];
    const unitId = (row.raw[0] as { unit_id?: string } | undefined)?.unit_id;
    return assertVisible(
      principal,
      plan && unitId ? Object.assign(plan, { unitId }) : null,
      'Plan',
    );
  }

  /** findVisible's 404 without loading the plan (its steps and rationale can be large). */
  async assertVisible(principal: Principal, id: string): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT pt.unit_id AS "unitId" FROM plans p JOIN patients pt ON pt.id = p.patient_id
       WHERE p.id = $1 AND p.tenant_id = $2`,
      [id, principal.tenantId],
    )) as { unitId: string }[];
    assertVisible(principal, row, 'Plan');
  }

  async get(principal: Principal, id: string): Promise<PlanView> {
    return toPlanView(await this.findVisible(principal, id));
  }

  /** Newest first, keyset-paginated, limited to the caller's units. */
  async list(principal: Principal, query: PlanListQuery): Promise<Page<PlanView>> {
    const qb = this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .innerJoin(PatientEntity, 'patient', 'patient.id = plan.patient_id')
      .where('plan.tenant_id = :tenantId', { tenantId: principal.tenantId });
    if (principal.unitFilter) {
      qb.andWhere('patient.unit_id IN (:...units)', { units: principal.unitFilter });
    }
    if (query.patientId)
      qb.andWhere('plan.patient_id = :patientId', { patientId: query.patientId });
    if (query.status) qb.andWhere('plan.status = :status', { status: query.status });
    const after = decodeCursor(query.cursor);
    if (after) {
      qb.andWhere('(plan.created_at, plan.id) < (:at, :id)', { at: after.createdAt, id: after.id });
    }
    const rows = await qb
      .orderBy('plan.created_at', 'DESC')
      .addOrderBy('plan.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    return toPage(rows, query.limit, toPlanView);
  }
}
