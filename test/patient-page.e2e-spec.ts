import AxeBuilder from '@axe-core/playwright';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { ManualClock } from '@taperwatch/common';
import {
  approvedPlan,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  launchChromium,
  startStack,
  TEST_OUTPUT,
  TestStack,
} from '@taperwatch/testing';
import { STATIC_PAGE_CSP as PATIENT_PAGE_CSP } from '../apps/api/src/static-pages/static-pages';

const ZONE = 'America/New_York';
/** A phone's viewport (iPhone 12-15 class). */
const PHONE = { width: 390, height: 844 };

/**
 * The patient's own page on a phone, in headless Chromium: today's doses in the patient's zone
 * (not the phone's), each reported taken or skipped after a confirmation, read out through a
 * live region; axe-core finds no serious or critical violation.
 */
describe('the patient page', () => {
  // 12:00 in New York (EDT, UTC-4) on Saturday 20 March 2027; 01:00 on the 21st in Tokyo.
  const clock = new ManualClock(new Date('2027-03-20T16:00:00Z'));
  let stack: TestStack;
  let browser: Browser;
  let baseUrl: string;
  let prescriber: string;
  let planId: string;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({ clock });
    prescriber = await createKey(stack, 'prescriber');
    const patient = await createPatient(stack, prescriber, {
      timezone: ZONE,
      monitoring: 'outpatient',
    } as never);
    planId = await approvedPlan(
      stack,
      prescriber,
      baclofenRequest(patient.id, { startDate: '2027-03-20' }),
    );
    token = (
      await stack
        .http()
        .post(`/v1/patients/${patient.id}/links`)
        .set(bearer(prescriber))
        .send({})
        .expect(201)
    ).body.token;
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack.close();
  });

  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(TEST_OUTPUT, `patient-${name}.png`), fullPage: true });

  /** A phone in Tokyo: the page must show New York's day and times, not the phone's. */
  async function openPage(fragment: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      timezoneId: 'Asia/Tokyo',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/patient${fragment}`);
    return { page, errors };
  }

  const seriousViolations = async (page: Page) =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

  it('serves the page without a key, under the strict CSP, with no inline code', async () => {
    const page = await stack.http().get('/patient').expect(200);
    expect(page.headers['content-security-policy']).toBe(PATIENT_PAGE_CSP);
    expect(PATIENT_PAGE_CSP).toContain("script-src 'self'");
    expect(PATIENT_PAGE_CSP).not.toContain('unsafe');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
    await stack
      .http()
      .get('/patient/patient.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await stack.http().get('/patient/..%2Fpackage.json').expect(404);
  });

  it("shows today's doses in the patient's zone and records one taken, after a confirmation", async () => {
    const { page, errors } = await openPage(`#${token}`);
    await page.locator('#doses li').first().waitFor();
    // The token left the address bar (and so the history) at once.
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('#today').textContent()).toBe('Saturday 20 March');
    // Approved at 12:00 New York time: 14:00 and 20:00 today (20:00 is already the 21st in UTC).
    const times = await page.locator('#doses li .time').allTextContents();
    expect(times).toEqual(['14:00', '20:00']);
    const first = page.locator('#doses li').first();
    expect(await first.locator('.what').textContent()).toBe('Baclofen 15 mg');
    expect(await first.locator('.tablets').textContent()).toMatch(/^Take .*tablet/);
    // Touch targets at least 44 px (WCAG 2.5.5's size; the page uses 48).
    for (const box of await page
      .locator('#doses button')
      .evaluateAll((buttons) => buttons.map((b) => b.getBoundingClientRect().height))) {
      expect(box).toBeGreaterThanOrEqual(44);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'today');

    clock.set(new Date('2027-03-20T18:03:00Z')); // 14:03 in New York
    await first.getByRole('button', { name: /^I took it: Baclofen 15 mg at 14:00$/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Did you take this dose?' });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'confirm');
    await dialog.getByRole('button', { name: 'Yes, I took it' }).click();
    await page
      .locator('#status', { hasText: 'Recorded: Baclofen 15 mg at 14:00 taken.' })
      .waitFor();
    expect(await page.locator('#status').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('#doses li').first().locator('.state').textContent()).toBe('Taken');
    await screenshot(page, 'recorded');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);

    // The API has it: the patient's report, on time, through the one recording path.
    const doses = (
      await stack
        .http()
        .get(`/v1/plans/${planId}/doses?limit=200`)
        .set(bearer(prescriber))
        .expect(200)
    ).body.items as { dueAt: string; status: string; reportedVia?: string; timeliness?: string }[];
    expect(doses.find((d) => d.dueAt === '2027-03-20T18:00:00.000Z')).toMatchObject({
      status: 'given',
      reportedVia: 'patient',
      timeliness: 'on_time',
    });
  });

  it('going back from the confirmation records nothing', async () => {
    const { page } = await openPage(`#${token}`);
    const evening = page.locator('#doses li').nth(1);
    await evening.getByRole('button', { name: /I skipped/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Go back' }).click();
    expect(await evening.getByRole('button', { name: /I skipped/ }).isVisible()).toBe(true);
    const res = await stack
      .http()
      .get('/v1/patient-link/schedule?days=1')
      .set(bearer(token))
      .expect(200);
    expect(res.body.doses[1]).toMatchObject({ localTime: '20:00', status: 'scheduled' });
  });

  it('says plainly when the link does not work', async () => {
    const { page } = await openPage('#twp_not-a-real-link');
    const problem = page.getByRole('alert');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/no longer works/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'invalid-link');
  });
});
