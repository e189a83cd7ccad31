import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PendingSymptomAlert, SymptomCheckEntity, preparedQuery } from '@taperwatch/persistence';
import { PlansRepository } from './plans.repository';

/**
 * Checks whose alert is still owed, written before $1 (a check written since is still being
 * raised by its own request), oldest first, $2 at most, with the patient's unit now.
 */
const OWED_ALERTS_SQL = `
SELECT c.id, c.tenant_id, c.plan_id, c.patient_id, pt.unit_id, c.pending_alert
FROM symptom_checks c JOIN patients pt ON pt.id = c.patient_id
WHERE c.pending_alert IS NOT NULL AND c.created_at < $1
ORDER BY c.created_at LIMIT $2`;

/** A check's alert, owed: what raising it needs. */
export interface OwedAlert {
  id: string;
  tenant_id: string;
  plan_id: string;
  patient_id: string;
  unit_id: string;
  pending_alert: PendingSymptomAlert;
}

/** A new check's row: what the database fills in (createdAt) left out. */
export type NewSymptomCheck = Omit<SymptomCheckEntity, 'createdAt'>;

/**
 * Every statement of symptom checks (decision 0030). A check is written in the caller's
 * transaction with the hold it proposes; its owed alert is cleared once raised.
 */
@Injectable()
export class SymptomChecksRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlansRepository,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, check: NewSymptomCheck): Promise<void> {
    await manager.insert(SymptomCheckEntity, check);
  }

  /** The patient's time zone, read in the caller's transaction. */
  async timezoneOf(manager: EntityManager, patientId: string): Promise<string> {
    return (await this.plans.patient(patientId, manager)).timezone;
  }

  find(id: string): Promise<SymptomCheckEntity> {
    return this.dataSource.getRepository(SymptomCheckEntity).findOneByOrFail({ id });
  }

  /** Checks written before `before` whose alert is still owed, oldest first, `limit` at most. */
  owedAlerts(before: Date, limit: number): Promise<OwedAlert[]> {
    return preparedQuery<OwedAlert>(
      this.dataSource.manager,
      'owed-symptom-alerts',
      OWED_ALERTS_SQL,
      [before, limit],
    );
  }

  /** The check's alert was raised: it is owed no more. */
  async alertRaised(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE symptom_checks SET pending_alert = NULL WHERE id = $1`, [
      id,
    ]);
  }
}
