import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { actorRefSql } from '@taperwatch/auth';
import { decodeCursor } from '@taperwatch/http';
import { DoseStatus, StatementFilters, preparedQuery } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow } from './dose-view';

export interface DoseListQuery {
  from?: string;
  to?: string;
  status?: DoseStatus;
  limit: number;
  cursor?: string;
}

/** The plan's unit (who may see the page) and the versions of what its page shows. */
export interface DosePageVersion {
  unit_id: string;
  equivalent_drug_code: string | null;
  /** Moved by the doses' triggers whenever a dose of the plan changes as a page shows it. */
  page_version: string | null;
  /** Moved by a change every page shares (a recorder renamed); every page's too. */
  shared_version: string | null;
}

/** DosePageVersion of a plan named by id, in the tenant it belongs to. */
export interface PlanPageVersion extends DosePageVersion {
  plan_id: string;
  tenant_id: string;
}

/**
 * A page row: the plan's unit and versions with one dose, or with nulls (a plan with no dose to
 * show is one such row; a plan not in the tenant is none).
 */
export type DosePageRow = DosePageVersion & (DoseRow | { id: null });

/** The row of every page's shared version in dose_page_versions. */
const SHARED = `'00000000-0000-0000-0000-000000000000'`;

/** The plan's unit and page versions, from plan p: what a kept page is checked against. */
const VERSION_SQL = `
  FROM plans p JOIN patients pt ON pt.id = p.patient_id
  LEFT JOIN dose_page_versions v ON v.plan_id = p.id
  LEFT JOIN dose_page_versions g ON g.plan_id = ${SHARED}`;
const VERSION_COLUMNS = `pt.unit_id, p.equivalent_drug_code, v.version AS page_version,
  g.version AS shared_version`;

/** The dose page's statement (decision 0030): PlanDosesService decides, this reads. */
@Injectable()
export class DosePageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The unit and page versions of each of these plans that exists, with its id and tenant. */
  versions(planIds: readonly string[]): Promise<PlanPageVersion[]> {
    return preparedQuery<PlanPageVersion>(
      this.dataSource.manager,
      'dose-page-versions',
      `SELECT p.id AS plan_id, p.tenant_id, ${VERSION_COLUMNS} ${VERSION_SQL}
       WHERE p.id = ANY($1::uuid[])`,
      [planIds],
    );
  }

  /**
   * A plan's doses in due order, keyset-paginated over (dueAt, drug): limit + 1 rows. One
   * statement reads the plan's unit (to refuse a plan the caller cannot see), the page and who
   * recorded each dose: every board polls the page, and each round trip cost it more than its
   * rows (decision 0040). The versions are read in the same snapshot as the page.
   */
  async page(planId: string, tenantId: string, query: DoseListQuery): Promise<DosePageRow[]> {
    const f = new StatementFilters('dose-page', [planId, tenantId], 'plan_id = $1');
    if (query.from) f.and('from', (p) => `due_at >= ${p}`, query.from);
    if (query.to) f.and('to', (p) => `due_at < ${p}`, query.to);
    if (query.status) f.and('status', (p) => `status = ${p}`, query.status);
    // The cursor codec stores an instant and an id; here the instant is dueAt and the id the last
    // dose shown, whose drug breaks the tie: (due_at, drug_code) is unique within a plan
    // (doses_plan_due_drug_key), and that index is the order, so a page reads limit+1 index
    // entries whatever the size of the table (ordering by id too made Postgres sort every dose).
    const after = decodeCursor(query.cursor);
    if (after) {
      f.and(
        'after',
        (at, id) => `due_at >= ${at} AND (due_at, drug_code) > (${at}::timestamptz,
           (SELECT drug_code FROM doses WHERE id = ${id}::uuid AND plan_id = $1))`,
        after.createdAt,
        after.id,
      );
    }
    const limit = f.param(query.limit + 1);
    // Raw rows, not entities or a query builder: at 50 doses a page, either cost more than the
    // query. A plan with no dose to show still gives its unit (LEFT JOIN LATERAL); the plan's
    // equivalent_drug_code labels equivalents; only recorded doses look up who recorded them.
    return preparedQuery<DosePageRow>(
      this.dataSource.manager,
      f.name,
      `SELECT ${VERSION_COLUMNS}, d.*,
              CASE WHEN d.recorded_by IS NOT NULL THEN ${actorRefSql('d.recorded_by')} END
                AS recorded_by_actor
       ${VERSION_SQL}
       LEFT JOIN LATERAL (
         SELECT ${DOSE_VIEW_COLUMNS.join(', ')} FROM doses WHERE ${f.where.join(' AND ')}
         ORDER BY due_at, drug_code LIMIT ${limit}
       ) d ON true
       WHERE p.id = $1 AND p.tenant_id = $2
       ORDER BY d.due_at, d.drug_code`,
      f.values,
    );
  }
}
