import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Principal, actorRefsOf, assertVisible } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { Page, ProblemException, decodeCursor, toPage } from '@taperwatch/http';
import {
  AlertEntity,
  AlertEscalationEntity,
  AlertSeverity,
  AlertStatus,
  AlertType,
  countedQuery,
  preparedQuery,
} from '@taperwatch/persistence';
import { AlertEvents, AlertEventType } from './alert-events';
import { AlertView, toAlertView } from './alert-view';
import { EscalationService } from './escalation.service';
import {
  OPEN_ALERT_SQL,
  addDoses,
  coveredBy,
  OpenedAlertRow,
  escalationParams,
  openedAlert,
} from './open-alert.sql';

export interface RaiseAlert {
  tenantId: string;
  type: AlertType;
  severity: AlertSeverity;
  patientId: string;
  planId: string;
  unitId: string;
  doseIds: string[];
  message: string;
  /**
   * An event of its own (a symptom check, a cancellation): it re-opens an acknowledged alert even
   * with no new dose. Sweeps and the watcher, which raise the same finding again and again, leave
   * it unset.
   */
  standalone?: boolean;
}

export interface AlertListQuery {
  status?: AlertStatus;
  unitId?: string;
  patientId?: string;
  type?: AlertType;
  limit: number;
  cursor?: string;
}

/** One live alert per plan and type: the key the partial unique index guards. */
export function alertDedupKey(planId: string, type: AlertType): string {
  return `${planId}:${type}`;
}

