import { OrderChange, catalogueDrugNamed } from '@taperwatch/domain';
import type { FieldError } from '@taperwatch/http';

/** A FHIR R4 MedicationRequest as far as withdrawal risk needs it. */
export interface MedicationOrder {
  /** `MedicationRequest/{id}` when it has an id. */
  ref: string | null;
  status: string;
  /** The catalogue drug its medication text names, if any. */
  drugCode: string | undefined;
  /** mg of the drug per administration per day, in order; null when not stated in mg per day. */
  dosesMg: number[] | null;
  /** HH:mm per administration, when the order gives one per dose. */
  times: string[] | null;
  /** The order this one replaces (priorPrescription). */
  replaces: string | null;
}

/** A risk found in the draft orders: the drug, what the order does, and the doses it had. */
export interface OrderFinding {
  drugCode: string;
  change: OrderChange;
  /** The doses the taper starts from and their times (from the order being stopped or cut). */
  fromDosesMg: number[] | null;
  fromTimes: string[] | null;
  /** For a cut: the daily dose the prescriber asked for. */
  targetDailyMg: number | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const STOPPING = new Set(['stopped', 'cancelled']);
const IN_FORCE = new Set(['active', 'draft', 'on-hold']);
/** HL7 timing abbreviations (GTSAbbreviation) of a fixed number of doses a day. */
const PER_DAY_CODES: Record<string, number> = { QD: 1, QAM: 1, QPM: 1, BID: 2, TID: 3, QID: 4 };
const MAX_ADMINISTRATIONS = 6;
/** FHIR `time` (hh:mm:ss); taperwatch keeps hh:mm. */
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/;

function medicationText(resource: Json): string {
  const concept = resource['medicationCodeableConcept'];
  const parts: string[] = [];
  if (isObject(concept)) {
    if (typeof concept['text'] === 'string') parts.push(concept['text']);
    for (const coding of Array.isArray(concept['coding']) ? concept['coding'] : []) {
      if (isObject(coding) && typeof coding['display'] === 'string') parts.push(coding['display']);
    }
  }
  const reference = resource['medicationReference'];
  if (isObject(reference) && typeof reference['display'] === 'string') {
    parts.push(reference['display']);
  }
  return parts.join(' ');
}

function administrationsPerDay(timing: unknown): number | null {
  if (!isObject(timing)) return null;
  const repeat = timing['repeat'];
  if (isObject(repeat)) {
    const frequency = repeat['frequency'] ?? 1;
    const period = repeat['period'] ?? 1;
    const unit = repeat['periodUnit'] ?? 'd';
    if (typeof frequency !== 'number' || typeof period !== 'number' || period <= 0) return null;
    const perDay =
      unit === 'd' ? frequency / period : unit === 'h' ? (frequency * 24) / period : NaN;
    return Number.isInteger(perDay) && perDay >= 1 && perDay <= MAX_ADMINISTRATIONS ? perDay : null;
  }
  const code = timing['code'];
  if (isObject(code)) {
    for (const coding of Array.isArray(code['coding']) ? code['coding'] : []) {
      const n = isObject(coding) ? PER_DAY_CODES[String(coding['code'])] : undefined;
      if (n) return n;
    }
  }
  return null;
}

function doseMg(instruction: Json): number | null {
  const rates = instruction['doseAndRate'];
  const first = Array.isArray(rates) && isObject(rates[0]) ? rates[0] : undefined;
  const quantity = first?.['doseQuantity'];
  if (!isObject(quantity)) return null;
  const unit = quantity['code'] ?? quantity['unit'];
  const value = quantity['value'];
  return unit === 'mg' && typeof value === 'number' && value >= 0 ? value : null;
}

/** Doses and times of an order's dosage instructions; null when any is not mg per day. */
function dosesOf(resource: Json): { dosesMg: number[] | null; times: string[] | null } {
  const instructions = resource['dosageInstruction'];
  if (!Array.isArray(instructions) || instructions.length === 0) {
    return { dosesMg: null, times: null };
  }
  const doses: number[] = [];
  const times: string[] = [];
  for (const instruction of instructions) {
    if (!isObject(instruction)) return { dosesMg: null, times: null };
    const mg = doseMg(instruction);
    const perDay = administrationsPerDay(instruction['timing']);
    if (mg === null || perDay === null) return { dosesMg: null, times: null };
    doses.push(...Array<number>(perDay).fill(mg));
    const repeat = isObject(instruction['timing']) ? instruction['timing']['repeat'] : undefined;
    const ofDay = isObject(repeat) && Array.isArray(repeat['timeOfDay']) ? repeat['timeOfDay'] : [];
    if (ofDay.length === perDay && ofDay.every((t) => typeof t === 'string' && TIME.test(t))) {
      times.push(...(ofDay as string[]).map((t) => t.slice(0, 5)));
    }
  }
  if (doses.length > MAX_ADMINISTRATIONS) return { dosesMg: null, times: null };
  return { dosesMg: doses, times: times.length === doses.length ? times : null };
}

/**
 * The MedicationRequests of a FHIR Bundle (draft orders, or a prefetched search), other resource
 * types skipped. A malformed Bundle or MedicationRequest is named in `errors` (field paths under
 * `path`), so the EHR learns what to send.
 */
export function medicationOrders(bundle: unknown, path: string, errors: FieldError[]) {
  const orders: MedicationOrder[] = [];
  if (!isObject(bundle) || bundle['resourceType'] !== 'Bundle') {
    errors.push({ field: path, message: 'must be a FHIR Bundle (resourceType Bundle)' });
    return orders;
  }
  const entries = bundle['entry'] ?? [];
  if (!Array.isArray(entries)) {
    errors.push({ field: `${path}.entry`, message: 'must be an array of Bundle entries' });
    return orders;
  }
  entries.forEach((entry, i) => {
    const resource = isObject(entry) ? entry['resource'] : undefined;
    if (!isObject(resource) || typeof resource['resourceType'] !== 'string') {
      errors.push({ field: `${path}.entry.${i}.resource`, message: 'must be a FHIR resource' });
      return;
    }
    if (resource['resourceType'] !== 'MedicationRequest') return;
    const status = resource['status'];
    if (typeof status !== 'string') {
      errors.push({
        field: `${path}.entry.${i}.resource.status`,
        message: 'must be a MedicationRequest status (active, draft, stopped, cancelled, …)',
      });
      return;
    }
    const id = resource['id'];
    const prior = resource['priorPrescription'];
    orders.push({
      ref: typeof id === 'string' && id ? `MedicationRequest/${id}` : null,
      status,
      drugCode: catalogueDrugNamed(medicationText(resource)),
      ...dosesOf(resource),
      replaces:
        isObject(prior) && typeof prior['reference'] === 'string' ? prior['reference'] : null,
    });
  });
  return orders;
}

const sameOrder = (a: MedicationOrder, ref: string | null) => ref !== null && a.ref === ref;

/**
 * The withdrawal risks of a set of draft orders against the patient's active orders (prefetch):
 * a catalogue drug's order stopped or cancelled; an order of one whose new doses are below the
 * sourced cut from the order it re-signs (same id, its priorPrescription, or the one active order
 * of that drug); an active order another draft replaces (priorPrescription) while no draft keeps
 * that drug. Orders the drafts do not mention are not findings: order-sign sends only what is
 * being signed, not the whole medication list.
 */
export function findOrderRisks(
  drafts: readonly MedicationOrder[],
  active: readonly MedicationOrder[],
): OrderFinding[] {
  const findings = new Map<string, OrderFinding>();
  const add = (finding: OrderFinding) => {
    if (!findings.has(finding.drugCode)) findings.set(finding.drugCode, finding);
  };
  const kept = new Set(
    drafts.filter((d) => IN_FORCE.has(d.status) && d.drugCode).map((d) => d.drugCode),
  );
  const priorOf = (draft: MedicationOrder) =>
    active.find((a) => sameOrder(a, draft.ref)) ??
    active.find((a) => sameOrder(a, draft.replaces)) ??
    (() => {
      const same = active.filter((a) => a.drugCode === draft.drugCode);
      return same.length === 1 ? same[0] : undefined;
    })();

  for (const draft of drafts) {
    const prior = priorOf(draft);
    if (draft.drugCode && STOPPING.has(draft.status)) {
      const from = draft.dosesMg ?? (prior?.drugCode === draft.drugCode ? prior.dosesMg : null);
      add({
        drugCode: draft.drugCode,
        change: { kind: 'stop', fromDosesMg: from, how: 'stopped' },
        fromDosesMg: from,
        fromTimes: draft.dosesMg ? draft.times : (prior?.times ?? null),
        targetDailyMg: null,
      });
      continue;
    }
    if (!IN_FORCE.has(draft.status)) continue;
    if (draft.drugCode && prior?.drugCode === draft.drugCode && prior.dosesMg && draft.dosesMg) {
      const target = draft.dosesMg.reduce((t, d) => t + d, 0);
      add({
        drugCode: draft.drugCode,
        change: { kind: 'dose', fromDosesMg: prior.dosesMg, toDosesMg: draft.dosesMg },
        fromDosesMg: prior.dosesMg,
        fromTimes: prior.times,
        targetDailyMg: target,
      });
      continue;
    }
    const replaced = draft.replaces ? active.find((a) => sameOrder(a, draft.replaces)) : undefined;
    if (
      replaced?.drugCode &&
      replaced.drugCode !== draft.drugCode &&
      !kept.has(replaced.drugCode)
    ) {
      add({
        drugCode: replaced.drugCode,
        change: { kind: 'stop', fromDosesMg: replaced.dosesMg, how: 'replaced' },
        fromDosesMg: replaced.dosesMg,
        fromTimes: replaced.times,
        targetDailyMg: null,
      });
    }
  }
  return [...findings.values()];
}
