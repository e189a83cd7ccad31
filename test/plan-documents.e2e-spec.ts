import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@taperwatch/common';
import {
  approvedPlan,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  launchChromium,
  proposePlan,
  startStack,
  TEST_OUTPUT,
  TestStack,
} from '@taperwatch/testing';

// The official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0), with ajv as the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

/** The plan as other systems read it (FHIR R4) and as the ward prints it. */
describe('plan documents', () => {
  const clock = new ManualClock(new Date('2026-11-20T12:00:00Z'));
  let stack: TestStack;
  let prescriber: string;
  const plans: { id: string; externalId: string }[] = [];

  const plan = (body: object, approve: boolean): Promise<string> =>
    (approve ? approvedPlan : proposePlan)(stack, prescriber, body);

  beforeAll(async () => {
    stack = await startStack({ clock });
    prescriber = await createKey(stack, 'prescriber');
    const a = await createPatient(stack, prescriber, { timezone: 'Europe/London' });
    const b = await createPatient(stack, prescriber);
    const externalId = async (id: string) =>
      (await stack.http().get(`/v1/patients/${id}`).set(bearer(prescriber))).body
        .externalId as string;
    plans.push({ id: await plan(baclofenRequest(a.id), true), externalId: await externalId(a.id) });
    plans.push({
      id: await plan(
        {
          ...baclofenRequest(b.id),
          drugCode: 'diazepam',
          currentDosesMg: [10, 5],
          administrationTimes: ['08:00', '20:00'],
        },
        false,
      ),
      externalId: await externalId(b.id),
    });
  });
  afterAll(() => stack.close());

  it('serves each plan as a FHIR R4 Bundle that validates against the official schema', async () => {
    const validator = new FhirValidator();
    for (const { id, externalId } of plans) {
      const res = await stack
        .http()
        .get(`/v1/plans/${id}/fhir`)
        .set(bearer(prescriber))
        .expect(200);
      expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
      const bundle = res.body;
      expect(validator.validate(bundle, true)).toEqual([]);
      const planView = (await stack.http().get(`/v1/plans/${id}`).set(bearer(prescriber))).body;
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
      expect(bundle.entry).toHaveLength(planView.steps.length);
      for (const { resource } of bundle.entry) {
        expect(validator.validate(resource, true)).toEqual([]);
        expect(resource.resourceType).toBe('MedicationRequest');
        expect(resource.subject.identifier.value).toBe(externalId);
        expect(resource.identifier).toEqual(
          expect.arrayContaining([expect.objectContaining({ value: id })]),
        );
      }
      const first = bundle.entry[0].resource;
      expect(first.dosageInstruction[0]).toMatchObject({
        timing: { repeat: { boundsPeriod: { start: planView.steps[0].startDate } } },
        doseAndRate: [
          { doseQuantity: { unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } },
        ],
      });
      expect(first.medicationCodeableConcept.text).toBeTruthy();
    }
    // The schema really checks: a MedicationRequest without its required status fails.
    const broken = (await stack.http().get(`/v1/plans/${plans[0].id}/fhir`).set(bearer(prescriber)))
      .body;
    delete broken.entry[0].resource.status;
    broken.entry[0].resource.intent = 42;
    expect(validator.validate(broken, true)).not.toEqual([]);
  });

  it('renders the printable schedule in headless Chromium with its chart and a day of tablets', async () => {
    await stack.app.listen(0, '127.0.0.1');
    const { port } = stack.app.getHttpServer().address() as AddressInfo;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ extraHTTPHeaders: bearer(prescriber) });
      const res = await page.goto(`http://127.0.0.1:${port}/v1/plans/${plans[0].id}/schedule`);
      expect(res?.status()).toBe(200);
      const steps = (await stack.http().get(`/v1/plans/${plans[0].id}`).set(bearer(prescriber)))
        .body.steps as { startDate: string; dailyDoseMg: number }[];
      expect(await page.locator('#dose-chart path.dose-line').count()).toBe(1);
      const box = await page.locator('#dose-chart').boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      const segments = (await page.locator('#dose-chart path.dose-line').getAttribute('d'))!;
      expect(segments.match(/L/g)!.length).toBe(2 * steps.length - 1);
      // Baclofen 60 mg/day to stop: the first step is 15 mg three times a day.
      const firstDay = page.locator(`tr[data-date="${steps[0].startDate}"]`);
      await expect(firstDay.innerText()).resolves.toContain(
        '08:00 — Baclofen 15 mg: one 10 mg and one 5 mg tablet',
      );
      // One drug: titled by it, and its daily dose is its own mg (no equivalent shown).
      expect(await page.title()).toBe('Baclofen taper schedule');
      const body = await page.locator('body').innerText();
      expect(body).not.toContain('equivalent');
      // The patient by the ward's identifier and unit; no UUID of the patient or the plan.
      expect(await page.locator('.patient').innerText()).toBe(
        `Patient ${plans[0].externalId}, unit ward-7`,
      );
      // (The factory's externalIds embed a UUID of their own: everything else has none.)
      expect(body.replace(plans[0].externalId, 'MRN')).not.toMatch(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
      );
      const lastDay = steps[steps.length - 1];
      await expect(
        page.locator(`tr[data-date="${lastDay.startDate}"]`).innerText(),
      ).resolves.toContain('No doses');
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({ path: path.join(TEST_OUTPUT, 'plan-schedule.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
