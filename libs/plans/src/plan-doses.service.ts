import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal } from '@taperwatch/auth';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import { DoseEntity, DoseStatus } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow, DoseView, doseFromRow, toDoseView } from './plan-view';
import { PlansService } from './plans.service';

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

  /** A plan's doses in due order, keyset-paginated over dueAt (unique within a plan). */
  async list(principal: Principal, planId: string, query: DoseListQuery): Promise<Page<DoseView>> {
    await this.plans.findVisible(principal, planId);
    const qb = this.dataSource
      .getRepository(DoseEntity)
      .createQueryBuilder('dose')
      .where('dose.plan_id = :planId', { planId });
    if (query.from) qb.andWhere('dose.due_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('dose.due_at < :to', { to: query.to });
    if (query.status) qb.andWhere('dose.status = :status', { status: query.status });
    // The cursor codec stores an instant and an id; here the instant is dueAt, and dueAt alone is
    // the order: doses_plan_due_key makes it unique within a plan, and its index is the order, so
    // a page reads limit+1 index entries (ordering by id too made Postgres sort every dose).
    const after = decodeCursor(query.cursor);
    if (after) qb.andWhere('dose.due_at > :at', { at: after.createdAt });
    // Raw rows, not entities: a full page hydrated through TypeORM cost more than the query.
    qb.select([]);
    for (const column of DOSE_VIEW_COLUMNS) qb.addSelect(`dose.${column}`, column);
    const rows = await qb
      .orderBy('dose.due_at', 'ASC')
      .limit(query.limit + 1)
      .getRawMany<DoseRow>();
    return toPage(
      rows,
      query.limit,
      (row) => toDoseView(doseFromRow(row)),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}
