import type { Role } from '@taperwatch/persistence';
import { ProblemException } from '@taperwatch/http';
import { roleOutranks } from './permissions';
import { Principal } from './principal';

export interface KeyRequest {
  role: Role;
  /** Empty: every unit of the tenant. */
  unitIds: readonly string[];
  expiresAt?: Date;
}

/**
 * Which keys a creator may issue, in one place: an all-units admin may issue any; a unit-scoped
 * one only roles not ranked above its own, within its own units (403 naming the field). A nurse
 * key must name its units (422). No I/O: the caller passes the time.
 */
export function assertMayIssueKey(creator: Principal, request: KeyRequest, now: Date): void {
  if (request.role === 'nurse' && request.unitIds.length === 0) {
    throw ProblemException.unprocessable('A nurse key must name the units it works in', [
      { field: 'unitIds', message: 'must name at least one unit for a nurse key' },
    ]);
  }
  if (request.expiresAt && request.expiresAt.getTime() <= now.getTime()) {
    throw ProblemException.validation([{ field: 'expiresAt', message: 'must be in the future' }]);
  }
  if (creator.allUnits && creator.role === 'admin') return;
  if (roleOutranks(request.role, creator.role)) {
    throw ProblemException.of(403, `A ${creator.role} key may not issue a ${request.role} key`, [
      { field: 'role', message: `is above the ${creator.role} role of this API key` },
    ]);
  }
  if (request.unitIds.length === 0) {
    throw ProblemException.of(403, 'This key may not issue a key for every unit', [
      { field: 'unitIds', message: 'must name units within those of this API key' },
    ]);
  }
  const outside = request.unitIds.filter((unitId) => !creator.canSeeUnit(unitId));
  if (outside.length > 0) {
    throw ProblemException.of(403, `This key may not issue a key for ${outside.join(', ')}`, [
      { field: 'unitIds', message: 'are outside the units of this API key' },
    ]);
  }
}

/** Whether a key of these units is the creator's to list and revoke: within its own units. */
export function mayManageKeyOf(manager: Principal, unitIds: readonly string[]): boolean {
  if (manager.allUnits) return true;
  return unitIds.length > 0 && unitIds.every((unitId) => manager.canSeeUnit(unitId));
}
