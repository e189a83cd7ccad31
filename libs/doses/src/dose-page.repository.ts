import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRef, actorRefsOf } from '@taperwatch/auth';
import { decodeCursor } from '@taperwatch/http';
import { DoseStatus, preparedQuery } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow } from './dose-view';

export interface DoseListQuery {
  from?: string;
  to?: string;
  status?: DoseStatus;
  limit: number;
  cursor?: string;
}

/** The dose page's statements (decision 0030): PlanDosesService decides, this reads. */
@Injectable()
export class DosePageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The unit of the plan's patient, when the plan is the tenant's: what a unit-scope check
   * needs (the same answer as PlansService.assertVisible's), without loading the plan.
   */
  async planUnit(planId: string, tenantId: string): Promise<{ unitId: string } | undefined> {
    const [row] = await preparedQuery<{ unitId: string }>(
      this.dataSource.manager,
      'dose-plan-unit',
      `SELECT pt.unit_id AS "unitId" FROM plans p JOIN patients pt ON pt.id = p.patient_id
       WHERE p.id = $1 AND p.tenant_id = $2`,
      [planId, tenantId],
    );
    return row;
  }

  /** A plan's doses in due order, keyset-paginated over (dueAt, drug): limit + 1 rows. */
  async list(planId: string, query: DoseListQuery): Promise<DoseRow[]> {
    const values: unknown[] = [planId];
    const where = ['plan_id = $1'];
    // The statement's text follows from which filters are present, so each combination is one
    // named statement: a page is polled often, and planning it each time cost more than running it.
    let name = 'dose-page';
    const and = (key: string, condition: (param: string) => string, value: unknown) => {
      values.push(value);
      where.push(condition(`$${values.length}`));
      name += `-${key}`;
    };
    if (query.from) and('from', (p) => `due_at >= ${p}`, query.from);
    if (query.to) and('to', (p) => `due_at < ${p}`, query.to);
    if (query.status) and('status', (p) => `status = ${p}`, query.status);
    // The cursor codec stores an instant and an id; here the instant is dueAt and the id the last
    // dose shown, whose drug breaks the tie: (due_at, drug_code) is unique within a plan
    // (doses_plan_due_drug_key), and that index is the order, so a page reads limit+1 index
    // entries (ordering by id too made Postgres sort every dose).
    const after = decodeCursor(query.cursor);
    if (after) {
      values.push(after.createdAt, after.id);
      const [at, id] = [`$${values.length - 1}`, `$${values.length}`];
      where.push(
        `due_at >= ${at} AND (due_at, drug_code) > (${at}::timestamptz,
           (SELECT drug_code FROM doses WHERE id = ${id}::uuid AND plan_id = $1))`,
      );
      name += '-after';
    }
    values.push(query.limit + 1);
    // Raw rows, not entities or a query builder: at 50 doses a page, either cost more than the
    // query. The plan's equivalent_drug_code is read once (an init plan) to label equivalents.
    return preparedQuery<DoseRow>(
      this.dataSource.manager,
      name,
      `SELECT ${DOSE_VIEW_COLUMNS.join(', ')},
              (SELECT equivalent_drug_code FROM plans WHERE id = $1) AS equivalent_drug_code
       FROM doses WHERE ${where.join(' AND ')}
       ORDER BY due_at, drug_code LIMIT $${values.length}`,
      values,
    );
  }

  /** Who these recorded_by ids name, each distinct id once. */
  recorders(ids: readonly (string | null)[]): Promise<Map<string, ActorRef>> {
    return actorRefsOf(this.dataSource, ids);
  }
}
