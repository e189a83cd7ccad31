import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Page, toPage } from '@taperwatch/http';
import { dosePagesAnswered } from '@taperwatch/observability';
import { DosePageCache } from './dose-page-cache';
import {
  DoseListQuery,
  DosePageRepository,
  DosePageRow,
  DosePageVersion,
} from './dose-page.repository';
import { DoseRow, DoseView, doseFromRow, toDoseView } from './dose-view';

interface PlanInTenant {
  planId: string;
  tenantId: string;
}

/** Plans whose versions one statement reads at most. */
const MAX_VERSIONS_PER_STATEMENT = 500;

@Injectable()
export class PlanDosesService {
  /**
   * The versions of kept pages, read for every page asked for in one turn of the event loop by
   * one statement (as recordings are written: decision 0009). The statement starts after each
   * of them arrived, so each still sees every change committed before it asked.
   */
  private readonly versions = new DataLoader<PlanInTenant, DosePageVersion | undefined>(
    (keys) => this.readVersions(keys),
    {
      cache: false,
      maxBatchSize: MAX_VERSIONS_PER_STATEMENT,
      // setImmediate runs once the event loop has read every request that was ready.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );

  constructor(
    private readonly repository: DosePageRepository,
    private readonly cache: DosePageCache,
  ) {}

  /**
   * A plan's doses in due order, keyset-paginated over (dueAt, drug), as JSON. A page kept from
   * an earlier read is answered when the plan's page versions, read now, are still those it was
   * read with: the triggers move them in the transaction that changes a dose, so a change
   * committed before this read is never hidden by a kept page.
   */
  async json(principal: Principal, planId: string, query: DoseListQuery): Promise<Buffer> {
    const key = this.cache.keyOf(principal.tenantId, planId, query);
    const kept = this.cache.get(key);
    if (kept) {
      const version = await this.versions.load({ planId, tenantId: principal.tenantId });
      // The unit is read now, not kept: a patient moved to another ward leaves its nurses' view.
      assertVisible(principal, version && { unitId: version.unit_id }, 'Plan');
      if (DosePageCache.isCurrent(kept, version!)) {
        dosePagesAnswered.inc({ source: 'kept' });
        return kept.body;
      }
    }
    const rows = await this.repository.page(planId, principal.tenantId, query);
    const page = this.pageOf(principal, rows, query.limit);
    dosePagesAnswered.inc({ source: 'read' });
    return this.cache.write(key, page, rows[0]!);
  }

  private async readVersions(
    keys: readonly PlanInTenant[],
  ): Promise<(DosePageVersion | undefined)[]> {
    const rows = await this.repository.versions([...new Set(keys.map((k) => k.planId))]);
    const byPlan = new Map(rows.map((row) => [row.plan_id, row]));
    return keys.map(({ planId, tenantId }) => {
      const row = byPlan.get(planId);
      // A plan of another tenant is as absent as one that does not exist.
      return row?.tenant_id === tenantId ? row : undefined;
    });
  }

  private pageOf(principal: Principal, rows: DosePageRow[], limit: number): Page<DoseView> {
    // A plan of another tenant is a 404, of another unit too (as every plan route answers).
    const [first] = rows;
    assertVisible(principal, first && { unitId: first.unit_id }, 'Plan');
    return toPage(
      rows.filter((row): row is DosePageRow & DoseRow => row.id !== null),
      limit,
      (row) => toDoseView(doseFromRow(row)),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}
