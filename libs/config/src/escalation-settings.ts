import { ValidateBy, ValidationArguments } from 'class-validator';
import { EscalationPolicy, validateEscalationPolicy } from '@taperwatch/domain';

/** The Standard Webhooks secret form: whsec_ and the base64 key. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

type Parsed = { ok: true; policy: EscalationPolicy } | { ok: false; problem: string };

/** DEFAULT_ESCALATION_POLICY is the PUT body as JSON, checked by the same validator. */
export function parsePolicyJson(raw: unknown): Parsed {
  if (typeof raw !== 'string') return { ok: false, problem: 'must be a JSON string' };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, problem: 'must be JSON' };
  }
  const result = validateEscalationPolicy(body);
  if (result.ok) return result;
  const first = result.errors[0]!;
  return { ok: false, problem: `${first.field || 'policy'} ${first.message}` };
}

export function IsEscalationPolicyJson(): PropertyDecorator {
  return ValidateBy({
    name: 'isEscalationPolicyJson',
    validator: {
      validate: (value: unknown) => parsePolicyJson(value).ok,
      defaultMessage: (args?: ValidationArguments) => {
        const parsed = parsePolicyJson(args?.value);
        return `must be an escalation policy as JSON (${parsed.ok ? '' : parsed.problem})`;
      },
    },
  });
}

/** Whether the default policy (if any) names a webhook, which then needs a signing secret. */
export function defaultPolicyHasWebhook(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const parsed = parsePolicyJson(raw);
  return parsed.ok && parsed.policy.steps.some((s) => s.targets.some((t) => t.type === 'webhook'));
}
