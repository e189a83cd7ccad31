import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { webhookHeaders } from './webhook-signature';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook signatures', () => {
  const body = JSON.stringify({ type: 'alert.created', data: { id: 'a' } });
  const now = Math.floor(Date.now() / 1000);

  it('signs with one secret: one v1 entry that a Standard Webhooks verifier accepts', () => {
    const secret = newSecret();
    const headers = webhookHeaders([secret], 'msg_1', now, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
  });

  it('signs with every secret of a rotation: a receiver holding either verifies', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = webhookHeaders([current, previous], 'msg_2', now, body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });
});
