import { Injectable } from '@nestjs/common';
import { Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { PlanStep, findDrug, zonedDate } from '@taperwatch/domain';
import { planToFhirBundle } from './plan-fhir';
import { renderDoseChart, renderSchedulePage } from './plan-schedule-page';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';

/** The plan as other systems (FHIR R4) and people (a printed schedule, the board's chart) read it. */
@Injectable()
export class PlanDocumentsService {
  constructor(
    private readonly repository: PlansRepository,
    private readonly plans: PlansService,
    private readonly clock: Clock,
  ) {}

  async fhir(principal: Principal, id: string) {
    const plan = await this.plans.findVisible(principal, id);
    const patient = await this.patientOf(plan.patientId);
    return planToFhirBundle(plan, patient.externalId, findDrug, this.clock.now());
  }

  async schedule(principal: Principal, id: string): Promise<string> {
    const plan = await this.plans.findVisible(principal, id);
    const patient = await this.patientOf(plan.patientId);
    return renderSchedulePage(plan, findDrug, patient);
  }

  /** The schedule's dose chart alone (image/svg+xml), with today marked in the patient's zone. */
  async chart(principal: Principal, id: string): Promise<string> {
    const plan = await this.plans.findVisible(principal, id);
    const patient = await this.patientOf(plan.patientId);
    const equivalent = plan.equivalentDrugCode
      ? (findDrug(plan.equivalentDrugCode)?.name ?? plan.equivalentDrugCode).toLowerCase()
      : undefined;
    return renderDoseChart(
      plan.steps as PlanStep[],
      zonedDate(this.clock.now(), patient.timezone),
      equivalent,
    );
  }

  private patientOf(id: string) {
    return this.repository.patient(id);
  }
}
