import { ConfigError, loadConfig } from './environment';

const BASE = { DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost' };
const WEBHOOK_POLICY = JSON.stringify({
  steps: [{ afterMinutes: 0, targets: [{ type: 'webhook', url: 'https://pager.example/h' }] }],
  repeat: 0,
});

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('escalation settings', () => {
  it('defaults to no tenant policy and no private webhooks', () => {
    const config = loadConfig(BASE);
    expect(config.DEFAULT_ESCALATION_POLICY).toBeUndefined();
    expect(config.WEBHOOK_ALLOW_PRIVATE).toBe(false);
  });

  it('checks DEFAULT_ESCALATION_POLICY with the policy validator, naming the field', () => {
    expect(problems({ DEFAULT_ESCALATION_POLICY: '{"steps":[],"repeat":0}' })).toEqual([
      expect.stringMatching(/^DEFAULT_ESCALATION_POLICY is invalid: .*steps must be a list/),
    ]);
    expect(problems({ DEFAULT_ESCALATION_POLICY: 'not json' })).toEqual([
      expect.stringMatching(/must be JSON/),
    ]);
  });

  it('needs a whsec_ signing secret when the default policy has a webhook', () => {
    expect(problems({ DEFAULT_ESCALATION_POLICY: WEBHOOK_POLICY })).toEqual([
      expect.stringMatching(/^DEFAULT_ESCALATION_WEBHOOK_SECRET is missing/),
    ]);
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(
      problems({
        DEFAULT_ESCALATION_POLICY: WEBHOOK_POLICY,
        DEFAULT_ESCALATION_WEBHOOK_SECRET: secret,
      }),
    ).toEqual([]);
  });
});
