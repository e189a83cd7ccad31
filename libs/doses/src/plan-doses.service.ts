import { Injectable } from '@nestjs/common';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Page, toPage } from '@taperwatch/http';
import { DoseListQuery, DosePageRepository, DosePageRow } from './dose-page.repository';
import { DoseRow, DoseView, doseFromRow, toDoseView } from './dose-view';

@Injectable()
export class PlanDosesService {
  constructor(private readonly repository: DosePageRepository) {}

  /** A plan's doses in due order, keyset-paginated over (dueAt, drug). */
  async list(principal: Principal, planId: string, query: DoseListQuery): Promise<Page<DoseView>> {
    const rows = await this.repository.page(planId, principal.tenantId, query);
    // A plan of another tenant is a 404, of another unit too (as every plan route answers).
    const [first] = rows;
    assertVisible(principal, first && { unitId: first.unit_id }, 'Plan');
    return toPage(
      rows.filter((row): row is DosePageRow & DoseRow => row.id !== null),
      query.limit,
      (row) => toDoseView(doseFromRow(row)),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}
