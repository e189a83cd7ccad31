import { Injectable } from '@nestjs/common';
import { Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import {
  DoseUnit,
  HOUR_MS,
  WindowState,
  administrationWindow,
  describeUnits,
  findDrug,
} from '@taperwatch/domain';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import { MAX_DOSES_PER_DAY } from '../recording/record-dose.sql';
import { WatchRepository } from './watch.repository';
import { WorklistRow } from './watch.sql';

/** Hours ahead and overdue a worklist covers, by default and at most. */
export const WORKLIST_AHEAD_HOURS = { default: 4, max: 24 } as const;
export const WORKLIST_OVERDUE_HOURS = { default: 24, max: 72 } as const;

export interface WorklistQuery {
  unitId?: string;
  aheadHours: number;
  overdueHours: number;
  limit: number;
  cursor?: string;
}

/** One dose a nurse still has to give or account for: the drug by name, its own mg, what to take. */
export interface WorklistDoseView {
  id: string;
  planId: string;
  /** The ward's identifier and unit, so nobody has to read a UUID at the bedside. */
  patient: { id: string; externalId: string; unitId: string; timezone: string };
  dueAt: string;
  drugCode: string;
  drugName: string;
  /** mg of drugCode, never an equivalent. */
  doseMg: number;
  /** "one 10 mg and one 5 mg tablet"; null when the plan no longer names the units. */
  tablets: string | null;
  units: DoseUnit[];
  /** scheduled, or missed (the watcher found it unrecorded past its grace): both recordable. */
  status: 'scheduled' | 'missed';
  /** The ISMP window now, as a recording made now would be judged. */
  window: { state: WindowState; opensAt: string; closesAt: string };
}

@Injectable()
export class WorklistService {
  constructor(
    private readonly repository: WatchRepository,
    private readonly clock: Clock,
  ) {}

  /** The caller's units (or the one asked for, if among them), in due order, keyset-paginated. */
  async list(principal: Principal, query: WorklistQuery): Promise<Page<WorklistDoseView>> {
    const units = query.unitId
      ? principal.canSeeUnit(query.unitId)
        ? [query.unitId]
        : []
      : (principal.unitFilter ?? null);
    const after = decodeCursor(query.cursor);
    if (units?.length === 0) return { items: [], nextCursor: null };
    const now = this.clock.now().getTime();
    const rows = await this.repository.worklist(
      { tenantId: principal.tenantId, units },
      {
        from: new Date(now - query.overdueHours * HOUR_MS),
        to: new Date(now + query.aheadHours * HOUR_MS),
      },
      after,
      query.limit + 1,
    );
    return toPage(
      rows,
      query.limit,
      (row) => toWorklistDose(row, now),
      (row) => ({ createdAt: row.due_at, id: row.id }),
    );
  }
}

function toWorklistDose(row: WorklistRow, now: number): WorklistDoseView {
  const units = row.units ?? [];
  // The recording's own window: its plan's doses a day, capped as the recording statement caps it.
  const dosesPerDay = Math.min(Math.max(row.doses_per_day, 1), MAX_DOSES_PER_DAY);
  const window = administrationWindow({
    dueAt: row.due_at.getTime(),
    now,
    frequency: { dosesPerDay },
  });
  return {
    id: row.id,
    planId: row.plan_id,
    patient: {
      id: row.patient_id,
      externalId: row.external_id,
      unitId: row.unit_id,
      timezone: row.timezone,
    },
    dueAt: row.due_at.toISOString(),
    drugCode: row.drug_code,
    drugName: findDrug(row.drug_code)?.name ?? row.drug_code,
    doseMg: Number(row.dose_mg),
    tablets: units.length > 0 ? describeUnits(units) : null,
    units,
    status: row.status,
    window: {
      state: window.state,
      opensAt: new Date(window.opensAt).toISOString(),
      closesAt: new Date(window.closesAt).toISOString(),
    },
  };
}
