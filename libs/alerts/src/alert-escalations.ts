import type { EntityManager } from 'typeorm';
import type { AlertEscalationEntity } from '@taperwatch/persistence';

/**
 * What raising, moving, acknowledging and resolving an alert ask of its escalation. The engine
 * in libs/escalation implements it and provides it app-wide (EscalationModule): escalation
 * imports alerts (events, views), so alerts names only this and never imports it back.
 */
export abstract class AlertEscalations {
  /**
   * The escalation a new alert of this unit starts with, not yet stored: the alert's own
   * statement inserts it, so no alert is committed without one.
   */
  abstract initial(
    alertId: string,
    tenantId: string,
    unitId: string,
  ): Promise<AlertEscalationEntity>;

  /** After the alert's commit: arms the escalation's first step (or reports nobody is told). */
  abstract opened(row: AlertEscalationEntity): Promise<void>;

  /**
   * Starts a live alert's escalation over from step 0 under `unitId`'s policy, inside the
   * caller's transaction and before it touches the alert row; null when it has none.
   */
  abstract restart(
    manager: EntityManager,
    alertId: string,
    unitId: string,
    why: string,
  ): Promise<AlertEscalationEntity | null>;

  /** Acknowledged (stops) or resolved (ends), inside the caller's transaction. */
  abstract stop(
    manager: EntityManager,
    alertId: string,
    how: 'acknowledged' | 'ended',
  ): Promise<void>;
}
