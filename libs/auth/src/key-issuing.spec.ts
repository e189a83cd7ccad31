import { ProblemException } from '@taperwatch/http';
import { KeyRequest, assertMayIssueKey, mayManageKeyOf } from './key-issuing';
import { Principal } from './principal';

const NOW = new Date('2026-12-01T08:00:00Z');
const tenantAdmin = new Principal('k1', 't', 'admin', []);
const wardAdmin = new Principal('k2', 't', 'admin', ['ward-7', 'ward-8']);

function refusal(creator: Principal, request: KeyRequest) {
  try {
    assertMayIssueKey(creator, request, NOW);
  } catch (error) {
    const { status, errors } = (error as ProblemException).problem;
    return { status, fields: errors?.map((e) => e.field) };
  }
  return undefined;
}

describe('assertMayIssueKey', () => {
  it('lets an all-units admin issue any role for any units', () => {
    for (const role of ['admin', 'service', 'prescriber', 'pharmacist'] as const) {
      expect(refusal(tenantAdmin, { role, unitIds: [] })).toBeUndefined();
    }
    expect(refusal(tenantAdmin, { role: 'nurse', unitIds: ['ward-9'] })).toBeUndefined();
  });

  it('keeps a unit-scoped admin within its units and rank', () => {
    expect(refusal(wardAdmin, { role: 'admin', unitIds: ['ward-8'] })).toBeUndefined();
    expect(refusal(wardAdmin, { role: 'nurse', unitIds: ['ward-9'] })).toEqual({
      status: 403,
      fields: ['unitIds'],
    });
    expect(refusal(wardAdmin, { role: 'prescriber', unitIds: [] })).toEqual({
      status: 403,
      fields: ['unitIds'],
    });
    expect(refusal(wardAdmin, { role: 'service', unitIds: ['ward-7'] })).toEqual({
      status: 403,
      fields: ['role'],
    });
  });

  it('requires a nurse key to name units (422), whoever issues it', () => {
    expect(refusal(tenantAdmin, { role: 'nurse', unitIds: [] })).toEqual({
      status: 422,
      fields: ['unitIds'],
    });
  });

  it('refuses an expiry that is not in the future', () => {
    expect(refusal(tenantAdmin, { role: 'service', unitIds: [], expiresAt: NOW })).toEqual({
      status: 400,
      fields: ['expiresAt'],
    });
  });
});

describe('Principal and mayManageKeyOf', () => {
  it('a nurse principal without units reaches nothing', () => {
    const nurse = new Principal('k3', 't', 'nurse', []);
    expect(nurse.reachesNoUnit).toBe(true);
    expect(nurse.canSeeUnit('ward-7')).toBe(false);
    expect(new Principal('k4', 't', 'pharmacist', []).canSeeUnit('ward-7')).toBe(true);
  });

  it('lets a unit-scoped admin manage only keys wholly within its units', () => {
    expect(mayManageKeyOf(wardAdmin, ['ward-7'])).toBe(true);
    expect(mayManageKeyOf(wardAdmin, ['ward-7', 'ward-9'])).toBe(false);
    expect(mayManageKeyOf(wardAdmin, [])).toBe(false);
    expect(mayManageKeyOf(tenantAdmin, [])).toBe(true);
  });
});
