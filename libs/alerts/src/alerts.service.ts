import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Principal, actorRefsOf, assertVisible } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { Page, ProblemException, decodeCursor, toPage } from '@taperwatch/http';
import {
  AlertEntity,
  AlertEscalationEntity,
  AlertSeverity,
  AlertStatus,
  AlertType,
} from '@taperwatch/persistence';
import { AlertEscalations } from './alert-escalations';
import { AlertEvents, AlertEventType } from './alert-events';
import { AlertView, alertViewFromRow, toAlertView } from './alert-view';
import { AlertNews, AlertsRepository } from './alerts.repository';
import { OpenedAlertRow, openedAlert } from './open-alert.sql';

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
    private readonly repository: AlertsRepository,
    private readonly clock: Clock,
    private readonly events: AlertEvents,
    private readonly escalation: AlertEscalations,
  ) {}

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
    const dedupKey = alertDedupKey(input.planId, input.type);
    const news: AlertNews = {
      dedupKey,
      doseIds: [...new Set(input.doseIds)].sort(),
      message: input.message,
      severity: input.severity,
      standalone: input.standalone === true,
    };
    if (known?.live !== false) {
      // Most raises add doses to the live alert (every further miss of a plan): one statement,
      // no transaction, so a burst of checks holds the alert's row lock as briefly as it can.
      // Not when the alert is acknowledged and this raise is news to it: that re-opens it (below).
      const added = await this.repository.addToLive(news);
      if (added) return { id: added, created: false };
      const reopened = await this.reopen(news);
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
      row = await this.repository.open({ ...input, id }, news, escalation);
      if (row) break;
      // The live alert is acknowledged and this raise brings a dose it has not seen.
      const reopened = await this.reopen(news);
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
  private async reopen(news: AlertNews): Promise<string | null> {
    const result = await this.repository.transaction(async (manager) => {
      // The escalation row first, then the alert's: the order every writer keeps. Holding it,
      // no acknowledge, resolve or firing can change the alert until this commits.
      const live = await this.repository.lockAcknowledgedFor(manager, news);
      if (!live) return null;
      const escalation = await this.escalation.restart(
        manager,
        live.id,
        live.unit_id,
        'alert re-opened',
      );
      await this.repository.reopen(manager, live.id, news);
      return { id: live.id, tenantId: live.tenant_id, escalation };
    });
    if (!result) return null;
    if (result.escalation) await this.escalation.opened(result.escalation);
    const view = await this.view(this.repository.manager, result.id);
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
    const moving = await this.repository.lockLiveElsewhere(manager, tenantId, patientId, toUnitId);
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
        await this.repository.moveEscalation(manager, alert.id, toUnitId);
      }
    }
    if (moving.length > 0) {
      await this.repository.moveAlerts(
        manager,
        moving.map((a) => a.id),
        toUnitId,
      );
    }
    return async () => {
      for (const row of restarted) await this.escalation.opened(row);
      for (const alert of moving) {
        const view = await this.view(this.repository.manager, alert.id);
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
      this.view(this.repository.manager, (await this.findVisible(principal, id)).id),
    );
  }

  async list(principal: Principal, query: AlertListQuery): Promise<Page<AlertView>> {
    const rows = await this.repository.listPage({
      tenantId: principal.tenantId,
      units: principal.unitFilter,
      unitId: query.unitId,
      status: query.status,
      patientId: query.patientId,
      type: query.type,
      after: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    return toPage(rows, query.limit, alertViewFromRow, (r) => ({
      createdAt: r.created_at,
      id: r.id,
    }));
  }

  /** Stops escalation. Acknowledging again is a no-op; a resolved alert cannot be acknowledged. */
  async acknowledge(principal: Principal, id: string): Promise<AlertView> {
    const alert = await this.findVisible(principal, id);
    if (alert.status === 'resolved') throw ProblemException.conflict('The alert is resolved');
    if (alert.status === 'acknowledged') return this.answer(this.view(this.repository.manager, id));
    const affected = await this.repository.transaction(async (manager) => {
      await this.escalation.stop(manager, id, 'acknowledged');
      return this.repository.acknowledge(manager, id, this.clock.now(), principal.keyId);
    });
    const view = await this.view(this.repository.manager, id);
    if (affected) await this.publish('alert.acknowledged', principal.tenantId, view);
    return this.answer(view);
  }

  async resolve(principal: Principal, id: string, note?: string): Promise<AlertView> {
    await this.findVisible(principal, id);
    const affected = await this.repository.transaction(async (manager) => {
      await this.escalation.stop(manager, id, 'ended');
      return this.repository.resolve(manager, id, {
        at: this.clock.now(),
        by: principal.keyId,
        note: note ?? null,
      });
    });
    if (affected === 0) {
      throw ProblemException.conflict('The alert is already resolved');
    }
    const view = await this.view(this.repository.manager, id);
    await this.publish('alert.resolved', principal.tenantId, view);
    return this.answer(view);
  }

  /** An alert with its escalation: what the API, SSE and webhooks show. */
  async view(manager: EntityManager, id: string): Promise<AlertView> {
    const alert = await this.repository.find(manager, id);
    const escalations = await this.repository.escalationsOf(manager, [id]);
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
    const externalIds = await this.repository.patientExternalIds(views.map((v) => v.patientId));
    return views.map((view) => {
      const externalId = externalIds.get(view.patientId);
      return externalId ? { ...view, patientExternalId: externalId } : view;
    });
  }

  private async findVisible(principal: Principal, id: string): Promise<AlertEntity> {
    const alert = await this.repository.findOfTenant(id, principal.tenantId);
    return assertVisible(principal, alert, 'Alert');
  }

  private publish(type: AlertEventType, tenantId: string, alert: AlertView): Promise<void> {
    return this.events.publish({ type, tenantId, alert });
  }
}
