import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, actorRefsOf } from '@taperwatch/auth';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import { DoseStatus, preparedQuery } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow, DoseView, doseFromRow, toDoseView } from './dose-view';
import { PlansService } from '@taperwatch/plans';

export interface DoseListQuery {
  from?: string;
  to?: string;
  status?: DoseStatus;
  limit: number;
  cursor?: string;
}

@Injectable()
export class PlanDosesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlansService,
  ) {}

  /** A plan's doses in due order, keyset-paginated over (dueAt, drug). */
  async list(principal: Principal, planId: string, query: DoseListQuery): Promise<Page<DoseView>> {
    await this.plans.assertVisible(principal, planId);
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
    const rows = await preparedQuery<DoseRow>(
      this.dataSource.manager,
      name,
      `SELECT ${DOSE_VIEW_COLUMNS.join(', ')},
              (SELECT equivalent_drug_code FROM plans WHERE id = $1) AS equivalent_drug_code
       FROM doses WHERE ${where.join(' AND ')}
       ORDER BY due_at, drug_code LIMIT $${values.length}`,
      values,
    );
    // Who recorded them, once per distinct recorder (a page has few; none before recording),
    // rather than a lookup per row.
    const recorders = await actorRefsOf(
      this.dataSource,
      rows.map((row) => row.recorded_by),
    );
    for (const row of rows) row.recorded_by_actor = recorders.get(row.recorded_by ?? '') ?? null;
    return toPage(
      rows,
      query.limit,
      (row) => toDoseView(doseFromRow(row)),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}
