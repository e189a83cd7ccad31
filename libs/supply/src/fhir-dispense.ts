import { DRUG_CODE_SYSTEM, DrugView, drugOfConcept } from '@taperwatch/domain';
import { FieldError, ProblemException } from '@taperwatch/http';
import type { DispensingBody } from './dispensings.service';

const TABLET_UNITS = new Set(['tablet', 'tablets', 'tab', 'tabs', '{tablet}', '{tbl}', 'tbl']);
const ML_UNITS = new Set(['ml', 'milliliter', 'millilitre']);

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The strength a product's text names: "10 mg" (a tablet) or "1 mg/mL" / "5 mg/5 mL" (a liquid). */
function strengthOf(text: string): { mgPerMl?: number; strengthMg?: number } {
  const liquid = /(\d+(?:\.\d+)?)\s*mg\s*(?:\/|per)\s*(\d+(?:\.\d+)?)?\s*ml\b/i.exec(text);
  if (liquid) return { mgPerMl: Number(liquid[1]) / Number(liquid[2] ?? 1) };
  const tablet = /(\d+(?:\.\d+)?)\s*mg\b/i.exec(text);
  return tablet ? { strengthMg: Number(tablet[1]) } : {};
}

/**
 * A FHIR R4 MedicationDispense as a dispensing. Only what the supply needs is read: the drug
 * (medicationCodeableConcept: a coding of urn:taperwatch:drug or a catalogue RxNorm code, else its
 * name in text), the strength (named in text: "Baclofen 10 mg tablets", "1 mg/mL oral liquid"),
 * quantity (tablets or mL) and whenHandedOver. Only a completed dispense is supply.
 */
export function fromMedicationDispense(resource: Json): DispensingBody & { fhirId?: string } {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field, message });
  const unsafe: FieldError[] = [];
  if (resource.status !== 'completed') {
    bad('status', "must be 'completed': only what was handed over is supply");
  }
  const concept = resource.medicationCodeableConcept;
  let drug: DrugView | undefined;
  let strength: { mgPerMl?: number; strengthMg?: number } = {};
  if (!isObject(concept)) {
    bad('medicationCodeableConcept', 'must name the drug (coding or text)');
  } else {
    drug = drugOfConcept(concept);
    if (!drug) {
      unsafe.push({
        field: 'medicationCodeableConcept',
        message: `names no drug of the catalogue: send a coding of ${DRUG_CODE_SYSTEM} with the drug's code, or its name in text`,
      });
    }
    strength = strengthOf(typeof concept.text === 'string' ? concept.text : '');
  }
  const quantity = resource.quantity;
  let form: 'tablet' | 'liquid' | undefined;
  let value: number | undefined;
  if (!isObject(quantity) || typeof quantity.value !== 'number' || !(quantity.value > 0)) {
    bad('quantity.value', 'must be a positive number');
  } else {
    value = quantity.value;
    const unit = String(quantity.code ?? quantity.unit ?? '').toLowerCase();
    form = TABLET_UNITS.has(unit) ? 'tablet' : ML_UNITS.has(unit) ? 'liquid' : undefined;
    if (!form) bad('quantity.unit', "must be tablets ('tablet', '{tbl}') or 'mL'");
  }
  if (form === 'tablet' && strength.strengthMg === undefined) {
    bad(
      'medicationCodeableConcept.text',
      "must name the tablet strength, e.g. 'Baclofen 10 mg tablets'",
    );
  }
  if (form === 'liquid' && strength.mgPerMl === undefined) {
    bad(
      'medicationCodeableConcept.text',
      "must name the concentration, e.g. 'Baclofen 1 mg/mL oral liquid'",
    );
  }
  const handedOver = resource.whenHandedOver;
  if (
    typeof handedOver !== 'string' ||
    Number.isNaN(Date.parse(handedOver)) ||
    !/T.*(Z|[+-]\d\d:\d\d)$/.test(handedOver)
  ) {
    bad('whenHandedOver', 'must be a dateTime with a time zone offset');
  }
  if (errors.length > 0) throw ProblemException.validation(errors);
  if (unsafe.length > 0)
    throw ProblemException.unprocessable('The dispensed drug is not known', unsafe);
  return {
    drugCode: drug!.code,
    form: form!,
    ...(form === 'tablet' ? { strengthMg: strength.strengthMg } : { mgPerMl: strength.mgPerMl }),
    quantity: value!,
    dispensedAt: handedOver as string,
    ...(typeof resource.id === 'string' ? { fhirId: resource.id } : {}),
  };
}
