import { DrugView, PlanStep, describeUnits } from '@taperwatch/domain';
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

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const UCUM = 'http://unitsofmeasure.org';
export const PLAN_IDENTIFIER_SYSTEM = 'urn:taperwatch:plan';
export const EXTERNAL_ID_SYSTEM = 'urn:taperwatch:patient-external-id';
/** SNOMED CT 26643006 "Oral route". */
const ORAL = {
  coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }],
};

function medication(drug: DrugView | undefined, code: string) {
  // RxNorm only where the catalogue carries the code; otherwise text (no invented codes).
  const rxnorm = typeof drug?.rxnormCode === 'string' ? drug.rxnormCode : undefined;
  return {
    ...(rxnorm ? { coding: [{ system: RXNORM, code: rxnorm, display: drug!.name }] } : {}),
    text: drug?.name ?? code,
  };
}

function dosageInstructions(step: PlanStep) {
  const boundsPeriod = { start: step.startDate, end: step.endDate };
  if (step.doses.length === 0) {
    return [
      {
        sequence: 1,
        text: `No doses from ${step.startDate}.`,
        timing: { repeat: { boundsPeriod } },
      },
    ];
  }
  return step.doses.map((dose, i) => ({
    sequence: i + 1,
    text: `${dose.time} — ${describeUnits(dose.units)}`,
    timing: {
      repeat: {
        boundsPeriod,
        frequency: 1,
        period: 1,
        periodUnit: 'd',
        timeOfDay: [`${dose.time}:00`],
      },
    },
    route: ORAL,
    doseAndRate: [{ doseQuantity: { value: dose.doseMg, unit: 'mg', system: UCUM, code: 'mg' } }],
  }));
}

/** One MedicationRequest per step: the plan as the hospital's other systems read it. */
export function planToFhirBundle(
  plan: PlanEntity,
  patientExternalId: string,
  drug: DrugView | undefined,
  now: Date,
) {
  const steps = plan.steps as PlanStep[];
  return {
    resourceType: 'Bundle',
    id: plan.id,
    type: 'collection',
    timestamp: now.toISOString(),
    entry: steps.map((step) => {
      const id = `${plan.id}-step-${step.index}`;
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
          medicationCodeableConcept: medication(drug, plan.drugCode),
          subject: { identifier: { system: EXTERNAL_ID_SYSTEM, value: patientExternalId } },
          authoredOn: (plan.approvedAt ?? plan.createdAt).toISOString(),
          note: [
            {
              text: `Step ${step.index} of ${steps.length} (plan version ${plan.version}): ${step.dailyDoseMg} mg per day.`,
            },
          ],
          dosageInstruction: dosageInstructions(step),
        },
      };
    }),
  };
}
