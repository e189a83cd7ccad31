import {
  DrugView,
  EXTERNAL_ID_SYSTEM,
  OPEN_END,
  ORAL_ROUTE,
  OrderLine,
  PLAN_IDENTIFIER_SYSTEM,
  PlanStep,
  PlannedDose,
  StepOrder,
  UCUM,
  describeUnits,
  medicationConcept,
  pharmacyOrders,
  planDrugCodes,
} from '@taperwatch/domain';
import { PlanEntity } from '@taperwatch/persistence';

/** FHIR R4 MedicationRequest.status for each plan status. */
const STATUS: Record<PlanEntity['status'], string> = {
  proposed: 'draft',
  active: 'active',
  paused: 'on-hold',
  completed: 'completed',
  cancelled: 'cancelled',
  superseded: 'stopped',
};

/** A drug's catalogue entry by code (undefined when the catalogue has none). */
export type DrugLookup = (code: string) => DrugView | undefined;

function dosageInstructions(step: PlanStep, doses: readonly PlannedDose[], drugName: string) {
  // An open-ended step (maintenance, until revised) has no end to state.
  const boundsPeriod =
    step.endDate === OPEN_END
      ? { start: step.startDate }
      : { start: step.startDate, end: step.endDate };
  if (doses.length === 0) {
    return [
      {
        sequence: 1,
        text: `No doses of ${drugName} from ${step.startDate}.`,
        timing: { repeat: { boundsPeriod } },
      },
    ];
  }
  return doses.map((dose, i) => ({
    sequence: i + 1,
    text: `${dose.time} — ${drugName} ${dose.doseMg} mg: ${describeUnits(dose.units)}`,
    timing: {
      repeat: {
        boundsPeriod,
        frequency: 1,
        period: 1,
        periodUnit: 'd',
        timeOfDay: [`${dose.time}:00`],
      },
    },
    route: ORAL_ROUTE,
    doseAndRate: [{ doseQuantity: { value: dose.doseMg, unit: 'mg', system: UCUM, code: 'mg' } }],
  }));
}

/** A dispensed product's quantity: tablets ({tbl}) of a strength, or mL of a concentration. */
function productQuantity(line: OrderLine) {
  return line.form === 'liquid'
    ? { value: line.quantity, unit: 'mL', system: UCUM, code: 'mL' }
    : { value: line.quantity, unit: `${line.strengthMg} mg tablet`, system: UCUM, code: '{tbl}' };
}

/** Each further product of a step's drug (a second strength): one quantity each. */
export const DISPENSE_QUANTITY_EXTENSION = 'urn:taperwatch:fhir:dispense-quantity';

/**
 * What the pharmacy dispenses for the step's doses of one drug, as GET …/pharmacy-orders gives
 * it: the step's days as expectedSupplyDuration; the quantity when one product makes every dose,
 * else one extension per product (dispenseRequest has room for one quantity only).
 */
function dispenseRequest(order: StepOrder, drugCode: string) {
  const lines = order.lines.filter((l) => l.drugCode === drugCode);
  if (lines.length === 0) return {};
  const duration = { value: order.days, unit: 'd', system: UCUM, code: 'd' };
  return {
    dispenseRequest:
      lines.length === 1
        ? { quantity: productQuantity(lines[0]), expectedSupplyDuration: duration }
        : {
            extension: lines.map((l) => ({
              url: DISPENSE_QUANTITY_EXTENSION,
              valueQuantity: productQuantity(l),
            })),
            expectedSupplyDuration: duration,
          },
  };
}

/**
 * The drugs a step's requests are for: those it gives, or for a step without doses the drugs the
 * step before gave (what is being stopped), else the plan's drug.
 */
function requestedDrugs(steps: readonly PlanStep[], i: number, planDrug: string): string[] {
  for (let k = i; k >= 0; k--) {
    const codes = planDrugCodes([steps[k]]);
    if (codes.length > 0) return codes;
  }
  return [planDrug];
}

