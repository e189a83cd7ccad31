import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ActorRef, Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { DrugView, PlanStep, daysOfSupply, findDrug } from '@taperwatch/domain';
import { Page, ProblemException, decodeCursor, toPage } from '@taperwatch/http';
import { DispensingEntity, PlanEntity, isUniqueViolation } from '@taperwatch/persistence';
import { PatientsService } from '@taperwatch/patients';
import { SupplyReader } from './supply-reader.service';
import { NewDispensing, SupplyRepository } from './supply.repository';

export interface DispensingBody {
  drugCode: string;
  form: 'tablet' | 'liquid';
  /** Tablets: mg per tablet. */
  strengthMg?: number;
  /** Liquids: mg per mL. */
  mgPerMl?: number;
  /** Tablets, or mL of a liquid. */
  quantity: number;
  dispensedAt: string;
  fhirId?: string;
}

export interface DispensingView {
  id: string;
  patientId: string;
  drugCode: string;
  form: 'tablet' | 'liquid';
  strengthMg?: number;
  mgPerMl?: number;
  quantity: number;
  unit: 'tablet' | 'mL';
  dispensedAt: string;
  /** The plan in force giving the drug, whose doses the supply is counted against. */
  planId: string | null;
  /** The first dose the drug's supply (every dispensing so far) cannot make; null: it lasts the plan. */
  runsOutAt: string | null;
  /** Whole days from this dispensing to that run-out. */
  daysSupply: number | null;
  fhirId?: string;
  /** Who recorded it: an API key, or the person or system a token named. */
  recordedBy: ActorRef;
  createdAt: string;
}

/** A dispensing in the future by more than this is refused (clocks differ a little). */
const CLOCK_SKEW_MS = 5 * 60_000;

function strengthsOf(drug: DrugView): number[] {
  const f = drug.formulations as { tabletsMg: number[] | null; otherTabletsMg: number[] };
  return [...(f.tabletsMg ?? []), ...f.otherTabletsMg];
}

/** Each form and strength a plan's steps give of a drug, as "10 mg tablets", "1 mg/mL liquid". */
function productsGiven(steps: readonly PlanStep[], drugCode: string): Set<string> {
  const out = new Set<string>();
  for (const step of steps)
    for (const dose of step.doses)
      if (dose.drugCode === drugCode)
        for (const u of dose.units)
          out.add(
            u.form === 'liquid' ? `${u.strengthMg} mg/mL liquid` : `${u.strengthMg} mg tablets`,
          );
  return out;
}

@Injectable()
export class DispensingsService {
  constructor(
    private readonly repository: SupplyRepository,
    private readonly patients: PatientsService,
    private readonly reader: SupplyReader,
    private readonly clock: Clock,
  ) {}

  async record(
    principal: Principal,
    patientId: string,
    body: DispensingBody,
  ): Promise<DispensingView> {
    const patient = await this.patients.findVisible(principal, patientId);
    const dispensedAt = new Date(body.dispensedAt);
    if (dispensedAt.getTime() > this.clock.now().getTime() + CLOCK_SKEW_MS) {
      throw ProblemException.validation([{ field: 'dispensedAt', message: 'is in the future' }]);
    }
    const drug = findDrug(body.drugCode);
    if (!drug) {
      throw ProblemException.unprocessable('Unknown drug', [
        {
          field: 'drugCode',
          message: `${body.drugCode} is not in the drug catalogue (GET /v1/drugs)`,
        },
      ]);
    }
    const plan = await this.reader.planInForce(principal.tenantId, patient.id, drug.code);
    const strengthMg = this.checkProduct(drug, body, plan);
    const row: NewDispensing = {
      id: randomUUID(),
      tenantId: principal.tenantId,
      patientId: patient.id,
      drugCode: drug.code,
      form: body.form,
      strengthMg,
      quantity: body.quantity,
      dispensedAt,
      fhirId: body.fhirId ?? null,
      recordedBy: principal.keyId,
    };
    try {
      await this.repository.insertDispensing(row);
    } catch (error) {
      if (isUniqueViolation(error, 'dispensings_fhir_id_key')) {
        throw ProblemException.conflict(
          `MedicationDispense ${body.fhirId} is already recorded: a dispense counts once`,
        );
      }
      throw error;
    }
    const all = await this.reader.dispensings(principal.tenantId, patient.id, drug.code);
    const saved = all.find((d) => d.id === row.id)!;
    const { outlook } = await this.reader.supplyUnder(plan, patient.timezone, drug.code, all);
    return toView(saved, plan?.id ?? null, outlook.runsOutAt, principal.actor);
  }

