import type { OidcIssuer } from '@taperwatch/config';
import { grantOf, unknownMappedRoles } from './token-claims';

const ISSUER: OidcIssuer = {
  issuer: 'https://login.example',
  audience: 'taperwatch',
  roleClaim: 'roles',
  unitsClaim: 'units',
  nameClaim: 'name',
  roleMap: { doctors: 'prescriber', 'ward-nurses': 'nurse' },
};

describe('grantOf: what a verified token grants', () => {
  it('maps a role through roleMap and reads units and the name', () => {
    expect(
      grantOf(ISSUER, {
        sub: 'u-1',
        roles: ['ward-nurses', 'staff'],
        units: ['ward-7', 'ward-7', 'ward-8'],
        name: 'Nurse Joy',
      }),
    ).toEqual({
      ok: true,
      role: 'nurse',
      unitIds: ['ward-7', 'ward-8'],
      kind: 'person',
      name: 'Nurse Joy',
    });
  });

  it('takes a value that is a role name itself, and a single string claim', () => {
    expect(grantOf(ISSUER, { sub: 'u-2', roles: 'prescriber', units: 'ward-7' })).toEqual({
      ok: true,
      role: 'prescriber',
      unitIds: ['ward-7'],
      kind: 'person',
    });
  });

  it('a client acting for itself (sub = client_id) is a system', () => {
    const grant = grantOf(ISSUER, { sub: 'robot', client_id: 'robot', roles: ['service'] });
    expect(grant).toEqual(expect.objectContaining({ ok: true, kind: 'system', role: 'service' }));
    const person = grantOf(ISSUER, { sub: 'u-3', client_id: 'web', roles: ['service'] });
    expect(person).toEqual(expect.objectContaining({ kind: 'person' }));
  });

  it('reads the configured claims', () => {
    const keycloak = {
      ...ISSUER,
      roleClaim: 'groups',
      unitsClaim: 'wards',
      nameClaim: 'preferred_username',
    };
    expect(
      grantOf(keycloak, {
        sub: 'u-4',
        groups: ['doctors'],
        wards: ['icu'],
        preferred_username: 'grey',
      }),
    ).toEqual({ ok: true, role: 'prescriber', unitIds: ['icu'], kind: 'person', name: 'grey' });
  });

  it.each([
    [{ sub: 'u' }, /names no taperwatch role/],
    [{ sub: 'u', roles: ['visitor', 42] }, /names no taperwatch role/],
    [
      { sub: 'u', roles: ['doctors', 'nurse'] },
      /more than one taperwatch role \(prescriber, nurse\)/,
    ],
  ])('refuses %j', (claims, problem) => {
    const grant = grantOf(ISSUER, claims);
    expect(grant.ok).toBe(false);
    expect(grant.ok ? '' : grant.problem).toMatch(problem);
  });

  it('two values mapping to the same role are one role', () => {
    expect(grantOf(ISSUER, { sub: 'u', roles: ['doctors', 'prescriber'] })).toEqual(
      expect.objectContaining({ ok: true, role: 'prescriber' }),
    );
  });

  it('names role map entries that are not taperwatch roles', () => {
    expect(unknownMappedRoles({ ...ISSUER, roleMap: { a: 'nurse', b: 'surgeon' } })).toEqual([
      'surgeon',
    ]);
  });
});
