import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, assertVisible } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { MINUTE_MS, classifyTimeliness } from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { DoseView, toDoseView } from '@taperwatch/plans';
import {
  DoseEntity,
  DoseOutcome,
  DoseStatus,
  PatientEntity,
  PlanEntity,
} from '@taperwatch/persistence';
import { watchedPlan } from './plan-context';
import { WatchService } from './watch.service';

export interface AdministrationInput {
  outcome: DoseOutcome;
  administeredAt?: string;
  doseMg?: number;
  note?: string;
}

/** A charting clock a few minutes fast is normal; a time further ahead is a mistake. */
const FUTURE_TOLERANCE_MS = 5 * MINUTE_MS;

const STATUS_OF: Record<DoseOutcome, DoseStatus> = {
  given: 'given',
  held: 'held',
  refused: 'refused',
  // Not given for another reason: still a dose the patient did not take.
  not_given: 'missed',
};

@Injectable()
export class DoseRecordingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly watch: WatchService,
  ) {}

  /**
   * Records what happened to a dose, once. A dose the watcher marked missed may still be
   * recorded (given late, or held/refused to say why); a second recording is a 409.
   */
  async record(
    principal: Principal,
    doseId: string,
    input: AdministrationInput,
  ): Promise<DoseView> {
    const now = this.clock.now();
    const administeredAt = input.administeredAt ? new Date(input.administeredAt) : now;
    if (administeredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw ProblemException.unprocessable('administeredAt is in the future', [
        { field: 'administeredAt', message: 'must not be in the future' },
      ]);
    }
    const recorded = await this.dataSource.transaction(async (manager) => {
      const dose = await manager
        .getRepository(DoseEntity)
        .createQueryBuilder('d')
        .setLock('pessimistic_write')
        .where('d.id = :doseId AND d.tenant_id = :tenantId', {
          doseId,
          tenantId: principal.tenantId,
        })
        .getOne();
      const patient = dose ? await manager.findOneBy(PatientEntity, { id: dose.patientId }) : null;
      assertVisible(principal, patient, 'Dose');
      if (!dose) throw ProblemException.notFound('Dose');
      if (dose.recordedOutcome) {
        throw ProblemException.conflict(`The dose is already recorded as ${dose.recordedOutcome}`);
      }
      if (dose.status === 'cancelled') throw ProblemException.conflict('The dose was cancelled');
      const plan = await manager.findOneByOrFail(PlanEntity, { id: dose.planId });
      const given = input.outcome === 'given';
      const changes: Partial<DoseEntity> = {
        status: STATUS_OF[input.outcome],
        recordedOutcome: input.outcome,
        recordedBy: principal.keyId,
        note: input.note ?? null,
        administeredAt: given ? administeredAt : null,
        givenMg: given ? (input.doseMg ?? dose.doseMg) : null,
        missedAt: input.outcome === 'not_given' ? (dose.missedAt ?? now) : dose.missedAt,
      };
      if (given) {
        const perDay = watchedPlan(plan, patient!, undefined).dosesPerDay;
        changes.timeliness = classifyTimeliness({
          dueAt: dose.dueAt.getTime(),
          administeredAt: administeredAt.getTime(),
          frequency: { dosesPerDay: perDay },
        });
        changes.minutesFromDue = Math.round(
          (administeredAt.getTime() - dose.dueAt.getTime()) / MINUTE_MS,
        );
      }
      await manager.update(DoseEntity, { id: dose.id }, changes);
      return manager.findOneByOrFail(DoseEntity, { id: dose.id });
    });
    await this.watch.cancelCheck(recorded.id);
    // A dose not taken counts at once: two refusals can be an abrupt stop before any job fires.
    if (input.outcome !== 'given') await this.watch.evaluatePlan(recorded.planId, 'recording');
    return toDoseView(recorded);
  }
}
