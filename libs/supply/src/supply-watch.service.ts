import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { PlanStep, findDrug, planDrugCodes, supplyOutlook, supplyState } from '@taperwatch/domain';
import { AlertType, DispensingEntity, PatientEntity, PlanEntity } from '@taperwatch/persistence';
import { SupplyReader, toDispensed } from './supply-reader.service';
import { SupplyRepository } from './supply.repository';

const DAY_MS = 86_400_000;

/**
 * The supply watch: for each plan in force whose patient has dispensings of a drug it gives,
 * `supply_low` (warning) from SUPPLY_LOW_DAYS before the supply runs out and
 * `abrupt_cessation_risk` (critical) once it has, unless a dispensing since moved the run-out.
 * Each is raised at most once per plan, drug and run-out (supply_alerts), through AlertsService
 * so it escalates; a resolved one is not raised again until the supply changes.
 */
@Injectable()
export class SupplyWatchService {
  private readonly logger = new Logger(SupplyWatchService.name);

  constructor(
    private readonly repository: SupplyRepository,
    private readonly reader: SupplyReader,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sweep(): Promise<{ raised: number }> {
    const now = this.clock.now();
    const plans = await this.repository.plansInForceWithDispensings();
    let raised = 0;
    for (const plan of plans) {
      try {
        raised += await this.watchPlan(plan, now);
      } catch (error) {
        // One plan's failure must not stop the others; the next sweep tries it again.
        this.logger.error(
          { planId: plan.id, err: { message: (error as Error).message } },
          'supply watch failed',
        );
      }
    }
    return { raised };
  }

  private async watchPlan(plan: PlanEntity, now: Date): Promise<number> {
    const patient = await this.repository.patient(plan.patientId);
    const dispensings = await this.reader.dispensings(plan.tenantId, plan.patientId);
    let raised = 0;
    const steps = await this.reader.countedSteps(plan, patient.timezone);
    for (const drugCode of planDrugCodes(plan.steps as PlanStep[])) {
      const mine = dispensings.filter((d) => d.drugCode === drugCode).map(toDispensed);
      if (mine.length === 0) continue;
      const outlook = supplyOutlook(steps, patient.timezone, drugCode, mine);
      const state = supplyState(outlook.runsOutAt, now, this.config.SUPPLY_LOW_DAYS);
      if (state.kind === 'covered') continue;
      const name = findDrug(drugCode)?.name ?? drugCode;
      const last = lastOf(dispensings, drugCode);
      if (state.kind === 'low') {
        const days = Math.max(0, (state.runsOutAt.getTime() - now.getTime()) / DAY_MS);
        raised += await this.raiseOnce(plan, patient, drugCode, 'supply_low', state.runsOutAt, {
          severity: 'warning',
          message: `${name} supply runs out at ${state.runsOutAt.toISOString()} (in ${days.toFixed(1)} days) with no refill dispensed since ${last}: arrange a dispensing.`,
        });
      } else {
        raised += await this.raiseOnce(
          plan,
          patient,
          drugCode,
          'abrupt_cessation_risk',
          state.runsOutAt,
          {
            severity: 'critical',
            message: `${name} supply ran out at ${state.runsOutAt.toISOString()} with no dispensing since ${last}: the patient may have stopped ${name} abruptly.`,
          },
        );
      }
    }
    return raised;
  }

  private async raiseOnce(
    plan: PlanEntity,
    patient: PatientEntity,
    drugCode: string,
    type: AlertType,
    runsOutAt: Date,
    alert: { severity: 'warning' | 'critical'; message: string },
  ): Promise<number> {
    const key = { planId: plan.id, drugCode, type, runsOutAt };
    if (await this.repository.supplyAlertRaised(key)) return 0;
    // Raise first, then remember: a crash between them raises again, which the live alert absorbs.
    const { id } = await this.alerts.raise({
      tenantId: plan.tenantId,
      type,
      severity: alert.severity,
      patientId: plan.patientId,
      planId: plan.id,
      unitId: patient.unitId,
      doseIds: [],
      message: alert.message,
    });
    await this.repository.rememberSupplyAlert(key, id);
    return 1;
  }
}

function lastOf(dispensings: readonly DispensingEntity[], drugCode: string): string {
  const mine = dispensings.filter((d) => d.drugCode === drugCode);
  return mine[mine.length - 1].dispensedAt.toISOString();
}
