import { Injectable } from '@nestjs/common';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Page, toPage } from '@taperwatch/http';
import { DoseListQuery, DosePageRepository } from './dose-page.repository';
import { DoseView, doseFromRow, toDoseView } from './dose-view';

@Injectable()
export class PlanDosesService {
  constructor(private readonly repository: DosePageRepository) {}

  /** A plan's doses in due order, keyset-paginated over (dueAt, drug). */
  async list(principal: Principal, planId: string, query: DoseListQuery): Promise<Page<DoseView>> {
    // A plan of another tenant is a 404, of another unit too (as every plan route answers).
    assertVisible(principal, await this.repository.planUnit(planId, principal.tenantId), 'Plan');
    const rows = await this.repository.list(planId, query);
    // Who recorded them, once per distinct recorder (a page has few; none before recording),
    // rather than a lookup per row.
    const recorders = await this.repository.recorders(rows.map((row) => row.recorded_by));
    for (const row of rows) row.recorded_by_actor = recorders.get(row.recorded_by ?? '') ?? null;
    return toPage(
      rows,
      query.limit,
      (row) => toDoseView(doseFromRow(row)),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}
