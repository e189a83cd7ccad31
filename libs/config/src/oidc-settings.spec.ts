import { loadConfig } from './environment';
import { parseOidcAlgorithms, parseOidcIssuers } from './oidc-settings';

const BASE = { DATABASE_URL: 'postgres://localhost/db', REDIS_URL: 'redis://localhost' };
const issuers = (value: unknown) => parseOidcIssuers(JSON.stringify(value));

describe('OIDC_ISSUERS', () => {
  it('fills in the claim names and an empty role map', () => {
    expect(issuers([{ issuer: 'https://login.example', audience: 'taperwatch' }])).toEqual({
      ok: true,
      issuers: [
        {
          issuer: 'https://login.example',
          audience: 'taperwatch',
          roleClaim: 'roles',
          unitsClaim: 'units',
          nameClaim: 'name',
          roleMap: {},
        },
      ],
    });
  });

  it('keeps what is configured', () => {
    const entry = {
      issuer: 'http://127.0.0.1:8443/realms/ward',
      audience: 'api://taperwatch',
      jwksUri: 'http://localhost:8443/certs',
      tenantId: '00000000-0000-4000-8000-000000000001',
      roleClaim: 'realm_access.roles',
      unitsClaim: 'wards',
      nameClaim: 'preferred_username',
      roleMap: { doctors: 'prescriber' },
    };
    expect(issuers([entry])).toEqual({ ok: true, issuers: [entry] });
  });

  it.each([
    ['not JSON', 'must be JSON'],
    [{ issuer: 'https://a' }, 'must be a JSON array'],
    [[{ issuer: 'http://login.example', audience: 'a' }], '[0].issuer must be an https URL'],
    [[{ issuer: 'https://a', audience: '' }], '[0].audience must be'],
    [[{ issuer: 'https://a', audience: 'a', jwksUri: 'ftp://a/keys' }], '[0].jwksUri must be'],
    [[{ issuer: 'https://a', audience: 'a', tenantId: 'ward' }], '[0].tenantId must be'],
    [[{ issuer: 'https://a', audience: 'a', roleClaim: 'a b' }], '[0].roleClaim must be'],
    [[{ issuer: 'https://a', audience: 'a', roleMap: { x: 1 } }], '[0].roleMap must map'],
    [[{ issuer: 'https://a', audience: 'a', audiences: ['a'] }], '[0].audiences is not a known'],
    [
      [
        { issuer: 'https://a', audience: 'a' },
        { issuer: 'https://a', audience: 'b' },
      ],
      '[1].issuer https://a is listed twice',
    ],
  ])('refuses %j: %s', (value, problem) => {
    const parsed = typeof value === 'string' ? parseOidcIssuers(value) : issuers(value);
    expect(parsed.ok ? undefined : parsed.problem).toContain(problem);
  });

  it('names the setting and the problem when taperwatch starts', () => {
    expect(() =>
      loadConfig({ ...BASE, OIDC_ISSUERS: '[{"issuer":"http://idp.example","audience":"a"}]' }),
    ).toThrow(/OIDC_ISSUERS is invalid: .*\[0\]\.issuer must be an https URL/);
    expect(loadConfig({ ...BASE, OIDC_ISSUERS: '[]' }).OIDC_ISSUERS).toBe('[]');
  });
});

describe('OIDC_ALGORITHMS', () => {
  it('takes a subset of the asymmetric algorithms', () => {
    expect(parseOidcAlgorithms('RS256, ES256')).toEqual(['RS256', 'ES256']);
  });

  it.each(['HS256', 'none', 'RS256,HS512', '', 'rs256'])('refuses %j', (raw) => {
    expect(parseOidcAlgorithms(raw)).toBeUndefined();
    expect(() => loadConfig({ ...BASE, OIDC_ALGORITHMS: raw })).toThrow(/OIDC_ALGORITHMS/);
  });
});
