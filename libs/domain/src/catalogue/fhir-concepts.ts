import type { DrugView } from '../contract';
import { listDrugs } from './view';

/*
 * The catalogue in FHIR terms: the code systems taperwatch writes and reads, and a drug as a
 * CodeableConcept both ways. The plan export, the eMAR and dispensings share them.
 */

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const UCUM = 'http://unitsofmeasure.org';
/** A catalogue drug code as a FHIR coding system (the codes of GET /v1/drugs). */
export const DRUG_CODE_SYSTEM = 'urn:taperwatch:drug';
export const PLAN_IDENTIFIER_SYSTEM = 'urn:taperwatch:plan';
export const EXTERNAL_ID_SYSTEM = 'urn:taperwatch:patient-external-id';
/** SNOMED CT 26643006 "Oral route". */
export const ORAL_ROUTE = {
  coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }],
};

/** A drug as a FHIR CodeableConcept: RxNorm where the catalogue has it, its name as text. */
export function medicationConcept(drug: DrugView | undefined, code: string) {
  // RxNorm only where the catalogue carries the code; otherwise text (no invented codes).
  const rxnorm = typeof drug?.rxnormCode === 'string' ? drug.rxnormCode : undefined;
  return {
    ...(rxnorm ? { coding: [{ system: RXNORM, code: rxnorm, display: drug!.name }] } : {}),
    text: drug?.name ?? code,
  };
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The catalogue drug a codeable concept names: our code, an RxNorm code the catalogue has, or its name. */
export function drugOfConcept(concept: Json): DrugView | undefined {
  const drugs = listDrugs();
  const codings = Array.isArray(concept.coding) ? concept.coding.filter(isObject) : [];
  for (const c of codings) {
    if (c.system === DRUG_CODE_SYSTEM) return drugs.find((d) => d.code === c.code);
    if (c.system === RXNORM) {
      const hit = drugs.find((d) => typeof d.rxnormCode === 'string' && d.rxnormCode === c.code);
      if (hit) return hit;
    }
  }
  const text = typeof concept.text === 'string' ? concept.text.toLowerCase() : '';
  return drugs.find((d) => new RegExp(`\\b${d.name.toLowerCase()}\\b`).test(text));
}