  async list(
    principal: Principal,
    patientId: string,
    query: { limit: number; cursor?: string },
  ): Promise<Page<DispensingView>> {
    const patient = await this.patients.findVisible(principal, patientId);
    const after = decodeCursor(query.cursor);
    const rows = await this.repository.listDispensings(
      principal.tenantId,
      patient.id,
      after,
      query.limit + 1,
    );
    // Each drug's run-out once, from every dispensing of it so far.
    const runOut = new Map<string, { planId: string | null; runsOutAt: Date | null }>();
    for (const code of new Set(rows.map((r) => r.drugCode))) {
      const plan = await this.reader.planInForce(principal.tenantId, patient.id, code);
      const all = await this.reader.dispensings(principal.tenantId, patient.id, code);
      const { outlook } = await this.reader.supplyUnder(plan, patient.timezone, code, all);
      runOut.set(code, { planId: plan?.id ?? null, runsOutAt: outlook.runsOutAt });
    }
    const recorders = await this.repository.recorders(rows.map((r) => r.recordedBy));
    return toPage(rows, query.limit, (r) => {
      const s = runOut.get(r.drugCode)!;
      return toView(r, s.planId, s.runsOutAt, recorders.get(r.recordedBy)!);
    });
  }

  /**
   * The product must exist and, under a plan in force, be one the plan gives: a strength none of
   * its doses is made of would count as no supply at all. Returns the stored strength.
   */
  private checkProduct(drug: DrugView, body: DispensingBody, plan: PlanEntity | null): number {
    const field = body.form === 'liquid' ? 'mgPerMl' : 'strengthMg';
    const strength = body.form === 'liquid' ? body.mgPerMl : body.strengthMg;
    if (strength === undefined) {
      throw ProblemException.validation([{ field, message: `is required for a ${body.form}` }]);
    }
    if (body.form === 'liquid' && !(drug.formulations as { liquid: unknown }).liquid) {
      throw ProblemException.unprocessable('No such product', [
        { field: 'form', message: `the catalogue's sources name no liquid form of ${drug.name}` },
      ]);
    }
    const known = strengthsOf(drug);
    if (body.form === 'tablet' && known.length > 0 && !known.includes(strength)) {
      throw ProblemException.unprocessable('No such product', [
        {
          field,
          message: `${drug.name} comes as ${known.join(', ')} mg tablets; not ${strength} mg`,
        },
      ]);
    }
    if (plan) {
      // The plan in force's own steps: a product only an earlier version gave is not dispensed now.
      const given = productsGiven(plan.steps as PlanStep[], drug.code);
      const asked = body.form === 'liquid' ? `${strength} mg/mL liquid` : `${strength} mg tablets`;
      if (!given.has(asked)) {
        throw ProblemException.unprocessable('The plan in force gives another product', [
          {
            field,
            message: `the plan in force gives ${drug.name} as ${[...given].join(', ') || 'no doses'}; ${asked} make none of its doses`,
          },
        ]);
      }
    }
    return strength;
  }
}

function toView(
  d: DispensingEntity,
  planId: string | null,
  runsOutAt: Date | null,
  recordedBy: ActorRef,
): DispensingView {
  return {
    id: d.id,
    patientId: d.patientId,
    drugCode: d.drugCode,
    form: d.form,
    ...(d.form === 'liquid' ? { mgPerMl: d.strengthMg } : { strengthMg: d.strengthMg }),
    quantity: d.quantity,
    unit: d.form === 'liquid' ? 'mL' : 'tablet',
    dispensedAt: d.dispensedAt.toISOString(),
    planId,
    runsOutAt: runsOutAt?.toISOString() ?? null,
    daysSupply: daysOfSupply(d.dispensedAt, runsOutAt),
    ...(d.fhirId ? { fhirId: d.fhirId } : {}),
    recordedBy,
    createdAt: d.createdAt.toISOString(),
  };
}
