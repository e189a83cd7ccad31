import { randomUUID } from 'node:crypto';
import { eventually } from './eventually';
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
 * A fixed-offset zone where it is now about `hour` o'clock, and its date there. A test whose plan
 * must have a step in force today puts its patient there: a plan whose dose times have all passed
 * today starts tomorrow, so a test on UTC's clock would fail late in the UTC day.
 */
export function zoneWhereItIs(hour: number, now = new Date()): { timezone: string; today: string } {
  let offset = hour - now.getUTCHours();
  if (offset < -12) offset += 24;
  if (offset > 14) offset -= 24;
  // POSIX signs: Etc/GMT-3 is three hours ahead of UTC.
  const timezone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  const today = new Date(now.getTime() + offset * 3_600_000).toISOString().slice(0, 10);
  return { timezone, today };
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

/**
 * Submits a taper request and waits (bounded) for the worker: the proposed plan's id. A request
 * the planner rejects fails the test with its problems.
 */
export async function proposePlan(stack: TestStack, key: string, body: object): Promise<string> {
  const res = await stack.http().post('/v1/taper-requests').set(bearer(key)).send(body).expect(202);
  const done = await eventually(
    async () =>
      (await stack.http().get(`/v1/taper-requests/${res.body.id}`).set(bearer(key))).body as {
        status: string;
        planId?: string;
        problems?: unknown[];
      },
    (b) => b.status === 'planned' || b.status === 'rejected',
  );
  if (done.status !== 'planned' || !done.planId) {
    throw new Error(`the taper request was ${done.status}: ${JSON.stringify(done.problems ?? [])}`);
  }
  return done.planId;
}

/** proposePlan, then approves the plan: its id. */
export async function approvedPlan(stack: TestStack, key: string, body: object): Promise<string> {
  const planId = await proposePlan(stack, key, body);
  await stack.http().post(`/v1/plans/${planId}/approve`).set(bearer(key)).expect(200);
  return planId;
}
