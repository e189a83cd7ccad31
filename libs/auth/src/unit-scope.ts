import { ProblemException } from '@taperwatch/http';
import { Principal } from './principal';

/**
 * Unit scopes, in one place: a resource of a unit the caller may not see does not exist for
 * them (404, docs/api.md Conventions), while asking to create or move something into such a unit is 403.
 */
export function assertVisible<T extends { unitId: string }>(
  principal: Principal,
  resource: T | null | undefined,
  what: string,
): T {
  if (!resource || !principal.canSeeUnit(resource.unitId)) throw ProblemException.notFound(what);
  return resource;
}

export function assertMayUseUnit(principal: Principal, unitId: string): void {
  if (!principal.canSeeUnit(unitId)) {
    throw ProblemException.of(403, `This key may not act for unit ${unitId}`, [
      { field: 'unitId', message: 'is outside the units of this API key' },
    ]);
  }
}