@Injectable()
export class AlertsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly events: AlertEvents,
    private readonly escalation: EscalationService,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(AlertEntity);
  }

  /**
   * Raises an alert, or adds the doses to the live one with the same plan and type. Two workers
   * raising at once meet at the partial unique index: one inserts, the other updates. A new
   * alert gets its escalation (the policy frozen onto it) in the same statement, so no alert is
   * ever committed without one. Callers learn only the id and whether it is new: the watcher
   * raises on every miss and reads nothing back. `known.live` is the caller's recent reading of
   * whether the alert is live; it only picks which statement to try first.
   */
  async raise(
    input: RaiseAlert,
    known?: { live: boolean },
  ): Promise<{ id: string; created: boolean; reopened?: boolean }> {
    const doseIds = [...new Set(input.doseIds)].sort();
    const dedupKey = alertDedupKey(input.planId, input.type);
    const standalone = input.standalone === true;
    if (known?.live !== false) {
      // Most raises add doses to the live alert (every further miss of a plan): one statement,
      // no transaction, so a burst of checks holds the alert's row lock as briefly as it can.
      // Not when the alert is acknowledged and this raise is news to it: that re-opens it (below).
      const [added] = await preparedQuery<{ id: string }>(
        this.dataSource.manager,
        'add-alert-doses',
        `UPDATE alerts SET ${addDoses('$4')} WHERE dedup_key = $1 AND status <> 'resolved'
           AND (status = 'open' OR ${coveredBy('alerts', '$4', '$5')}) RETURNING id`,
        [dedupKey, doseIds, input.message, input.severity, standalone],
      );
      if (added) return { id: added.id, created: false };
      const reopened = await this.reopen(
        dedupKey,
        doseIds,
        input.message,
        input.severity,
        standalone,
      );
      if (reopened) return { id: reopened, created: false, reopened: true };
    }
    // A new alert: its escalation starts from the policy in force now, and both rows are
    // written by one statement.
    const id = randomUUID();
    const escalation = await this.escalation.initial(id, input.tenantId, input.unitId);
    let row: OpenedAlertRow | undefined;
    // Twice at most: between the statement and the re-opening, the alert may be resolved (then
    // the second opens a new one) or re-opened by another raise (then it takes the doses).
    for (let attempt = 0; attempt < 2 && !row; attempt++) {
      [row] = await preparedQuery<OpenedAlertRow>(
        this.dataSource.manager,
        'open-alert',
        OPEN_ALERT_SQL,
        [
          dedupKey,
          doseIds,
          input.message,
          id,
          input.tenantId,
          input.type,
          input.severity,
          input.patientId,
          input.planId,
          input.unitId,
          ...escalationParams(escalation),
          standalone,
        ],
      );
      if (row) break;
      // The live alert is acknowledged and this raise brings a dose it has not seen.
      const reopened = await this.reopen(
        dedupKey,
        doseIds,
        input.message,
        input.severity,
        standalone,
      );
      if (reopened) return { id: reopened, created: false, reopened: true };
    }
    if (!row) throw new Error(`raising alert ${dedupKey} kept meeting concurrent changes`);
    if (!row.created) return { id: row.id, created: false };
    escalation.updatedAt = row.escalation_updated_at!;
    const alert = openedAlert({ ...input, id, dedupKey }, row);
    await this.escalation.opened(escalation);
    // The alert as this statement created it (a dose a racing raise added since is not in it).
    await this.publish('alert.created', input.tenantId, toAlertView(alert, escalation));
    return { id, created: true };
  }

  /**
   * News on an acknowledged alert (a new miss, a symptom check, a cancellation, a higher
   * severity): the alert is open again, its escalation starts over from step 0 (the policy of its
   * unit now) and `alert.reopened` is streamed, so nobody reads the earlier acknowledgement as
   * covering something it never saw (docs/decisions/0010).
   */
  private async reopen(
    dedupKey: string,
    doseIds: string[],
    message: string,
    severity: AlertSeverity,
    standalone: boolean,
  ): Promise<string | null> {
    const result = await this.dataSource.transaction(async (manager) => {
      // The escalation row first, then the alert's: the order every writer keeps. Holding it,
      // no acknowledge, resolve or firing can change the alert until this commits.
      const [live] = (await manager.query(
        `SELECT a.id, a.tenant_id, a.unit_id FROM alerts a
         JOIN alert_escalations e ON e.alert_id = a.id
         WHERE a.dedup_key = $1 AND a.status = 'acknowledged' AND NOT ${coveredBy('a', '$3', '$4')}
         FOR UPDATE OF e`,
        [dedupKey, doseIds, severity, standalone],
      )) as { id: string; tenant_id: string; unit_id: string }[];
      if (!live) return null;
      const escalation = await this.escalation.restart(
        manager,
        live.id,
        live.unit_id,
        'alert re-opened',
      );
      await manager.query(
        `UPDATE alerts SET ${addDoses('$4')}, status = 'open', acknowledged_at = NULL,
           acknowledged_by = NULL
         WHERE id = $1`,
        [live.id, doseIds, message, severity],
      );
      return { id: live.id, tenantId: live.tenant_id, escalation };
    });
    if (!result) return null;
    if (result.escalation) await this.escalation.opened(result.escalation);
    const view = await this.view(this.dataSource.manager, result.id);
    await this.publish('alert.reopened', result.tenantId, view);
    return result.id;
  }

  /**
   * The patient moved to `toUnitId`: their live alerts move with them, inside the caller's
   * transaction (the patient's own update). Open ones start escalating again from step 0 under
   * the new unit's policy, whose nurses have not been told; acknowledged ones stay acknowledged
   * (someone is acting on them) and would page the new unit if a new miss re-opened them. Call
   * the returned function after commit: it arms the escalations and streams `alert.transferred`
   * to both units.
   */
  async movePatient(
    manager: EntityManager,
    tenantId: string,
    patientId: string,
    toUnitId: string,
  ): Promise<() => Promise<void>> {
    // Escalation rows first, then the alerts', as every writer locks them.
    const moving = (await manager.query(
      `SELECT a.id, a.unit_id, a.status FROM alerts a
       JOIN alert_escalations e ON e.alert_id = a.id
       WHERE a.tenant_id = $1 AND a.patient_id = $2 AND a.status <> 'resolved' AND a.unit_id <> $3
       ORDER BY a.id
       FOR UPDATE OF e`,
      [tenantId, patientId, toUnitId],
    )) as { id: string; unit_id: string; status: AlertStatus }[];
    const restarted: AlertEscalationEntity[] = [];
    for (const alert of moving) {
      if (alert.status === 'open') {
        const row = await this.escalation.restart(
          manager,
          alert.id,
          toUnitId,
          'patient moved to another unit',
        );
        if (row) restarted.push(row);
      } else {
        await manager.update(AlertEscalationEntity, { alertId: alert.id }, { unitId: toUnitId });
      }
    }
    if (moving.length > 0) {
      await manager.query(
        `UPDATE alerts SET unit_id = $2, updated_at = now() WHERE id = ANY($1::uuid[])`,
        [moving.map((a) => a.id), toUnitId],
      );
    }
    return async () => {
      for (const row of restarted) await this.escalation.opened(row);
      for (const alert of moving) {
        const view = await this.view(this.dataSource.manager, alert.id);
        await this.events.publish({
          type: 'alert.transferred',
          tenantId,
          alert: view,
          fromUnitId: alert.unit_id,
        });
      }
    };
  }

  async get(principal: Principal, id: string): Promise<AlertView> {
    return this.answer(
      this.view(this.dataSource.manager, (await this.findVisible(principal, id)).id),
    );
  }

  async list(principal: Principal, query: AlertListQuery): Promise<Page<AlertView>> {
    const qb = this.repo
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId: principal.tenantId });
    if (principal.unitFilter)
      qb.andWhere('a.unit_id IN (:...units)', { units: principal.unitFilter });
    if (query.unitId) qb.andWhere('a.unit_id = :unitId', { unitId: query.unitId });
    if (query.status) qb.andWhere('a.status = :status', { status: query.status });
    if (query.patientId) qb.andWhere('a.patient_id = :patientId', { patientId: query.patientId });
    if (query.type) qb.andWhere('a.type = :type', { type: query.type });
    const after = decodeCursor(query.cursor);
    if (after)
      qb.andWhere('(a.created_at, a.id) < (:at, :id)', { at: after.createdAt, id: after.id });
    const rows = await qb
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    const escalations = await this.escalation.rowsOf(
      this.dataSource.manager,
      rows.map((r) => r.id),
    );
    const acknowledgers = await actorRefsOf(
      this.dataSource,
      rows.map((a) => a.acknowledgedBy),
    );
    const page = toPage(rows, query.limit, (a) =>
      toAlertView(a, escalations.get(a.id), acknowledgers.get(a.acknowledgedBy ?? '')),
    );
    return { ...page, items: await this.withPatients(page.items) };
  }

  /** Stops escalation. Acknowledging again is a no-op; a resolved alert cannot be acknowledged. */
  async acknowledge(principal: Principal, id: string): Promise<AlertView> {
    const alert = await this.findVisible(principal, id);
    if (alert.status === 'resolved') throw ProblemException.conflict('The alert is resolved');
    if (alert.status === 'acknowledged') return this.answer(this.view(this.dataSource.manager, id));
    const affected = await this.dataSource.transaction(async (manager) => {
      await this.escalation.stop(manager, id, 'acknowledged');
      const result = await manager.update(
        AlertEntity,
        { id, status: 'open' },
        {
          status: 'acknowledged',
          acknowledgedAt: this.clock.now(),
          acknowledgedBy: principal.keyId,
        },
      );
      return result.affected ?? 0;
    });
    const view = await this.view(this.dataSource.manager, id);
    if (affected) await this.publish('alert.acknowledged', principal.tenantId, view);
    return this.answer(view);
  }

  async resolve(principal: Principal, id: string, note?: string): Promise<AlertView> {
    await this.findVisible(principal, id);
    const affected = await this.dataSource.transaction(async (manager) => {
      await this.escalation.stop(manager, id, 'ended');
      const { count } = await countedQuery(
        manager,
        `UPDATE alerts SET status = 'resolved', resolved_at = $2, resolved_by = $3, resolution_note = $4,
           updated_at = now()
         WHERE id = $1 AND status <> 'resolved'`,
        [id, this.clock.now(), principal.keyId, note ?? null],
      );
      return count;
    });
    if (affected === 0) {
      throw ProblemException.conflict('The alert is already resolved');
    }
    const view = await this.view(this.dataSource.manager, id);
    await this.publish('alert.resolved', principal.tenantId, view);
    return this.answer(view);
  }

  /** An alert with its escalation: what the API, SSE and webhooks show. */
  async view(manager: EntityManager, id: string): Promise<AlertView> {
    const alert = await manager.findOneByOrFail(AlertEntity, { id });
    const escalations = await this.escalation.rowsOf(manager, [id]);
    const acknowledgers = await actorRefsOf(manager, [alert.acknowledgedBy]);
    return toAlertView(alert, escalations.get(id), acknowledgers.get(alert.acknowledgedBy ?? ''));
  }

  /** An alert as the API answers it: with its patient's externalId (never in events). */
  private async answer(view: AlertView | Promise<AlertView>): Promise<AlertView> {
    const [answered] = await this.withPatients([await view]);
    return answered!;
  }

  /** The patients' externalIds, one query for a page; the board names patients by them. */
  private async withPatients(views: AlertView[]): Promise<AlertView[]> {
    if (views.length === 0) return views;
    const rows = (await this.dataSource.query(
      `SELECT id, external_id FROM patients WHERE id = ANY($1::uuid[])`,
      [[...new Set(views.map((v) => v.patientId))]],
    )) as { id: string; external_id: string }[];
    const externalIds = new Map(rows.map((r) => [r.id, r.external_id]));
    return views.map((view) => {
      const externalId = externalIds.get(view.patientId);
      return externalId ? { ...view, patientExternalId: externalId } : view;
    });
  }

  private async findVisible(principal: Principal, id: string): Promise<AlertEntity> {
    const alert = await this.repo.findOneBy({ id, tenantId: principal.tenantId });
    return assertVisible(principal, alert, 'Alert');
  }

  private publish(type: AlertEventType, tenantId: string, alert: AlertView): Promise<void> {
    return this.events.publish({ type, tenantId, alert });
  }
}
