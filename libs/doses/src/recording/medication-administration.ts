import { fhirActor } from '@taperwatch/audit';
import {
  EXTERNAL_ID_SYSTEM,
  ORAL_ROUTE,
  PLAN_IDENTIFIER_SYSTEM,
  StatedReason,
  UCUM,
  emarStatusDecision,
  findDrug,
  medicationConcept,
} from '@taperwatch/domain';
import { FieldError, ProblemException } from '@taperwatch/http';
import { MAX_DOSE_MG } from '@taperwatch/persistence';
import { DoseView } from '../dose-view';
import type { AdministrationInput } from './dose-recording.service';

/**
 * A dose's identifier: the dose id GET /v1/plans/:id/doses lists, under the system the audit
 * trail already names doses by (urn:taperwatch:<resource type>).
 */
export const DOSE_IDENTIFIER_SYSTEM = 'urn:taperwatch:dose';
/** The identifier each plan step's MedicationRequest carries (GET /v1/plans/:id/fhir). */
export const PLAN_STEP_IDENTIFIER_SYSTEM = `${PLAN_IDENTIFIER_SYSTEM}-step`;
/** What taperwatch recorded, as a code: refused or not_given (status not-done). */
export const DOSE_OUTCOME_SYSTEM = 'urn:taperwatch:dose-outcome';

const RESOURCE = 'MedicationAdministration';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATIENT_REFERENCE = /^Patient\/([0-9a-f-]{36})$/i;
/** A time given to the minute with its offset: a dateTime FHIR allows as just a year is no time. */
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const MAX_NOTE = 2000;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const objects = (x: unknown): Json[] => (Array.isArray(x) ? x.filter(isObject) : []);
const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Who the eMAR says the patient is: taperwatch's id, or the external id plans are published with. */
export type EmarSubject = { patientId: string } | { externalId: string };

/** A MedicationAdministration as a recording of one dose. */
export interface EmarRecording {
  doseId: string;
  subject: EmarSubject;
  /** The medicationCodeableConcept, to check against the dose's own drug. */
  medication?: Json;
  administration: AdministrationInput;
}

const field = (path: string) => `${RESOURCE}.${path}`;

/** The dose the resource names: identifier, or request.identifier, of the dose system. */
function doseIdOf(resource: Json, bad: (f: string, m: string, code: string) => void) {
  const named = [
    ...objects(resource.identifier).map((i, n) => ({ i, at: `identifier[${n}]` })),
    ...(isObject(resource.request) && isObject(resource.request.identifier)
      ? [{ i: resource.request.identifier, at: 'request.identifier' }]
      : []),
  ].filter(({ i }) => i.system === DOSE_IDENTIFIER_SYSTEM);
  if (named.length === 0) {
    bad(
      'identifier',
      `must name the taperwatch dose: an identifier with system ${DOSE_IDENTIFIER_SYSTEM} and the dose id (GET /v1/plans/{id}/doses), here or in request.identifier`,
      'required',
    );
    return undefined;
  }
  const id = text(named[0]!.i.value) ?? '';
  const other = named.find(({ i }) => text(i.value) !== id);
  if (other) {
    bad(other.at, 'names a different dose than the first identifier: name one dose', 'value');
    return undefined;
  }
  if (!UUID.test(id)) {
    bad(`${named[0]!.at}.value`, 'must be a dose id (a UUID)', 'value');
    return undefined;
  }
  return id.toLowerCase();
}

function subjectOf(resource: Json, bad: (f: string, m: string, code: string) => void) {
  const subject = isObject(resource.subject) ? resource.subject : {};
  const reference = PATIENT_REFERENCE.exec(text(subject.reference) ?? '');
  if (reference) return { patientId: reference[1]!.toLowerCase() };
  const identifier = isObject(subject.identifier) ? subject.identifier : {};
  const externalId = text(identifier.value);
  if (identifier.system === EXTERNAL_ID_SYSTEM && externalId) return { externalId };
  bad(
    'subject',
    `must be the dose's patient: reference Patient/{taperwatch patient id}, or an identifier with system ${EXTERNAL_ID_SYSTEM} and the patient's externalId`,
    'value',
  );
  return undefined;
}

/** statusReason as what each concept says: its text and each coding. */
function reasonsOf(resource: Json): StatedReason[] {
  return objects(resource.statusReason).flatMap((concept) => [
    { text: text(concept.text) },
    ...objects(concept.coding).map((c) => ({
      system: text(c.system),
      code: text(c.code),
      display: text(c.display),
    })),
  ]);
}

/** dosage.dose in mg, if given: the amount given of the dose's own drug. */
function doseMgOf(resource: Json, bad: (f: string, m: string, code: string) => void) {
  const dose = isObject(resource.dosage) ? resource.dosage.dose : undefined;
  if (!isObject(dose)) return undefined;
  const unit = text(dose.code) ?? text(dose.unit);
  if (unit !== 'mg') {
    bad('dosage.dose', "must be in mg (code 'mg') of the dose's own drug", 'value');
    return undefined;
  }
  const value = dose.value;
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_DOSE_MG) {
    bad('dosage.dose.value', `must be a number of mg from 0 to ${MAX_DOSE_MG}`, 'value');
    return undefined;
  }
  return value;
}

/**
 * A schema-valid MedicationAdministration as the recording of a dose (400 naming each field
 * otherwise). Only what a recording needs is read: the dose (identifier), the patient (subject,
 * checked against the dose), status and statusReason (the outcome), effectiveDateTime (when it
 * was given), dosage.dose (mg given, when it differs) and note.
 */
