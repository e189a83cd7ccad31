import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { actorRefSql } from '@taperwatch/auth';
import type { ScheduledDose } from '@taperwatch/domain';
import {
  PatientEntity,
  PlanEntity,
  ReportedVia,
  countedQuery,
  preparedQuery,
} from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow } from './dose-view';
import {
  FIND_DOSE_SQL,
  FoundDoseRow,
  NumberedDoseRow,
  recordDosesSql,
} from './recording/record-dose.sql';
import type { UnitScope } from './watch/watch.repository';

/** A dose's patient, as an eMAR recording checks it against the resource. */
export interface DosePatientRow {
  patient_id: string;
  drug_code: string;
  unit_id: string;
  external_id: string | null;
}

/** A recorded dose as the eMAR reads it back, with its patient's identifier. */
export type RecordedRow = DoseRow & { external_id: string | null };

/** A patient's dose as their schedule shows it. */
export interface PatientDoseRow {
  id: string;
  plan_id: string;
  step_index: number;
  due_at: Date;
  drug_code: string;
  dose_mg: string;
  status: string;
  recorded_outcome: string | null;
  reported_via: ReportedVia | null;
}

/** A dose row to write: the plan it belongs to and the dose expanded from its steps. */
export interface DoseRowInput {
  plan: Pick<PlanEntity, 'id' | 'tenantId' | 'patientId'>;
  dose: ScheduledDose;
}

/** Plans whose doses the patient is taking now. */
const IN_FORCE = `('active', 'paused')`;

/**
 * Every statement of the dose rows' schedule, the dose page and the patient's schedule
 * (decision 0030): the services decide, this reads and writes. The watcher's and the
 * recordings' statements are WatchRepository's. Hot paths (the page) are named statements.
 */
