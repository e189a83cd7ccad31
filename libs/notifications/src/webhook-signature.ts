import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks headers: each signature is `v1,` and the base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` keyed by a secret's base64-decoded bytes (after `whsec_`). With
 * several secrets (a rotation's overlap) `webhook-signature` carries one entry per secret,
 * space-separated, and a receiver holding any of them verifies.
 * The timestamp is the attempt's (seconds), so receivers' replay windows hold on late retries.
 */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const signed = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
