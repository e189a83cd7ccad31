/**
 * What an eMAR's MedicationAdministration.status (and, for not-done, its statusReason) means as
 * a taperwatch recording. FHIR R4's status value set has seven codes; only those that say what
 * finally happened to a dose are a recording. The rest describe an administration still under
 * way or a correction, and are refused naming the statuses that are accepted.
 */

/** FHIR R4 MedicationAdministration.status, every code of its (required) value set. */
export const FHIR_ADMINISTRATION_STATUSES = [
  'in-progress',
  'not-done',
  'on-hold',
  'completed',
  'entered-in-error',
  'stopped',
  'unknown',
] as const;
export type FhirAdministrationStatus = (typeof FHIR_ADMINISTRATION_STATUSES)[number];

/** The statuses taperwatch records. */
export const RECORDED_FHIR_STATUSES = ['completed', 'not-done', 'on-hold'] as const;

/** The code system of FHIR R4's example not-given reasons (a None, b Away, c Asleep, d Vomit). */
export const NOT_GIVEN_REASON_SYSTEMS = [
  'http://terminology.hl7.org/CodeSystem/reason-medication-not-given',
  // The same codes under the system URI FHIR R4 used before terminology.hl7.org.
  'http://hl7.org/fhir/reason-medication-not-given',
] as const;
export const NOT_GIVEN_REASON_CODES = { a: 'None', b: 'Away', c: 'Asleep', d: 'Vomit' } as const;

/** One coding or the text of statusReason: what a reason may say. */
export interface StatedReason {
  system?: string;
  code?: string;
  display?: string;
  text?: string;
}

export type EmarOutcome = 'given' | 'held' | 'refused' | 'not_given';

export type EmarStatusDecision =
  | { ok: true; outcome: EmarOutcome; reason?: string }
  | { ok: false; field: 'status' | 'statusReason'; message: string };

const REFUSED = /\brefus/i;
const HELD = /\bheld\b|\bhold\b|\bwithheld\b/i;

const words = (r: StatedReason) => [r.code, r.display, r.text].filter((w): w is string => !!w);

/** The not-given reason code a reason names, as its display ("Asleep"), if it names one. */
function notGivenReason(reason: StatedReason): string | undefined {
  if (!reason.system || !(NOT_GIVEN_REASON_SYSTEMS as readonly string[]).includes(reason.system)) {
    return undefined;
  }
  return NOT_GIVEN_REASON_CODES[reason.code as keyof typeof NOT_GIVEN_REASON_CODES];
}

/**
 * completed → given (lateness is judged from the time given, as for any recording); on-hold →
 * held; not-done → refused when a reason says the patient refused, held when it says the dose was
 * held (per order), else not_given (the example codes none, away, asleep, vomit, or any other
 * stated reason: a dose the patient did not take). A not-done without a reason is refused: the
 * reason decides between an order (held) and a dose not taken. Refusal is looked for first: a
 * patient who refused a dose the order did not hold did not take it.
 */
export function emarStatusDecision(
  status: string,
  reasons: readonly StatedReason[],
): EmarStatusDecision {
  switch (status) {
    case 'completed':
      return { ok: true, outcome: 'given' };
    case 'on-hold':
      return { ok: true, outcome: 'held', ...describe(reasons) };
    case 'not-done': {
      if (reasons.every((r) => words(r).length === 0)) {
        return {
          ok: false,
          field: 'statusReason',
          message:
            'is required when status is not-done: send text or a coding saying "refused", "held per order", or a code (a None, b Away, c Asleep, d Vomit) of ' +
            NOT_GIVEN_REASON_SYSTEMS[0],
        };
      }
      const said = reasons.flatMap(words);
      if (said.some((w) => REFUSED.test(w))) return { ok: true, outcome: 'refused' };
      if (said.some((w) => HELD.test(w)))
        return { ok: true, outcome: 'held', ...describe(reasons) };
      return { ok: true, outcome: 'not_given', ...describe(reasons) };
    }
    default:
      return {
        ok: false,
        field: 'status',
        message: (FHIR_ADMINISTRATION_STATUSES as readonly string[]).includes(status)
          ? `'${status}' is not a final outcome taperwatch records: send completed (given), not-done with a statusReason (refused or not given) or on-hold (held)`
          : `must be one of ${FHIR_ADMINISTRATION_STATUSES.join(', ')}; taperwatch records completed, not-done and on-hold`,
      };
  }
}

/** The reason in words, to keep with the recording: a code's display, else the text given. */
function describe(reasons: readonly StatedReason[]): { reason?: string } {
  for (const r of reasons) {
    const named = notGivenReason(r);
    if (named) return { reason: named };
  }
  const said = reasons.map((r) => r.text ?? r.display ?? r.code).find((w) => !!w);
  return said ? { reason: said } : {};
}
