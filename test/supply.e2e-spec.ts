import { ManualClock } from '@taperwatch/common';
import { SupplyWatchService } from '@taperwatch/supply';
import {
  adminAuth,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  proposePlan,
  startStack,
  TestStack,
} from '@taperwatch/testing';

// The official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0), with ajv as the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

interface Alert {
  id: string;
  type: string;
  severity: string;
  status: string;
  planId: string;
  message: string;
}
interface OrderLine {
  drugCode: string;
  form: string;
  strengthMg: number;
  quantity: number;
  unit: string;
  directions: string;
}
interface StepOrder {
  stepIndex: number;
  days: number;
  lines: OrderLine[];
}

/**
 * Dispensings, the supply watch and pharmacy orders against real Postgres and Redis, time moved
 * by a ManualClock. The reference plan is baclofen 20 mg three times a day to stop (45, 30, 15,
 * then 0 mg/day in 5-day steps: the label's titration run backwards, CKS [S17]).
 */
describe('supply: dispensings, the supply watch and pharmacy orders', () => {
  const clock = new ManualClock(new Date('2027-05-03T06:00:00Z'));
  let stack: TestStack;
  let prescriber: string;
  let pharmacist: string;
  let nurse: string;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      // Unrecorded doses stay unjudged for the test's days: only the supply watch alerts here.
      env: { SUPPLY_SWEEP_MS: '200', DOSE_GRACE_MINUTES: '100000' },
    });
    prescriber = await createKey(stack, 'prescriber');
    pharmacist = await createKey(stack, 'pharmacist');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
  });
  afterAll(() => stack.close());

  const http = () => stack.http();
  const watch = () => stack.workers[0].app.get(SupplyWatchService);

  const approve = (planId: string) =>
    http().post(`/v1/plans/${planId}/approve`).set(bearer(prescriber)).expect(200);

  /** A baclofen plan starting on the clock's day (approved unless asked not to), and its patient. */
  async function approvedPlan(
    approved = true,
    monitoring: 'supervised' | 'outpatient' = 'supervised',
  ): Promise<{ patientId: string; planId: string }> {
    const patient = await createPatient(stack, prescriber);
    await http()
      .patch(`/v1/patients/${patient.id}`)
      .set(bearer(prescriber))
      .send({ monitoring })
      .expect(200);
    const body = baclofenRequest(patient.id, { startDate: '2027-05-03' });
    const planId = await proposePlan(stack, prescriber, body);
    if (approved) await approve(planId);
    return { patientId: patient.id, planId };
  }

  const dispense = (patientId: string, body: object, key = pharmacist) =>
    http().post(`/v1/patients/${patientId}/dispensings`).set(bearer(key)).send(body);

  const supplyAlerts = async (patientId: string): Promise<Alert[]> =>
    (
      (
        await http()
          .get(`/v1/alerts?patientId=${patientId}&limit=200`)
          .set(bearer(prescriber))
          .expect(200)
      ).body.items as Alert[]
    ).filter((a) => a.type === 'supply_low' || /supply/.test(a.message));

  const orders = async (planId: string, query = ''): Promise<StepOrder[]> =>
    (
      await http()
        .get(`/v1/plans/${planId}/pharmacy-orders${query}`)
        .set(bearer(pharmacist))
        .expect(200)
    ).body.steps;

  it('an outpatient’s 7 days’ supply and no refill: supply_low 3 days (SUPPLY_LOW_DAYS) before it runs out, then abrupt_cessation_risk once it has, each once', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    // The founding case: an outpatient whose doses no nurse charts. Both products are dispensed
    // before approval, so no sweep ever sees half the supply.
    const { patientId, planId } = await approvedPlan(false, 'outpatient');
    clock.set(new Date('2027-05-03T07:00:00Z'));
    // 7 days from 08:00: step 1's 15 doses of 10 mg + 5 mg and step 2's first 6 doses of 10 mg.
    const tablets = await dispense(patientId, {
      drugCode: 'baclofen',
      form: 'tablet',
      strengthMg: 10,
      quantity: 21,
      dispensedAt: '2027-05-03T07:00:00Z',
    }).expect(201);
    expect(tablets.body).toMatchObject({
      patientId,
      drugCode: 'baclofen',
      form: 'tablet',
      strengthMg: 10,
      quantity: 21,
      unit: 'tablet',
      planId: null, // no plan in force yet: nothing to count it against
      runsOutAt: null,
      daysSupply: null,
    });
    // The 5 mg tablets as a FHIR R4 MedicationDispense.
    const fhir = await dispense(patientId, {
      resourceType: 'MedicationDispense',
      id: 'md-1',
      status: 'completed',
      medicationCodeableConcept: {
        coding: [{ system: 'urn:taperwatch:drug', code: 'baclofen' }],
        text: 'Baclofen 5 mg tablets',
      },
      quantity: { value: 15, unit: 'tablet' },
      whenHandedOver: '2027-05-03T07:00:00Z',
    }).expect(201);
    expect(fhir.body).toMatchObject({ strengthMg: 5, quantity: 15, fhirId: 'md-1' });
    // The same MedicationDispense again (no Idempotency-Key) must not count twice.
    await dispense(patientId, {
      resourceType: 'MedicationDispense',
      id: 'md-1',
      status: 'completed',
      medicationCodeableConcept: { text: 'Baclofen 5 mg tablets' },
      quantity: { value: 15, unit: 'tablet' },
      whenHandedOver: '2027-05-03T07:00:00Z',
    }).expect(409);
    await approve(planId);
    const listed = await http()
      .get(`/v1/patients/${patientId}/dispensings`)
      .set(bearer(pharmacist))
      .expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: fhir.body.id, planId, daysSupply: 7 }),
      expect.objectContaining({ id: tablets.body.id, planId, daysSupply: 7 }),
    ]);
    // Day 8's first dose is the first one the supply cannot make.
    expect(listed.body.items[0].runsOutAt).toBe('2027-05-10T08:00:00.000Z');

    // A minute before run-out − 3 days nothing; at it, supply_low from the scheduled sweep.
    clock.set(new Date('2027-05-07T07:59:00Z'));
    await watch().sweep();
    expect(await supplyAlerts(patientId)).toEqual([]);
    clock.set(new Date('2027-05-07T08:00:00Z'));
    const [low] = await eventually(
      () => supplyAlerts(patientId),
      (alerts) => alerts.length > 0,
    );
    expect(low).toMatchObject({ type: 'supply_low', severity: 'warning', status: 'open', planId });
    expect(low.message).toMatch(/Baclofen supply runs out at 2027-05-10T08:00:00.000Z/);

    clock.set(new Date('2027-05-10T08:00:00Z'));
    const after = await eventually(
      () => supplyAlerts(patientId),
      (alerts) => alerts.some((a) => a.type === 'abrupt_cessation_risk'),
    );
    expect(after.find((a) => a.type === 'abrupt_cessation_risk')).toMatchObject({
      severity: 'critical',
      status: 'open',
      planId,
      message: expect.stringMatching(/Baclofen supply ran out at 2027-05-10T08:00:00.000Z/),
    });
    // Idempotent: more sweeps raise nothing new, and a resolved alert is not raised again for
    // the same run-out.
    await http().post(`/v1/alerts/${low.id}/resolve`).set(bearer(prescriber)).send({}).expect(200);
    expect((await watch().sweep()).raised).toBe(0);
    const final = await supplyAlerts(patientId);
    expect(final.map((a) => `${a.type}:${a.status}`).sort()).toEqual([
      'abrupt_cessation_risk:open',
      'supply_low:resolved',
    ]);
  });

  it('the pharmacy orders’ quantities, dispensed step by step with each refill in time, raise neither alert; the supply lasts exactly the plan', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    const { patientId, planId } = await approvedPlan(false);
    clock.set(new Date('2027-05-03T07:00:00Z'));
    const steps = await orders(planId);
    expect(steps[0]).toMatchObject({
      stepIndex: 1,
      days: 5,
      lines: [
        {
          drugCode: 'baclofen',
          form: 'tablet',
          strengthMg: 10,
          quantity: 15,
          unit: 'tablet',
          directions: 'Baclofen 10 mg tablets: one at 08:00, 14:00 and 20:00',
        },
        {
          strengthMg: 5,
          quantity: 15,
          directions: 'Baclofen 5 mg tablets: one at 08:00, 14:00 and 20:00',
        },
      ],
    });
    expect((await orders(planId, '?periodDays=3'))[0].lines.map((l) => l.quantity)).toEqual([9, 9]);
    const dispenseStep = async (step: StepOrder, at: string) => {
      let last: { runsOutAt: string | null } = { runsOutAt: null };
      for (const line of step.lines) {
        last = (
          await dispense(patientId, {
            drugCode: line.drugCode,
            form: line.form,
            strengthMg: line.strengthMg,
            quantity: line.quantity,
            dispensedAt: at,
          }).expect(201)
        ).body;
      }
      return last;
    };
    // Step 1's two products before approval; under the plan they last its 5 days.
    await dispenseStep(steps[0], '2027-05-03T07:00:00Z');
    await approve(planId);
    const first = await http()
      .get(`/v1/patients/${patientId}/dispensings`)
      .set(bearer(pharmacist))
      .expect(200);
    expect(first.body.items[0]).toMatchObject({
      runsOutAt: '2027-05-08T08:00:00.000Z',
      daysSupply: 5,
    });
    // Each refill an hour before run-out − 3 days (SUPPLY_LOW_DAYS): no alert at all.
    clock.set(new Date('2027-05-05T07:00:00Z'));
    expect(await dispenseStep(steps[1], '2027-05-05T07:00:00Z')).toMatchObject({
      runsOutAt: '2027-05-13T08:00:00.000Z',
    });
    clock.set(new Date('2027-05-10T07:00:00Z'));
    const lasting = await dispenseStep(steps[2], '2027-05-10T07:00:00Z');
    expect(lasting).toMatchObject({ runsOutAt: null, daysSupply: null });
    // Each run-out there would have been, and the plan's last day.
    for (const at of ['2027-05-08T08:00:00Z', '2027-05-13T08:00:00Z', '2027-05-17T21:00:00Z']) {
      clock.set(new Date(at));
      await watch().sweep();
    }
    expect(await supplyAlerts(patientId)).toEqual([]);
    const list = await http()
      .get(`/v1/patients/${patientId}/dispensings`)
      .set(bearer(prescriber))
      .expect(200);
    expect(list.body.items).toHaveLength(4);
    expect(list.body.items.every((d: { runsOutAt: null }) => d.runsOutAt === null)).toBe(true);
  });

  it('the whole plan’s orders dispensed at once raise nothing at all', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    const { patientId, planId } = await approvedPlan(false);
    clock.set(new Date('2027-05-03T07:00:00Z'));
    const all = await orders(planId);
    for (const step of all)
      for (const line of step.lines)
        await dispense(patientId, {
          drugCode: line.drugCode,
          form: line.form,
          strengthMg: line.strengthMg,
          quantity: line.quantity,
          dispensedAt: '2027-05-03T07:00:00Z',
        }).expect(201);
    await approve(planId);
    for (const at of ['2027-05-12T08:00:00Z', '2027-05-17T21:00:00Z']) {
      clock.set(new Date(at));
      await watch().sweep();
    }
    expect(await supplyAlerts(patientId)).toEqual([]);
  });

  it('counts the supply across a revision: doses given under the superseded version took their tablets too', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    const { patientId, planId } = await approvedPlan(false);
    clock.set(new Date('2027-05-03T07:00:00Z'));
    // Step 1's 15 doses of 10 mg + 5 mg.
    for (const strengthMg of [10, 5])
      await dispense(patientId, {
        drugCode: 'baclofen',
        form: 'tablet',
        strengthMg,
        quantity: 15,
        dispensedAt: '2027-05-03T07:00:00Z',
      }).expect(201);
    await approve(planId);
    // From 2027-05-05, 15 mg three times a day is held 7 days: 6 doses were taken before it,
    // so the 5 mg tablets last 9 doses more, to 2027-05-07 20:00 (not 15 from 2027-05-05).
    clock.set(new Date('2027-05-04T12:00:00Z'));
    const revision = await http()
      .post(`/v1/plans/${planId}/revisions`)
      .set(bearer(prescriber))
      .send({ fromDate: '2027-05-05', holdDays: 7, reason: 'Rebound spasticity' })
      .expect(202);
    await approve(revision.body.id);
    const items = (
      await http().get(`/v1/patients/${patientId}/dispensings`).set(bearer(pharmacist)).expect(200)
    ).body.items as { planId: string; runsOutAt: string }[];
    expect(items[0]).toMatchObject({
      planId: revision.body.id,
      runsOutAt: '2027-05-08T08:00:00.000Z',
    });
  });

  it('FHIR: each MedicationRequest’s dispenseRequest carries the pharmacy orders’ quantities, and the bundle validates against the official R4 schema', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    const { planId } = await approvedPlan();
    const steps = await orders(planId);
    const bundle = (
      await http().get(`/v1/plans/${planId}/fhir`).set(bearer(prescriber)).expect(200)
    ).body;
    expect(new FhirValidator().validate(bundle)).toEqual([]);
    const requests = bundle.entry.map(
      (e: { resource: Record<string, unknown> }) =>
        e.resource as {
          dispenseRequest?: {
            quantity?: { value: number; unit: string };
            extension?: { url: string; valueQuantity: { value: number; unit: string } }[];
            expectedSupplyDuration: { value: number; code: string };
          };
        },
    );
    steps.forEach((step, i) => {
      const dr = requests[i].dispenseRequest;
      if (step.lines.length === 0) {
        expect(dr).toBeUndefined();
        return;
      }
      const quantities = dr!.quantity
        ? [dr!.quantity]
        : dr!.extension!.map((x: { valueQuantity: object }) => x.valueQuantity);
      expect(quantities).toEqual(
        step.lines.map((l) =>
          expect.objectContaining({ value: l.quantity, unit: `${l.strengthMg} mg tablet` }),
        ),
      );
      expect(dr!.expectedSupplyDuration).toMatchObject({ value: step.days, code: 'd' });
    });
    // Step 2 is 10 mg only: one quantity.
    expect(requests[1].dispenseRequest!.quantity).toMatchObject({ value: 15, code: '{tbl}' });
  });

  it('refuses bad input naming each field: 400 for malformed, 422 for unknown or unplanned products', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    const { patientId } = await approvedPlan();
    const bad = await dispense(patientId, { drugCode: 'baclofen', form: 'capsule', quantity: -1 })
      .expect(400)
      .expect('content-type', /application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'dispensedAt',
      'form',
      'quantity',
    ]);
    const noStrength = await dispense(patientId, {
      drugCode: 'baclofen',
      form: 'tablet',
      quantity: 10,
      dispensedAt: '2027-05-03T05:00:00Z',
    }).expect(400);
    expect(noStrength.body.errors[0].field).toBe('strengthMg');
    const base = {
      form: 'tablet',
      strengthMg: 10,
      quantity: 10,
      dispensedAt: '2027-05-03T05:00:00Z',
    };
    const unknown = await dispense(patientId, { ...base, drugCode: 'nope' }).expect(422);
    expect(unknown.body.errors[0].field).toBe('drugCode');
    const strength = await dispense(patientId, {
      ...base,
      drugCode: 'baclofen',
      strengthMg: 7,
    }).expect(422);
    expect(strength.body.errors[0]).toMatchObject({ field: 'strengthMg' });
    const future = await dispense(patientId, {
      ...base,
      drugCode: 'baclofen',
      dispensedAt: '2027-05-04T06:00:00Z',
    }).expect(400);
    expect(future.body.errors[0].field).toBe('dispensedAt');
    const fhir = await dispense(patientId, {
      resourceType: 'MedicationDispense',
      status: 'in-progress',
      medicationCodeableConcept: { text: 'Baclofen tablets' },
      quantity: { value: 10, unit: 'box' },
    }).expect(400);
    // No strength is asked of the text while the unit names no form.
    expect(fhir.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'quantity.unit',
      'status',
      'whenHandedOver',
    ]);
    const unknownDrug = await dispense(patientId, {
      resourceType: 'MedicationDispense',
      status: 'completed',
      medicationCodeableConcept: { text: 'Unobtainium 10 mg tablets' },
      quantity: { value: 10, unit: 'tablet' },
      whenHandedOver: '2027-05-03T05:00:00Z',
    }).expect(422);
    expect(unknownDrug.body.errors[0].field).toBe('medicationCodeableConcept');
  });

  it('pharmacist and service keys may dispense, a nurse may not; another unit’s patient is 404; a pharmacist reads no clinical record; Idempotency-Key replays', async () => {
    clock.set(new Date('2027-05-03T06:00:00Z'));
    const { patientId } = await approvedPlan();
    const body = {
      drugCode: 'baclofen',
      form: 'tablet',
      strengthMg: 10,
      quantity: 21,
      dispensedAt: '2027-05-03T05:00:00Z',
    };
    await dispense(patientId, body, nurse).expect(403);
    const service = await createKey(stack, 'service');
    await dispense(patientId, body, service).expect(201);
    const elsewhere = (
      await http()
        .post('/v1/api-keys')
        .set(adminAuth)
        .send({ name: 'ward 9 pharmacy', role: 'pharmacist', unitIds: ['ward-9'] })
        .expect(201)
    ).body.key as string;
    await dispense(patientId, body, elsewhere).expect(404);
    await http().get(`/v1/patients/${patientId}/dispensings`).set(bearer(elsewhere)).expect(404);
    await http().get(`/v1/patients/${patientId}`).set(bearer(pharmacist)).expect(403);

    const first = await dispense(patientId, body).set('idempotency-key', 'disp-1').expect(201);
    const again = await dispense(patientId, body).set('idempotency-key', 'disp-1').expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotency-replayed']).toBe('true');
    const list = await http()
      .get(`/v1/patients/${patientId}/dispensings`)
      .set(bearer(pharmacist))
      .expect(200);
    expect(list.body.items).toHaveLength(2);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await http().get('/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/patients/{id}/dispensings', '/v1/plans/{id}/pharmacy-orders']),
    );
    expect(doc.components.schemas).toHaveProperty('DispensingViewDto');
    expect(doc.components.schemas).toHaveProperty('MedicationDispenseDto');
    expect(doc.components.schemas).toHaveProperty('PharmacyOrdersDto');
  });
});
