/**
 * An escalation policy as the body of PUT /v1/units/{unitId}/escalation-policy (docs/api.md),
 * validated and frozen. The snapshot is copied onto each alert when it opens, so later edits never
 * change an alert already escalating, as Grafana OnCall snapshots its escalation chain.
 */

export type EscalationTarget =
  | { readonly type: 'webhook'; readonly url: string }
  | { readonly type: 'email'; readonly address: string };

export interface EscalationStep {
  /** Minutes after the previous step (after the alert opened, for step 0); fractions allowed. */
  readonly afterMinutes: number;
  readonly targets: readonly EscalationTarget[];
}

export interface EscalationPolicy {
  readonly steps: readonly EscalationStep[];
  /** Extra rounds after the last step: every step fires repeat + 1 times in all. */
  readonly repeat: number;
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Bounds. Steps 1..10 are the contract's (docs/api.md). repeat 0..10 is wider than GoAlert's 0..5
 * so a ward can keep re-paging through a night shift. A day's delay per step already leaves a
 * critical alert unpaged far too long, so more is taken as a typo. Targets per step are capped so
 * one alert cannot fan out into hundreds of deliveries.
 */
export const POLICY_LIMITS = Object.freeze({
  minSteps: 1,
  maxSteps: 10,
  minTargetsPerStep: 1,
  maxTargetsPerStep: 10,
  maxAfterMinutes: 24 * 60,
  maxRepeat: 10,
  maxUrlLength: 2048,
  maxAddressLength: 254,
});

export type PolicyValidation =
  { ok: true; policy: EscalationPolicy } | { ok: false; errors: FieldError[] };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// Pragmatic address check (RFC 5321 lengths; one @; a dotted domain); SMTP has the last word.
const EMAIL =
  /^[^\s@"(),:;<>[\\\]]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

function unknownFields(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  errors: FieldError[],
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) errors.push({ field: `${path}${key}`, message: 'is not allowed' });
  }
}

function urlError(raw: unknown): string | null {
  if (typeof raw !== 'string') return 'must be a string';
  if (raw.length > POLICY_LIMITS.maxUrlLength) {
    return `must be at most ${POLICY_LIMITS.maxUrlLength} characters`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (!url.hostname) return 'must name a host';
  // Credentials in the URL would be logged with every delivery; the signing secret authenticates.
  if (url.username || url.password) return 'must not contain credentials';
  return null;
}

function addressError(raw: unknown): string | null {
  if (typeof raw !== 'string') return 'must be a string';
  if (raw.length > POLICY_LIMITS.maxAddressLength || !EMAIL.test(raw)) {
    return 'must be an e-mail address';
  }
  return null;
}

function validateTarget(raw: unknown, path: string, errors: FieldError[]): EscalationTarget | null {
  if (!isRecord(raw)) {
    errors.push({ field: path, message: 'must be an object' });
    return null;
  }
  const prefix = `${path}.`;
  if (raw.type === 'webhook') {
    unknownFields(raw, ['type', 'url'], prefix, errors);
    const message = urlError(raw.url);
    if (message) errors.push({ field: `${prefix}url`, message });
    return message ? null : { type: 'webhook', url: raw.url as string };
  }
  if (raw.type === 'email') {
    unknownFields(raw, ['type', 'address'], prefix, errors);
    const message = addressError(raw.address);
    if (message) errors.push({ field: `${prefix}address`, message });
    return message ? null : { type: 'email', address: raw.address as string };
  }
  errors.push({ field: `${prefix}type`, message: 'must be "webhook" or "email"' });
  return null;
}

const targetKey = (t: EscalationTarget) =>
  t.type === 'webhook' ? `webhook ${t.url}` : `email ${t.address.toLowerCase()}`;

function validateTargets(raw: unknown, path: string, errors: FieldError[]): EscalationTarget[] {
  const { minTargetsPerStep: min, maxTargetsPerStep: max } = POLICY_LIMITS;
  if (!Array.isArray(raw) || raw.length < min || raw.length > max) {
    // A step with no target would be a silent step: an alert must never be undeliverable.
    errors.push({ field: path, message: `must be a list of ${min} to ${max} targets` });
    return [];
  }
  const seen = new Set<string>();
  const targets: EscalationTarget[] = [];
  raw.forEach((item, i) => {
    const target = validateTarget(item, `${path}.${i}`, errors);
    if (!target) return;
    if (seen.has(targetKey(target))) {
      errors.push({ field: `${path}.${i}`, message: 'repeats an earlier target of this step' });
    }
    seen.add(targetKey(target));
    targets.push(target);
  });
  return targets;
}

function validateStep(raw: unknown, path: string, errors: FieldError[]): EscalationStep | null {
  if (!isRecord(raw)) {
    errors.push({ field: path, message: 'must be an object' });
    return null;
  }
  unknownFields(raw, ['afterMinutes', 'targets'], `${path}.`, errors);
  const after = raw.afterMinutes;
  const max = POLICY_LIMITS.maxAfterMinutes;
  const afterOk = typeof after === 'number' && Number.isFinite(after) && after >= 0 && after <= max;
  if (!afterOk) {
    errors.push({ field: `${path}.afterMinutes`, message: `must be a number from 0 to ${max}` });
  }
  const targets = validateTargets(raw.targets, `${path}.targets`, errors);
  return afterOk ? { afterMinutes: after, targets } : null;
}

/** Checks an untrusted body and returns a frozen snapshot, or every bad field with its path. */
export function validateEscalationPolicy(input: unknown): PolicyValidation {
  if (!isRecord(input)) return { ok: false, errors: [{ field: '', message: 'must be an object' }] };
  const errors: FieldError[] = [];
  unknownFields(input, ['steps', 'repeat'], '', errors);

  const { minSteps, maxSteps, maxRepeat } = POLICY_LIMITS;
  const steps: EscalationStep[] = [];
  if (
    !Array.isArray(input.steps) ||
    input.steps.length < minSteps ||
    input.steps.length > maxSteps
  ) {
    errors.push({ field: 'steps', message: `must be a list of ${minSteps} to ${maxSteps} steps` });
  } else {
    input.steps.forEach((raw, i) => {
      const step = validateStep(raw, `steps.${i}`, errors);
      if (step) steps.push(step);
    });
  }
  const repeat = input.repeat;
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 0 || repeat > maxRepeat) {
    errors.push({ field: 'repeat', message: `must be a whole number from 0 to ${maxRepeat}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, policy: freezePolicy({ steps, repeat: repeat as number }) };
}

/** A deep, frozen copy: the snapshot an alert escalates by. */
export function freezePolicy(policy: EscalationPolicy): EscalationPolicy {
  return Object.freeze({
    repeat: policy.repeat,
    steps: Object.freeze(
      policy.steps.map((s) =>
        Object.freeze({
          afterMinutes: s.afterMinutes,
          targets: Object.freeze(s.targets.map((t) => Object.freeze({ ...t }))),
        }),
      ),
    ),
  });
}