/**
 * One MedicationRequest per drug per step: the plan as the hospital's other systems read it.
 * Each request names its own drug and doses in that drug's own mg; a switch's diazepam-equivalent
 * total is only a note, labelled as such.
 */
export function planToFhirBundle(
  plan: PlanEntity,
  patientExternalId: string,
  drugOf: DrugLookup,
  now: Date,
) {
  const steps = plan.steps as PlanStep[];
  // A drug's place in the plan keeps request ids stable across steps; the first drug's requests
  // keep the one-drug form (ids are at most 64 characters, so no drug code in them).
  const order = planDrugCodes(steps);
  const equivalent = plan.equivalentDrugCode;
  const nameOf = (code: string) => drugOf(code)?.name ?? code;
  const orders = pharmacyOrders(steps, nameOf);
  return {
    resourceType: 'Bundle',
    id: plan.id,
    type: 'collection',
    timestamp: now.toISOString(),
    entry: steps.flatMap((step, i) =>
      requestedDrugs(steps, i, plan.drugCode).map((code) => {
        const place = Math.max(0, order.indexOf(code));
        const id = `${plan.id}-step-${step.index}${place === 0 ? '' : `-drug-${place + 1}`}`;
        const doses = step.doses.filter((d) => d.drugCode === code);
        const mg = doses.reduce((sum, d) => sum + Math.round(d.doseMg * 1000), 0) / 1000;
        const total = equivalent
          ? ` The step's total over all its drugs is ${step.dailyDoseMg} mg per day (${nameOf(equivalent).toLowerCase()}-equivalent).`
          : '';
        return {
          fullUrl: `urn:taperwatch:medication-request:${id}`,
          resource: {
            resourceType: 'MedicationRequest',
            id,
            identifier: [
              { system: PLAN_IDENTIFIER_SYSTEM, value: plan.id },
              { system: `${PLAN_IDENTIFIER_SYSTEM}-step`, value: `${plan.id}/${step.index}` },
            ],
            groupIdentifier: { system: PLAN_IDENTIFIER_SYSTEM, value: plan.id },
            status: STATUS[plan.status],
            intent: plan.status === 'proposed' ? 'proposal' : 'order',
            medicationCodeableConcept: medicationConcept(drugOf(code), code),
            subject: { identifier: { system: EXTERNAL_ID_SYSTEM, value: patientExternalId } },
            authoredOn: (plan.approvedAt ?? plan.createdAt).toISOString(),
            note: [
              {
                text: `Step ${step.index} of ${steps.length} (plan version ${plan.version}): ${nameOf(code)} ${mg} mg per day.${total}`,
              },
            ],
            dosageInstruction: dosageInstructions(step, doses, nameOf(code)),
            ...dispenseRequest(orders[i], code),
          },
        };
      }),
    ),
  };
}

/**
 * A plan's step as a FHIR MedicationRequest proposal (status draft, intent proposal) of one drug
 * for a patient the caller names: what a CDS Hooks card suggests the EHR create. The doses are
 * that drug's own, in its own mg.
 */
export function proposedStepRequest(input: {
  step: PlanStep;
  stepCount: number;
  drugCode: string;
  drugOf: DrugLookup;
  subject: { reference: string };
  identifier?: { system: string; value: string };
  authoredOn: Date;
}) {
  const { step, drugCode, drugOf } = input;
  const name = drugOf(drugCode)?.name ?? drugCode;
  const doses = step.doses.filter((d) => d.drugCode === drugCode);
  const mg = doses.reduce((sum, d) => sum + Math.round(d.doseMg * 1000), 0) / 1000;
  return {
    resourceType: 'MedicationRequest',
    ...(input.identifier ? { identifier: [input.identifier] } : {}),
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: medicationConcept(drugOf(drugCode), drugCode),
    subject: input.subject,
    authoredOn: input.authoredOn.toISOString(),
    note: [{ text: `Step ${step.index} of ${input.stepCount}: ${name} ${mg} mg per day.` }],
    dosageInstruction: dosageInstructions(step, doses, name),
  };
}
