import { Injectable } from '@nestjs/common';
import { Principal } from '@taperwatch/auth';
import {
  PlanStep,
  StepOrder,
  findDrug,
  needsOrderPeriod,
  pharmacyOrders,
} from '@taperwatch/domain';
import { ProblemException } from '@taperwatch/http';
import { PlansService } from '@taperwatch/plans';

export interface PharmacyOrdersView {
  planId: string;
  patientId: string;
  /** The period each order covers when asked for; absent: each whole step. */
  periodDays: number | null;
  steps: StepOrder[];
}

/** What the pharmacy dispenses for each step of a plan (the same quantities as its FHIR requests). */
@Injectable()
export class PharmacyOrdersService {
  constructor(private readonly plans: PlansService) {}

  async orders(
    principal: Principal,
    planId: string,
    periodDays?: number,
  ): Promise<PharmacyOrdersView> {
    const plan = await this.plans.findVisible(principal, planId);
    const steps = plan.steps as PlanStep[];
    if (periodDays === undefined && needsOrderPeriod(steps)) {
      throw ProblemException.unprocessable(
        'This plan has an open-ended step (maintenance, until revised): say how many days to dispense for.',
        [{ field: 'periodDays', message: 'required for a plan with an open-ended step' }],
      );
    }
    return {
      planId: plan.id,
      patientId: plan.patientId,
      periodDays: periodDays ?? null,
      steps: pharmacyOrders(steps, (c) => findDrug(c)?.name ?? c, periodDays),
    };
  }
}
