import { Injectable } from '@nestjs/common';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import { PlanEntity, PlanStatus } from '@taperwatch/persistence';
import { PlanView, toPlanView } from './plan-views';
import { PlansRepository, VisiblePlan } from './plans.repository';

export interface PlanListQuery {
  patientId?: string;
  status?: PlanStatus;
  limit: number;
  cursor?: string;
}

@Injectable()
export class PlansService {
  constructor(private readonly repository: PlansRepository) {}

  /** The plan if this caller may see its patient's unit; 404 otherwise. */
  async findVisible(principal: Principal, id: string): Promise<VisiblePlan> {
    const plan = await this.repository.visible(id, principal.tenantId);
    return assertVisible(principal, plan ?? null, 'Plan');
  }

  /** findVisible's 404 without loading the plan (its steps and rationale can be large). */
  async assertVisible(principal: Principal, id: string): Promise<void> {
    assertVisible(principal, await this.repository.unitOf(id, principal.tenantId), 'Plan');
  }

  async get(principal: Principal, id: string): Promise<PlanView> {
    const plan = await this.findVisible(principal, id);
    return toPlanView(plan, plan.approvedByActor);
  }

  /** Newest first, keyset-paginated, limited to the caller's units. */
  async list(principal: Principal, query: PlanListQuery): Promise<Page<PlanView>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.repository.list({
      tenantId: principal.tenantId,
      units: principal.unitFilter,
      ...(query.patientId ? { patientId: query.patientId } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(after ? { after } : {}),
      limit: query.limit + 1,
    });
    const approvers = await this.repository.actorRefs(rows.map((p) => p.approvedBy));
    return toPage(rows, query.limit, (p) => toPlanView(p, approvers.get(p.approvedBy ?? '')));
  }

  /** A plan just changed, as the API shows it (who approved it resolved). */
  async viewOf(plan: PlanEntity): Promise<PlanView> {
    const approvers = await this.repository.actorRefs([plan.approvedBy]);
    return toPlanView(plan, approvers.get(plan.approvedBy ?? ''));
  }
}
