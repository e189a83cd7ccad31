import { Injectable } from '@nestjs/common';
import {
  Dispensed,
  PlanStep,
  SupplyOutlook,
  courseSteps,
  planDrugCodes,
  supplyOutlook,
} from '@taperwatch/domain';
import { DispensingEntity, PlanEntity } from '@taperwatch/persistence';
import { DoseScheduleService } from '@taperwatch/doses';
import { SupplyRepository } from './supply.repository';

export const toDispensed = (d: DispensingEntity): Dispensed => ({
  drugCode: d.drugCode,
  form: d.form,
  strengthMg: d.strengthMg,
  quantity: d.quantity,
  dispensedAt: d.dispensedAt,
});

/** A drug's supply under the plan in force that gives it. */
export interface DrugSupply {
  plan: PlanEntity | null;
  /** The steps counted: the course's earlier versions as they ran, then the plan's as they run now. */
  steps: PlanStep[];
  outlook: SupplyOutlook;
}

/** Reads plans in force and dispensings, and asks the domain when each drug's supply runs out. */
@Injectable()
export class SupplyReader {
  constructor(
    private readonly repository: SupplyRepository,
    private readonly schedule: DoseScheduleService,
  ) {}

  /** The plan in force giving `drugCode` to the patient: the one of that drug first, else a switch's. */
  async planInForce(
    tenantId: string,
    patientId: string,
    drugCode: string,
  ): Promise<PlanEntity | null> {
    const plans = await this.repository.plansInForce(tenantId, patientId);
    return (
      plans.find((p) => p.drugCode === drugCode) ??
      plans.find((p) => planDrugCodes(p.steps as PlanStep[]).includes(drugCode)) ??
      null
    );
  }

  dispensings(tenantId: string, patientId: string, drugCode?: string): Promise<DispensingEntity[]> {
    return this.repository.dispensings(tenantId, patientId, drugCode);
  }

  /**
   * The steps a supply is counted against: the course's earlier versions as they ran (each up to
   * the day before the next one started), then the plan's steps as they run now (a paused plan's
   * held step has no end).
   */
  async countedSteps(plan: PlanEntity, zone: string): Promise<PlanStep[]> {
    const earlier = await this.repository.supersededVersions(plan.requestId);
    return courseSteps([
      ...earlier.filter((p) => p.version < plan.version).map((p) => p.steps as PlanStep[]),
      this.schedule.effectiveSteps(plan, zone),
    ]);
  }

  /** When `drugCode`'s dispensed supply runs out under the counted steps (none: no plan in force). */
  async supplyUnder(
    plan: PlanEntity | null,
    zone: string,
    drugCode: string,
    dispensings: readonly DispensingEntity[],
  ): Promise<DrugSupply> {
    const steps = plan ? await this.countedSteps(plan, zone) : [];
    const mine = dispensings.filter((d) => d.drugCode === drugCode).map(toDispensed);
    const outlook = plan
      ? supplyOutlook(steps, zone, drugCode, mine)
      : { drugCode, runsOutAt: null, dosesCovered: 0 };
    return { plan, steps, outlook };
  }
}