export function fromMedicationAdministration(resource: Json): EmarRecording {
  const errors: FieldError[] = [];
  const bad = (f: string, message: string, code: string) =>
    errors.push({ field: field(f), message, code });

  const doseId = doseIdOf(resource, bad);
  const subject = subjectOf(resource, bad);
  const status = text(resource.status);
  const decision = status
    ? emarStatusDecision(status, reasonsOf(resource))
    : ({ ok: false, field: 'status', message: 'is required' } as const);
  if (!decision.ok) bad(decision.field, decision.message, status ? 'value' : 'required');

  const effective = text(resource.effectiveDateTime);
  if (!effective && !isObject(resource.effectivePeriod)) {
    bad('effective[x]', 'is required: effectiveDateTime, when the dose was given', 'required');
  } else if (
    decision.ok &&
    decision.outcome === 'given' &&
    !(effective && INSTANT.test(effective))
  ) {
    bad(
      'effectiveDateTime',
      'must say when the dose was given, to the minute with a time zone (2026-01-05T08:00:00Z)',
      effective ? 'value' : 'required',
    );
  }
  if (!isObject(resource.medicationCodeableConcept) && !isObject(resource.medicationReference)) {
    bad(
      'medication[x]',
      "is required: medicationCodeableConcept naming the dose's drug",
      'required',
    );
  }
  const doseMg = doseMgOf(resource, bad);
  const notes = objects(resource.note)
    .map((n) => text(n.text))
    .filter((t): t is string => !!t);
  const reason = decision.ok && decision.outcome !== 'given' ? decision.reason : undefined;
  const note = [...(reason ? [`Reason: ${reason}`] : []), ...notes].join('\n');
  if (note.length > MAX_NOTE) bad('note', `must hold at most ${MAX_NOTE} characters`, 'value');
  if (errors.length > 0 || !decision.ok) throw ProblemException.validation(errors);

  const administration: AdministrationInput = { outcome: decision.outcome };
  if (decision.outcome === 'given') {
    administration.administeredAt = effective;
    if (doseMg !== undefined) administration.doseMg = doseMg;
  }
  if (note) administration.note = note;
  return {
    doseId: doseId!,
    subject: subject!,
    ...(isObject(resource.medicationCodeableConcept)
      ? { medication: resource.medicationCodeableConcept }
      : {}),
    administration,
  };
}

/** The recording service's field names, as the resource's own elements. */
const RESOURCE_FIELDS: Record<string, string> = {
  administeredAt: field('effectiveDateTime'),
  doseMg: field('dosage.dose.value'),
  note: field('note'),
};

/** A problem the recording service raised, its fields named as elements of the resource. */
export function asResourceProblem(error: unknown): unknown {
  if (!(error instanceof ProblemException) || !error.problem.errors) return error;
  const errors = error.problem.errors.map((e) => ({
    ...e,
    field: RESOURCE_FIELDS[e.field] ?? e.field,
  }));
  return new ProblemException({ ...error.problem, errors }, error.headers);
}

const STATUS_OF_OUTCOME: Record<string, string> = {
  given: 'completed',
  held: 'on-hold',
  refused: 'not-done',
  not_given: 'not-done',
};

const REASON_OF_OUTCOME: Record<string, { code: string; display: string }> = {
  refused: { code: 'refused', display: 'Refused by the patient' },
  not_given: { code: 'not_given', display: 'Not given' },
};

/**
 * A recorded dose as a FHIR R4 MedicationAdministration, its id the dose's: the dose's own drug
 * and its own mg (the amount given, or for a dose not given the amount due), when it was given
 * (or, not given, when it was due), who recorded it, and the plan step's MedicationRequest.
 */
export function toMedicationAdministration(dose: DoseView, externalId: string | null) {
  const drug = findDrug(dose.drugCode);
  const name = drug?.name ?? dose.drugCode;
  const mg = dose.givenMg ?? dose.doseMg;
  const reason = dose.outcome ? REASON_OF_OUTCOME[dose.outcome] : undefined;
  return {
    resourceType: RESOURCE,
    id: dose.id,
    identifier: [{ system: DOSE_IDENTIFIER_SYSTEM, value: dose.id }],
    status: STATUS_OF_OUTCOME[dose.outcome ?? ''] ?? 'unknown',
    ...(reason
      ? {
          statusReason: [
            { coding: [{ system: DOSE_OUTCOME_SYSTEM, ...reason }], text: reason.display },
          ],
        }
      : {}),
    medicationCodeableConcept: medicationConcept(drug, dose.drugCode),
    subject: {
      reference: `Patient/${dose.patientId}`,
      ...(externalId ? { identifier: { system: EXTERNAL_ID_SYSTEM, value: externalId } } : {}),
    },
    effectiveDateTime: dose.administeredAt ?? dose.dueAt,
    ...(dose.recordedBy ? { performer: [{ actor: fhirActor(dose.recordedBy) }] } : {}),
    request: {
      identifier: {
        system: PLAN_STEP_IDENTIFIER_SYSTEM,
        value: `${dose.planId}/${dose.stepIndex}`,
      },
      display: `Step ${dose.stepIndex} of plan ${dose.planId}`,
    },
    ...(dose.note ? { note: [{ text: dose.note }] } : {}),
    dosage: {
      text: `${name} ${mg} mg`,
      route: ORAL_ROUTE,
      dose: { value: mg, unit: 'mg', system: UCUM, code: 'mg' },
    },
  };
}

export type MedicationAdministration = ReturnType<typeof toMedicationAdministration>;

/** A search's page as a FHIR R4 searchset Bundle (as GET /v1/audit-events/fhir answers its own). */
export function toSearchBundle(
  administrations: readonly MedicationAdministration[],
  nextUrl: string | null,
) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(nextUrl ? { link: [{ relation: 'next', url: nextUrl }] } : {}),
    entry: administrations.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}
