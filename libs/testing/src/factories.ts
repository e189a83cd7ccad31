import { randomUUID } from 'node:crypto';
import type { TestStack } from './stack';
import { TEST_ADMIN_KEY } from './stack';

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const adminAuth = bearer(TEST_ADMIN_KEY);

/** Creates an API key through the API and returns the secret. */
export async function createKey(
  stack: TestStack,
  role: 'admin' | 'prescriber' | 'nurse' | 'service' | 'pharmacist',
  unitIds?: string[],
): Promise<string> {
  const res = await stack
    .http()
    .post('/v1/api-keys')
    .set(adminAuth)
    .send({ name: `${role} key`, role, ...(unitIds ? { unitIds } : {}) })
    .expect(201);
  return res.body.key as string;
}

export async function createPatient(
  stack: TestStack,
  key: string,
  body: Partial<{
    externalId: string;
    unitId: string;
    timezone: string;
    birthDate: string;
    creatinineClearanceMlMin: number;
  }> = {},
): Promise<{ id: string; unitId: string }> {
  const res = await stack
    .http()
    .post('/v1/patients')
    .set(bearer(key))
    .send({ externalId: `MRN-${randomUUID()}`, unitId: 'ward-7', ...body })
    .expect(201);
  return res.body;
}

/**
 * A valid baclofen 60 mg/day discontinuation request (20 mg TID), starting today (UTC, the
 * default patient zone): a start date already past is refused.
 */
export function baclofenRequest(patientId: string, overrides: Record<string, unknown> = {}) {
  return {
    patientId,
    drugCode: 'baclofen',
    route: 'oral',
    currentDosesMg: [20, 20, 20],
    administrationTimes: ['08:00', '14:00', '20:00'],
    startDate: new Date().toISOString().slice(0, 10),
    goal: { type: 'discontinue' },
    reason: 'Spasticity resolved',
    ...overrides,
  };
}
