import { randomUUID } from 'node:crypto';
import type { RaiseAlert } from '@taperwatch/alerts';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';

/** What AlertsService.raise needs for a ward-7 missed-dose warning; override any field. */
export function missedDoseAlert(overrides: Partial<RaiseAlert> = {}): RaiseAlert {
  return {
    tenantId: DEFAULT_TENANT_ID,
    type: 'missed_dose',
    severity: 'warning',
    patientId: randomUUID(),
    planId: randomUUID(),
    unitId: 'ward-7',
    doseIds: [randomUUID()],
    message: 'A scheduled baclofen dose was not recorded',
    ...overrides,
  };
}
