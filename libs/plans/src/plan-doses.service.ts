import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, actorRefSql, assertVisible } from '@taperwatch/auth';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import { DoseStatus, preparedQuery } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow, DoseView, doseFromRow, toDoseView } from './plan-view';

export interface DoseListQuery {
  from?: string;
  to?: string;
  status?: DoseStatus;
  limit: number;
  cursor?: string;
}

/**
 * A page row: the plan's unit with one dose, or with nulls (a plan with no dose to show is one
 * such row; a plan not in the tenant is none).
 */
type DosePageRow = { unit_id: string } & (DoseRow | { id: null });

@Injectable()
export class PlanDosesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A plan's doses in due order, keyset-paginated over (dueAt, drug). One statement reads the
   * plan's unit (to refuse a plan the caller cannot see), the page and who recorded each dose:
   * a page is polled by every board, and each round trip cost it more than its rows (decision
   * 0040).
   */
  async list(principal: Principal, planId: string, query: DoseListQuery): Promise<Page<DoseView>> {
    const values: unknown[] = [planId, principal.tenantId];
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
    // entries whatever the size of the table (ordering by id too made Postgres sort every dose).
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
    // query. A plan with no dose to show still gives its unit (LEFT JOIN LATERAL); the plan's
    // equivalent_drug_code labels equivalents; only recorded doses look up who recorded them.
    const rows = await preparedQuery<DosePageRow>(
      this.dataSource.manager,
      name,
      `SELECT pt.unit_id, p.equivalent_drug_code, d.*,
              CASE WHEN d.recorded_by IS NOT NULL THEN ${actorRefSql('d.recorded_by')} END
                AS recorded_by_actor
       FROM plans p JOIN patients pt ON pt.id = p.patient_id
       LEFT JOIN LATERAL (
         SELECT ${DOSE_VIEW_COLUMNS.join(', ')} FROM doses WHERE ${where.join(' AND ')}
         ORDER BY due_at, drug_code LIMIT $${values.length}
       ) d ON true
       WHERE p.id = $1 AND p.tenant_id = $2
       ORDER BY d.due_at, d.drug_code`,
      values,
    );
    const [first] = rows;
    assertVisible(principal, first && { unitId: first.unit_id }, 'Plan');
    return toPage(
      rows.filter((row) => row.id !== null),
      query.limit,
      (row) => toDoseView(doseFromRow(row)),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}
