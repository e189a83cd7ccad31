import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import {
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  zoneWhereItIs,
  launchChromium,
  proposePlan,
  startStack,
  TEST_OUTPUT,
  TestStack,
} from '@taperwatch/testing';
import { STATIC_PAGE_CSP } from '../apps/api/src/static-pages/static-pages';

const SCREENSHOTS = path.join(TEST_OUTPUT, 'screenshots');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** ISMP's error-prone forms: trailing zeros, naked decimals, qd/qod/tiw, U, cc, μg. */
const ERROR_PRONE = [/\d\.0\b/, /(^|[^\d])\.\d/, /\b(qd|qod|tiw|cc|U)\b/, /[μµ]g/];

/**
 * The plan review page in headless Chromium: a prescriber reviews a proposed lorazepam →
 * diazepam switch (both drugs by name, each in its own mg), asks for a slower revision, compares
 * it with the proposal, and approves it; axe-core finds no serious or critical violation.
 */
describe('the plan review page', () => {
  let stack: TestStack;
  let browser: Browser;
  let baseUrl: string;
  let prescriber: string;
  let nurse7: string;
  let nurse9: string;
  const externalId = 'MRN-204-7731';

  /** Lorazepam 1 mg three times a day, switched to diazepam 14 days a step. */
  const switchRequest = (patientId: string) =>
    baclofenRequest(patientId, {
      drugCode: 'lorazepam',
      currentDosesMg: [1, 1, 1],
      administrationTimes: ['08:00', '14:00', '22:00'],
      substituteWith: 'diazepam',
      strengthsMg: [0.5, 1],
      stepDays: 14,
      coMedications: ['oxycodone 5 mg at night'],
      reason: 'Long-term lorazepam; switching to diazepam to taper',
    });

  beforeAll(async () => {
    stack = await startStack();
    prescriber = await createKey(stack, 'prescriber');
    nurse7 = await createKey(stack, 'nurse', ['ward-7']);
    nurse9 = await createKey(stack, 'nurse', ['ward-9']);
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack.close();
  });

  const plan = async (id: string) =>
    (await stack.http().get(`/v1/plans/${id}`).set(bearer(prescriber)).expect(200)).body;
  const seriousViolations = async (page: Page) =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  /** Opens the page in a tab of its own and signs in there, as a prescriber or nurse would. */
  async function openReview(planId: string, key: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/board/plans/${planId}`);
    await page.locator('#key').fill(key);
    await page.keyboard.press('Enter');
    return { page, errors };
  }

  it('serves the page for a plan id under the strict CSP, with no inline code', async () => {
    const res = await stack
      .http()
      .get('/board/plans/4f7c1c1e-8a51-4c1a-9d53-7b0c2a6d1e90')
      .expect(200);
    expect(res.headers['content-security-policy']).toBe(STATIC_PAGE_CSP);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
    for (const file of ['plan.js', 'plan-chart.js', 'dose-text.js', 'dom.js', 'plan.css']) {
      await stack.http().get(`/board/${file}`).expect(200);
    }
    const bad = await stack.http().get('/board/plans/not-a-plan').expect(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('answers a request with its co-medications, and revises a proposal into a new proposal that supersedes it on approval', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await stack
      .http()
      .post('/v1/taper-requests')
      .set(bearer(prescriber))
      .send(baclofenRequest(patient.id, { coMedications: ['alcohol'] }))
      .expect(202);
    expect(res.body.coMedications).toEqual(['alcohol']);
    const first = await proposePlan(stack, prescriber, baclofenRequest(patient.id));
    const { body: request } = await stack
      .http()
      .get(`/v1/taper-requests/${(await plan(first)).requestId}`)
      .set(bearer(nurse7))
      .expect(200);
    expect(request.coMedications).toEqual([]);
    const revision = await stack
      .http()
      .post(`/v1/plans/${first}/revisions`)
      .set(bearer(prescriber))
      .send({ fromDate: (await plan(first)).startDate, stepDays: 28, reason: 'Slower' })
      .expect(202);
    expect(revision.body).toMatchObject({ status: 'proposed', parentPlanId: first, version: 2 });
    expect(revision.body.steps[0].endDate > (await plan(first)).steps[0].endDate).toBe(true);
    await stack
      .http()
      .post(`/v1/plans/${revision.body.id}/approve`)
      .set(bearer(prescriber))
      .expect(200);
    expect((await plan(first)).status).toBe('superseded');
    // A proposal revising the plan in force is not revised itself: the plan in force is.
    const hold = await stack
      .http()
      .post(`/v1/plans/${revision.body.id}/revisions`)
      .set(bearer(prescriber))
      .send({ fromDate: (await plan(first)).startDate, holdDays: 7, reason: 'Hold' })
      .expect(202);
    const refused = await stack
      .http()
      .post(`/v1/plans/${hold.body.id}/revisions`)
      .set(bearer(prescriber))
      .send({ fromDate: (await plan(first)).startDate, holdDays: 14, reason: 'Longer hold' })
      .expect(409);
    expect(refused.body.detail).toContain('send the revision for that plan instead');
  });

  it('lets a prescriber review a lorazepam → diazepam switch, ask for a slower revision, compare and approve', async () => {
    const patient = await createPatient(stack, prescriber, {
      externalId,
      birthDate: '1948-05-17',
      creatinineClearanceMlMin: 52,
    });
    const proposed = await proposePlan(stack, prescriber, switchRequest(patient.id));
    const { page, errors } = await openReview(proposed, prescriber);
    await page.locator('#review').waitFor();

    expect(await page.locator('#plan-title').innerText()).toBe(
      'Lorazepam → Diazepam switch, version 1',
    );
    expect(await page.locator('#who').innerText()).toBe(`${externalId} · ward-7`);
    const facts = await page.locator('#patient-facts').innerText();
    expect(facts).toMatch(/Age\s+\d+ years/);
    expect(facts).toContain('52 mL/min');
    expect(facts).toContain('oxycodone 5 mg at night');
    // Both drugs by name, each dose in its own drug's mg; totals labelled as equivalents.
    const steps = await page.locator('#steps').innerText();
    expect(steps).toMatch(/08:00\s+Lorazepam 1 mg \(one 1 mg tablet\)/);
    expect(steps).toMatch(/Diazepam \d+(\.\d+)? mg/);
    expect(steps).toContain('mg/day diazepam-equivalent in all');
    const chartTitles = await page.locator('#chart .panel-title').allTextContents();
    expect(chartTitles).toEqual([
      'Lorazepam: mg per day of lorazepam itself',
      'Diazepam: mg per day of diazepam itself',
      'All drugs as diazepam-equivalent, mg per day (a comparison, never an amount to give)',
    ]);
    expect(
      await page.locator('#warnings li, #warnings-empty:not([hidden])').count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('#rationale li').count()).toBeGreaterThan(0);
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(UUID);
    for (const pattern of ERROR_PRONE) expect(text).not.toMatch(pattern);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'plan-review');
    const firstVersion = await plan(proposed);

    // A slower revision, by keyboard: 28 days a step instead of 14.
    await page.locator('#revise').focus();
    await page.keyboard.press('Enter');
    await page.locator('#revise-step-days').fill('28');
    await page.locator('#revise-reason').fill('Slower: anxious about the switch');
    await page.locator('#revise-form button[type="submit"]').click();
    await page.locator('#compare:not([hidden])').waitFor();
    expect(await page.locator('#plan-title').innerText()).toBe(
      'Lorazepam → Diazepam switch, version 2',
    );
    expect(new URL(page.url()).pathname).not.toBe(`/board/plans/${proposed}`);
    const revisionId = new URL(page.url()).pathname.split('/')[3];
    const revision = await plan(revisionId);
    expect(revision).toMatchObject({ status: 'proposed', parentPlanId: proposed });
    expect(revision.endDate > firstVersion.endDate).toBe(true);
    const compare = await page.locator('#compare').innerText();
    expect(compare).toContain('Version 2 compared with version 1, which it revises');
    expect(compare).toContain(`Steps: ${firstVersion.steps.length} → ${revision.steps.length}`);
    expect(await page.locator('#compare .compare-column').count()).toBe(2);
    // Keyboard and screen reader users land on the comparison, and hear what happened.
    expect(await page.evaluate('document.activeElement.id')).toBe('compare-title');
    expect(await page.locator('#status').innerText()).toBe(
      'Version 2 proposed. Compare it with version 1 below, then approve it or ask again.',
    );
    expect(await page.locator('#chart path.line.previous').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'plan-review-compare');

    await page.locator('#approve').click();
    await page.locator('#confirm-ok').click();
    await page.locator('#plan-status .status-active').waitFor();
    expect(await page.locator('#status').innerText()).toBe('Version 2 approved: it is active.');
    expect(await page.evaluate('document.activeElement.id')).toBe('plan-title');
    expect((await plan(revisionId)).status).toBe('active');
    expect((await plan(proposed)).status).toBe('superseded');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows a plan in force with its recorded doses on the chart, and a nurse's key read-only", async () => {
    // Mid-morning on the patient's clock, so a step is in force now at any hour of the run.
    const { timezone, today } = zoneWhereItIs(10);
    const patient = await createPatient(stack, prescriber, {
      externalId: 'MRN-204-9902',
      timezone,
    });
    const planId = await proposePlan(stack, prescriber, {
      ...switchRequest(patient.id),
      startDate: today,
    });
    await stack.http().post(`/v1/plans/${planId}/approve`).set(bearer(prescriber)).expect(200);
    const doses = (
      await stack.http().get(`/v1/plans/${planId}/doses`).set(bearer(nurse7)).expect(200)
    ).body.items;
    await stack
      .http()
      .post(`/v1/doses/${doses[0].id}/administrations`)
      .set(bearer(nurse7))
      .send({ outcome: 'held', note: 'Drowsy' })
      .expect(201);
    // As the watcher leaves a dose nobody recorded in time.
    await stack.app
      .get(DataSource)
      .query(`UPDATE doses SET status = 'missed', missed_at = now() WHERE id = $1`, [doses[1].id]);

    const { page, errors } = await openReview(planId, nurse7);
    await page.locator('#review').waitFor();
    await page.locator('#recorded:not([hidden])').waitFor();
    const row = (status: string) => page.locator(`#recorded-doses tr[data-status="${status}"]`);
    // The first dose to come is lorazepam or diazepam, by the hour the test runs: each in its mg.
    const held = doses[0] as { dueAt: string; drugCode: string; doseMg: number };
    const name = held.drugCode.charAt(0).toUpperCase() + held.drugCode.slice(1);
    const clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    expect(await row('held').innerText()).toContain(
      `${clock.format(new Date(held.dueAt))}\t${name} ${held.doseMg} mg\tHeld`,
    );
    expect(await row('missed').innerText()).toContain('Missed (not recorded)');
    expect(await page.locator('#chart .mark.held').count()).toBe(1);
    expect(await page.locator('#chart .mark.missed').count()).toBe(1);
    expect(await page.locator('#recorded-summary').innerText()).toMatch(
      /^Held: 1; Missed \(not recorded\): 1\. Still to come or to record: \d+\.$/,
    );
    expect(await page.locator('#steps tr.now').count()).toBe(1);
    // The nurse may read the plan; changing it is the prescriber's, and the page says so.
    await page.locator('#cancel').click();
    await page.locator('#cancel-reason').fill('Not mine to stop');
    await page.locator('#cancel-form button[type="submit"]').click();
    await page.locator('#action-error:has-text("prescriber")').waitFor();
    expect((await plan(planId)).status).toBe('active');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'plan-review-in-force');
    expect(errors).toEqual([]);
    await page.context().close();

    // Another unit's nurse sees nothing of it.
    const other = await openReview(planId, nurse9);
    await other.page.locator('#loading:has-text("No plan at this address")').waitFor();
    expect(await other.page.locator('#review').isHidden()).toBe(true);
    await other.page.context().close();
  });
});
