import { ConfigError, loadConfig } from './environment';
import { parseCdsHooksClients } from './cds-hooks-settings';

const BASE = { DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://h:6379' };
const TENANT = '00000000-0000-4000-8000-000000000001';
const client = {
  issuer: 'https://ehr.example.org',
  jwksUri: 'https://ehr.example.org/jwks',
  tenantId: TENANT,
};

describe('CDS Hooks settings', () => {
  it('reads the clients, each issuer once, with an http(s) JWK Set URL and a tenant uuid', () => {
    expect(parseCdsHooksClients(JSON.stringify([client]))).toEqual([client]);
    expect(parseCdsHooksClients('{}')).toBeUndefined();
    expect(parseCdsHooksClients(JSON.stringify([client, client]))).toBeUndefined();
    expect(
      parseCdsHooksClients(JSON.stringify([{ ...client, jwksUri: 'file:///k' }])),
    ).toBeUndefined();
    expect(
      parseCdsHooksClients(JSON.stringify([{ ...client, tenantId: 'ward-7' }])),
    ).toBeUndefined();
  });

  it('needs PUBLIC_BASE_URL (no trailing slash) once an EHR is registered', () => {
    const clients = JSON.stringify([client]);
    expect(() => loadConfig({ ...BASE, CDS_HOOKS_CLIENTS: clients })).toThrow(ConfigError);
    expect(() =>
      loadConfig({
        ...BASE,
        CDS_HOOKS_CLIENTS: clients,
        PUBLIC_BASE_URL: 'https://tw.example.org/',
      }),
    ).toThrow(/PUBLIC_BASE_URL/);
    const config = loadConfig({
      ...BASE,
      CDS_HOOKS_CLIENTS: clients,
      PUBLIC_BASE_URL: 'https://tw.example.org',
    });
    expect(config.CDS_HOOKS_MAX_TOKEN_SECONDS).toBe(300);
    expect(() => loadConfig({ ...BASE, CDS_HOOKS_CLIENTS: '[{"issuer":1}]' })).toThrow(
      /CDS_HOOKS_CLIENTS is invalid/,
    );
  });
});