@Injectable()
export class DosesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Inserts the plan's doses; on (plan, dueAt, drug) conflict `keep` leaves the row, `replace`
   * re-doses a row still scheduled or cancelled. The rows inserted or changed.
   */
  writeDoses(
    manager: EntityManager,
    plan: Pick<PlanEntity, 'id' | 'tenantId' | 'patientId'>,
    doses: readonly ScheduledDose[],
    mode: 'keep' | 'replace',
  ): Promise<number> {
    return this.insertDoses(
      manager,
      doses.map((dose) => ({ plan, dose })),
      mode,
    );
  }

  /**
   * Writes dose rows of any number of plans with one INSERT, keyed by plan, due time and drug
   * (`mode` as for writeDoses). The rows inserted or changed.
   */
  async insertDoses(
    manager: EntityManager,
    rows: readonly DoseRowInput[],
    mode: 'keep' | 'replace',
  ): Promise<number> {
    if (rows.length === 0) return 0;
    // A row's drug is part of its key, never updated: a time that now gives another drug cancels
    // the old row and writes a new one, so a recording always names what was given.
    const onConflict =
      mode === 'keep'
        ? 'DO NOTHING'
        : `DO UPDATE SET dose_mg = EXCLUDED.dose_mg, equivalent_mg = EXCLUDED.equivalent_mg,
             step_index = EXCLUDED.step_index, status = 'scheduled', updated_at = now()
           WHERE doses.status IN ('scheduled', 'cancelled')
             AND (doses.dose_mg, doses.equivalent_mg, doses.step_index, doses.status)
                 IS DISTINCT FROM
                 (EXCLUDED.dose_mg, EXCLUDED.equivalent_mg, EXCLUDED.step_index, 'scheduled')`;
    // Ids in creation order (uuid_v7, decision 0047): doses written together stay together in
    // the primary key, so recording or claiming today's doses touches its recent end.
    const { count } = await countedQuery(
      manager,
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                          dose_mg, equivalent_mg)
       SELECT uuid_v7(), t.tenant, t.plan, t.patient, t.step, t.due, t.drug, t.mg, t.eq
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::text[],
                   $7::numeric[], $8::numeric[])
         AS t(tenant, plan, patient, step, due, drug, mg, eq)
       ON CONFLICT (plan_id, due_at, drug_code) ${onConflict}`,
      [
        rows.map((r) => r.plan.tenantId),
        rows.map((r) => r.plan.id),
        rows.map((r) => r.plan.patientId),
        rows.map((r) => r.dose.stepIndex),
        rows.map((r) => r.dose.dueAt.toISOString()),
        rows.map((r) => r.dose.drugCode),
        rows.map((r) => r.dose.doseMg),
        rows.map((r) => r.dose.equivalentMg),
      ],
    );
    return count;
  }

  /** Cancels the plan's doses still scheduled in [from, to) that `keep` does not list. */
  async cancelOthers(
    manager: EntityManager,
    planId: string,
    from: Date,
    to: Date,
    keep: readonly ScheduledDose[],
  ): Promise<number> {
    const { count } = await countedQuery(
      manager,
      `UPDATE doses SET status = 'cancelled', updated_at = now()
       WHERE plan_id = $1 AND status = 'scheduled' AND due_at >= $2 AND due_at < $3
         AND (due_at, drug_code) NOT IN (
           SELECT * FROM unnest($4::timestamptz[], $5::text[]))`,
      [planId, from, to, keep.map((d) => d.dueAt.toISOString()), keep.map((d) => d.drugCode)],
    );
    return count;
  }

  /** Cancels the plan's doses still scheduled from `from` on. */
  async cancelFrom(manager: EntityManager, planId: string, from: Date): Promise<number> {
    const { count } = await countedQuery(
      manager,
      `UPDATE doses SET status = 'cancelled', updated_at = now()
       WHERE plan_id = $1 AND status = 'scheduled' AND due_at >= $2`,
      [planId, from],
    );
    return count;
  }

  async zoneOf(manager: EntityManager, patientId: string): Promise<string> {
    const patient = await manager.findOneByOrFail(PatientEntity, { id: patientId });
    return patient.timezone;
  }

  /**
   * Locks up to `limit` plans in force whose rows end before `until`, after plan `after` in id
   * order, skipping plans locked elsewhere (another worker's page, a lifecycle call).
   */
  lockPlansBehind(
    manager: EntityManager,
    until: Date,
    after: string | null,
    limit: number,
  ): Promise<PlanEntity[]> {
    const query = manager
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where("plan.status IN ('active', 'paused')")
      .andWhere('(plan.doses_until IS NULL OR plan.doses_until < :until)', { until });
    if (after !== null) query.andWhere('plan.id > :after', { after });
    return query.orderBy('plan.id', 'ASC').limit(limit).getMany();
  }

  /** The time zones of these patients, by patient id, in one read. */
  async zonesOf(
    manager: EntityManager,
    patientIds: readonly string[],
  ): Promise<Map<string, string>> {
    const rows: { id: string; timezone: string }[] = await manager.query(
      `SELECT id, timezone FROM patients WHERE id = ANY($1::uuid[])`,
      [patientIds],
    );
    return new Map(rows.map((r) => [r.id, r.timezone]));
  }

  async setDosesUntil(
    manager: EntityManager,
    planIds: readonly string[],
    until: Date,
  ): Promise<void> {
    if (planIds.length === 0) return;
    await manager.query(`UPDATE plans SET doses_until = $1 WHERE id = ANY($2::uuid[])`, [
      until,
      planIds,
    ]);
  }

  /** The patient's doses due in [from, to), not cancelled, of plans in force, in due order. */
  patientDoses(
    tenantId: string,
    patientId: string,
    from: Date,
    to: Date,
  ): Promise<PatientDoseRow[]> {
    return this.dataSource.query(
      `SELECT d.id, d.plan_id, d.step_index, d.due_at, d.drug_code, d.dose_mg, d.status,
              d.recorded_outcome, d.reported_via
       FROM doses d JOIN plans p ON p.id = d.plan_id
       WHERE d.tenant_id = $1 AND d.patient_id = $2 AND d.due_at >= $3 AND d.due_at < $4
         AND d.status <> 'cancelled' AND p.status IN ${IN_FORCE}
       ORDER BY d.due_at, d.drug_code`,
      [tenantId, patientId, from, to],
    );
  }

  /** The patient's plans, every version, by id. */
  patientPlans(tenantId: string, patientId: string): Promise<PlanEntity[]> {
    return this.dataSource.getRepository(PlanEntity).find({
      where: { tenantId, patientId },
      order: { id: 'ASC' },
    });
  }

  /** The steps of these plans of the tenant. */
  planSteps(
    tenantId: string,
    planIds: readonly string[],
  ): Promise<{ id: string; steps: unknown }[]> {
    return this.dataSource.query(
      `SELECT id, steps FROM plans WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, planIds],
    );
  }

  /**
   * Writes recordings in one statement (recordDosesSql), their VALUES rows' parameters in
   * `params`; each written dose comes back numbered by its row.
   */
  recordDoses(count: number, params: unknown[]): Promise<NumberedDoseRow[]> {
    return preparedQuery(
      this.dataSource.manager,
      `record-doses-${count}`,
      recordDosesSql(count),
      params,
    );
  }

  /** What a dose is, when a recording wrote nothing (FIND_DOSE_SQL). */
  async findDose(doseId: string, tenantId: string): Promise<FoundDoseRow | undefined> {
    const [found] = await preparedQuery<FoundDoseRow>(
      this.dataSource.manager,
      'find-dose',
      FIND_DOSE_SQL,
      [doseId, tenantId],
    );
    return found;
  }

  /** The patient's own dose's due time; undefined if it is not theirs. */
  async patientDoseDue(
    doseId: string,
    tenantId: string,
    patientId: string,
  ): Promise<{ due_at: Date } | undefined> {
    const [dose] = await preparedQuery<{ due_at: Date }>(
      this.dataSource.manager,
      'find-patient-dose',
      `SELECT due_at FROM doses WHERE id = $1 AND tenant_id = $2 AND patient_id = $3`,
      [doseId, tenantId, patientId],
    );
    return dose;
  }

  /** The dose's patient and drug, for an eMAR recording's check. */
  async dosePatient(doseId: string, tenantId: string): Promise<DosePatientRow | undefined> {
    const [dose] = await preparedQuery<DosePatientRow>(
      this.dataSource.manager,
      'emar-dose-patient',
      `SELECT d.patient_id, d.drug_code, pt.unit_id, pt.external_id
       FROM doses d JOIN patients pt ON pt.id = d.patient_id
       WHERE d.id = $1 AND d.tenant_id = $2`,
      [doseId, tenantId],
    );
    return dose;
  }

  /** An unerased patient's unit. */
  async patientUnit(patientId: string, tenantId: string): Promise<{ unit_id: string } | undefined> {
    const [patient] = await preparedQuery<{ unit_id: string }>(
      this.dataSource.manager,
      'emar-patient',
      'SELECT unit_id FROM patients WHERE id = $1 AND tenant_id = $2 AND erased_at IS NULL',
      [patientId, tenantId],
    );
    return patient;
  }

  /** A recorded dose by its id, within the scope. */
  async recordedDose(scope: UnitScope, doseId: string): Promise<RecordedRow | undefined> {
    const [row] = await this.recorded(scope, 'emar-read', 'd.id = $3', [doseId]);
    return row;
  }

  /** A patient's recorded doses within the scope, newest first, after the cursor. */
  recordedDosesOf(
    scope: UnitScope,
    patientId: string,
    after: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<RecordedRow[]> {
    return after
      ? this.recorded(
          scope,
          'emar-search-after',
          'd.patient_id = $3 AND (d.due_at, d.id) < ($4, $5)',
          [patientId, after.createdAt, after.id],
          limit,
        )
      : this.recorded(scope, 'emar-search', 'd.patient_id = $3', [patientId], limit);
  }

  /**
   * Recorded doses of the scope matching `where` (its parameters from $3), newest first, at most
   * `limit`. A dose the watcher marked missed is not an administration until recorded; an erased
   * patient's doses are nobody's to read (as on every patient route).
   */
  private recorded(
    scope: UnitScope,
    name: string,
    where: string,
    params: unknown[],
    limit?: number,
  ): Promise<RecordedRow[]> {
    const values = [scope.tenantId, scope.units, ...params];
    if (limit !== undefined) values.push(limit);
    return preparedQuery<RecordedRow>(
      this.dataSource.manager,
      name,
      `SELECT ${DOSE_VIEW_COLUMNS.map((c) => `d.${c}`).join(', ')}, pt.external_id,
              ${actorRefSql('d.recorded_by')} AS recorded_by_actor
       FROM doses d JOIN patients pt ON pt.id = d.patient_id
       WHERE d.tenant_id = $1 AND ($2::text[] IS NULL OR pt.unit_id = ANY($2))
         AND pt.erased_at IS NULL AND d.recorded_outcome IS NOT NULL AND ${where}
       ORDER BY d.due_at DESC, d.id DESC${limit === undefined ? '' : ` LIMIT $${values.length}`}`,
      values,
    );
  }
}
