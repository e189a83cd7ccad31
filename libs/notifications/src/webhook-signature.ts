import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks headers: the signature is `v1,` and the base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` keyed by the secret's base64-decoded bytes (after `whsec_`).
 * The timestamp is the attempt's (seconds), so receivers' replay windows hold on late retries.
 */
export function webhookHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}
