import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
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
import { preparedQuery } from '@taperwatch/persistence';
import { MAX_DOSES_PER_DAY } from './record-dose.sql';

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

interface WorklistRow {
  id: string;
  plan_id: string;
  patient_id: string;
  external_id: string;
  unit_id: string;
  timezone: string;
  due_at: Date;
  drug_code: string;
  dose_mg: string;
  status: 'scheduled' | 'missed';
  doses_per_day: number;
  units: DoseUnit[] | null;
}

/**
 * The doses a unit still has to give: unrecorded (scheduled, or marked missed by the watcher),
 * due from `overdueHours` ago to `aheadHours` from now, of supervised patients (an outpatient
 * reports their own) whose plan is in force. One statement per page: the patients of the units
 * by patients_tenant_unit_idx, each one's doses by doses_patient_due_idx. The units of a dose are
 * looked up in its plan's step as the patient's schedule does (same step index, drug and mg).
 * One text per shape (all units or some, first page or after a cursor), so each prepared
 * statement's plan fits it: an "IS NULL OR" would keep the generic plan off the unit index.
 */
function worklistSql(shape: { units: boolean; after: boolean }): string {
  const units = shape.units ? 'AND pt.unit_id = ANY($4::text[])' : '';
  const cursor = shape.after
    ? `AND (d.due_at, d.id) > ($${shape.units ? 5 : 4}::timestamptz, $${shape.units ? 6 : 5}::uuid)`
    : '';
  const limit = 4 + Number(shape.units) + 2 * Number(shape.after);
  return `
SELECT d.id, d.plan_id, d.patient_id, pt.external_id, pt.unit_id, pt.timezone, d.due_at, d.drug_code,
       d.dose_mg, d.status, p.doses_per_day,
       (SELECT dose->'units'
        FROM jsonb_array_elements(p.steps) step, jsonb_array_elements(step->'doses') dose
        WHERE (step->>'index')::int = d.step_index AND dose->>'drugCode' = d.drug_code
          AND (dose->>'doseMg')::numeric = d.dose_mg
        LIMIT 1) AS units
FROM patients pt
JOIN doses d ON d.patient_id = pt.id
JOIN plans p ON p.id = d.plan_id
WHERE pt.tenant_id = $1 ${units}
  AND pt.erased_at IS NULL AND pt.monitoring = 'supervised'
  AND d.tenant_id = $1 AND d.due_at >= $2 AND d.due_at < $3
  AND d.recorded_outcome IS NULL AND d.status IN ('scheduled', 'missed')
  AND p.status IN ('active', 'paused') ${cursor}
ORDER BY d.due_at, d.id
LIMIT $${limit}`;
}

@Injectable()
export class WorklistService {
  constructor(
    private readonly dataSource: DataSource,
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
    const shape = { units: units !== null, after: after !== undefined };
    const values: unknown[] = [
      principal.tenantId,
      new Date(now - query.overdueHours * HOUR_MS),
      new Date(now + query.aheadHours * HOUR_MS),
    ];
    if (units) values.push(units);
    if (after) values.push(after.createdAt, after.id);
    values.push(query.limit + 1);
    const rows = await preparedQuery<WorklistRow>(
      this.dataSource.manager,
      `worklist${shape.units ? '-units' : ''}${shape.after ? '-after' : ''}`,
      worklistSql(shape),
      values,
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
