import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { AlertEvents, AlertView, AlertsService, RaiseAlert } from '@taperwatch/alerts';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import {
  approvedPlan,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  zoneWhereItIs,
  eventually,
  launchChromium,
  missedDoseAlert,
  SeededPlan,
  seedWatchedPlan,
  startStack,
  TEST_OUTPUT,
  TestStack,
} from '@taperwatch/testing';
import { AlertStreams } from '../apps/api/src/alerts/alert-streams';
import { STATIC_PAGE_CSP as BOARD_CSP } from '../apps/api/src/static-pages/static-pages';

/** The ward board: a nurse's live view of her units' alerts, in a real headless Chromium. */
describe('the ward board', () => {
  let stack: TestStack;
  let browser: Browser;
  let baseUrl: string;
  let nurse7: string;
  let nurse9: string;
  let seeded: SeededPlan;
  let prescriber: string;

  beforeAll(async () => {
    stack = await startStack();
    prescriber = await createKey(stack, 'prescriber');
    nurse7 = await createKey(stack, 'nurse', ['ward-7']);
    nurse9 = await createKey(stack, 'nurse', ['ward-9']);
    // One dose due now (today, whatever the hour) and not yet recorded.
    seeded = await seedWatchedPlan(stack, prescriber, [{ inMs: 0 }]);
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack.close();
  });

  /** Raises an alert and returns it as the stream would carry it. */
  const raise = async (overrides: Partial<RaiseAlert> = {}) => {
    const alerts = stack.app.get(AlertsService);
    const { id } = await alerts.raise(missedDoseAlert(overrides));
    return alerts.view(stack.app.get(DataSource).manager, id);
  };
  const alertStatus = async (id: string) =>
    (await stack.http().get(`/v1/alerts/${id}`).set(bearer(nurse7)).expect(200)).body.status;
  /** Runs an expression in the page (the tests compile without the DOM library). */
  const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;
  const focusedAlertId = (page: Page) =>
    inPage<string | undefined>(
      page,
      `document.activeElement?.closest('[data-alert-id]')?.dataset.alertId`,
    );
  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(TEST_OUTPUT, `board-${name}.png`), fullPage: true });

  /** A tablet of its own (a separate browser context: its own sessionStorage), signed in. */
  async function signIn(key: string, timezoneId?: string): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      ...(timezoneId ? { timezoneId } : {}),
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${baseUrl}/board`);
    await page.locator('#key').fill(key);
    await page.keyboard.press('Enter');
    await page.locator('#connection[data-state="live"]').waitFor();
    expect(errors).toEqual([]);
    return page;
  }

  it('serves the page and its files without a key, under a strict CSP with no inline code', async () => {
    const page = await stack.http().get('/board').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // A tablet bookmark with a trailing slash finds the same page.
    expect((await stack.http().get('/board/').expect(200)).text).toBe(page.text);
    const csp = page.headers['content-security-policy'];
    expect(csp).toBe(BOARD_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // Every script is a file of its own; no inline script, style element or style attribute.
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
    for (const [file, type] of [
      ['board.js', /^text\/javascript/],
      ['api.js', /^text\/javascript/],
      ['board.css', /^text\/css/],
    ] as const) {
      const res = await stack.http().get(`/board/${file}`).expect(200);
      expect(res.headers['content-type']).toMatch(type);
      expect(res.headers['content-security-policy']).toBe(BOARD_CSP);
    }
    await stack.http().get('/board/missing.js').expect(404);
    await stack.http().get('/board/..%2Fpackage.json').expect(404);
  });

  it("serves a plan's chart (the printed schedule's SVG) to its unit's nurses only", async () => {
    await stack.http().get(`/v1/plans/${seeded.planId}/chart`).expect(401);
    await stack.http().get(`/v1/plans/${seeded.planId}/chart`).set(bearer(nurse9)).expect(404);
    const chart = await stack
      .http()
      .get(`/v1/plans/${seeded.planId}/chart`)
      .set(bearer(nurse7))
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(chart.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(chart.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" id="dose-chart"/);
    expect(chart.body).toContain('class="dose-line"');
    expect(chart.body).toContain('class="today"');
  });

  it('shows a new alert live, most severe first; she acknowledges it; another unit never sees it', async () => {
    const ward7 = await signIn(nurse7);
    const ward9 = await signIn(nurse9);
    await screenshot(ward7, 'signed-in');

    // The key stays in this tab's sessionStorage: not in localStorage, a cookie or the URL.
    expect(await inPage(ward7, 'Object.values(sessionStorage)')).toEqual([nurse7]);
    expect(await inPage(ward7, 'localStorage.length')).toBe(0);
    expect(await ward7.context().cookies()).toEqual([]);
    expect(ward7.url()).toBe(`${baseUrl}/board`);

    const critical = await raise({
      severity: 'critical',
      type: 'abrupt_cessation_risk',
      patientId: seeded.patientId,
      planId: seeded.planId,
      doseIds: seeded.doseIds,
      message: 'Baclofen doses missed: risk of abrupt cessation',
    });
    const warning = await raise(); // newer but less severe
    const card = ward7.locator(`#open-alerts [data-alert-id="${critical.id}"]`);
    await card.waitFor();
    await ward7.locator(`#open-alerts [data-alert-id="${warning.id}"]`).waitFor();
    const order = await ward7.locator('#open-alerts > li').all();
    expect(await Promise.all(order.map((c) => c.getAttribute('data-alert-id')))).toEqual([
      critical.id,
      warning.id,
    ]);
    await eventually(
      () => ward7.locator('#announcer').innerText(),
      (text) => text.includes('New warning alert'),
    );
    expect(await card.innerText()).toContain('Baclofen doses missed');
    // The patient by the ward's identifier (the stream's copy has none: the board asks for it).
    const { externalId } = (
      await stack.http().get(`/v1/patients/${seeded.patientId}`).set(bearer(nurse7)).expect(200)
    ).body as { externalId: string };
    await eventually(
      () => card.locator('.mrn').innerText(),
      (text) => text === externalId,
    );
    expect(await card.innerText()).not.toContain(seeded.patientId);
    expect(await card.locator('.level').innerText()).toBe('0');
    expect(await card.locator('.badge.escalated').count()).toBe(0);
    await screenshot(ward7, 'new-alert');

    // The escalation engine raises the level and says so on the stream: the card shows it, and
    // that notifications failed (the alert's `escalation`, when the server sends one).
    const ds = stack.app.get(DataSource);
    await ds.query(`UPDATE alerts SET level = 1 WHERE id = $1`, [critical.id]);
    await stack.app.get(AlertEvents).publish({
      type: 'alert.escalated',
      tenantId: DEFAULT_TENANT_ID,
      alert: {
        ...critical,
        level: 1,
        escalation: { status: 'active', step: 1, loop: 0, failedDeliveries: 2 },
      } as AlertView,
    });
    await card.locator('.badge.escalated').waitFor();
    expect(await card.locator('.level').innerText()).toBe('1');
    expect(await card.locator('.delivery-problem').innerText()).toContain(
      '2 notifications could not be delivered',
    );

    // Acknowledge from the keyboard: Tab reaches the button, Enter presses it.
    await card.getByRole('button', { name: 'Show patient' }).focus();
    await ward7.keyboard.press('Tab');
    expect(await inPage(ward7, 'document.activeElement.textContent')).toBe('Acknowledge');
    expect(await focusedAlertId(ward7)).toBe(critical.id);
    await ward7.keyboard.press('Enter');
    const acknowledged = ward7.locator(`#acknowledged-alerts [data-alert-id="${critical.id}"]`);
    await acknowledged.waitFor();
    expect(await acknowledged.innerText()).toMatch(/Acknowledged .* by nurse key/);
    expect(await acknowledged.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    expect(await alertStatus(critical.id)).toBe('acknowledged');
    // Focus stays on the alert the nurse was working on.
    expect(await focusedAlertId(ward7)).toBe(critical.id);
    await screenshot(ward7, 'acknowledged');

    // Resolve the other one with a note, by click, through the confirmation dialog.
    await ward7
      .locator(`[data-alert-id="${warning.id}"]`)
      .getByRole('button', { name: 'Resolve…' })
      .click();
    await ward7.locator('#confirm-note').fill('Dose found given, charted late');
    await ward7.locator('#confirm-ok').click();
    await ward7.locator(`[data-alert-id="${warning.id}"]`).waitFor({ state: 'detached' });
    expect(await alertStatus(warning.id)).toBe('resolved');

    // Ward 9's own alert reaches its board; being raised after ward 7's, ward 7's would have too.
    const other = await raise({ unitId: 'ward-9', message: 'Ward 9 dose missed' });
    await ward9.locator(`[data-alert-id="${other.id}"]`).waitFor();
    const ward9Text = await ward9.locator('body').innerText();
    expect(await ward9.locator(`[data-alert-id="${critical.id}"]`).count()).toBe(0);
    expect(await ward9.locator(`[data-alert-id="${warning.id}"]`).count()).toBe(0);
    expect(ward9Text).not.toContain(seeded.patientId);
    expect(ward9Text).not.toContain('Baclofen doses missed');
    expect(await ward7.locator(`[data-alert-id="${other.id}"]`).count()).toBe(0);
    await screenshot(ward9, 'other-unit');

    await ward9.context().close();
    await ward7.context().close();
  });

  it("records today's dose from the selected alert's patient panel", async () => {
    const alert = await raise({
      type: 'missed_dose',
      patientId: seeded.patientId,
      planId: seeded.planId,
      doseIds: seeded.doseIds,
    });
    const page = await signIn(nurse7);
    const card = page.locator(`[data-alert-id="${alert.id}"]`);
    await card.getByRole('button', { name: 'Show patient' }).click();
    await page.locator('#chart svg path.dose-line').waitFor();
    expect(await page.locator('#chart svg line.today').count()).toBe(1);
    expect(await page.locator('#plan-summary').innerText()).toContain('baclofen');
    // The plan's review page is one link away (its id in the path, never the patient's).
    expect(await page.getByRole('link', { name: 'Review the plan' }).getAttribute('href')).toBe(
      `/board/plans/${seeded.planId}`,
    );
    // Focus moves to the patient panel for keyboard and screen-reader users, once today's doses
    // have loaded too (after the summary and chart: reading it at once raced that request).
    await eventually(
      () => inPage<string>(page, 'document.activeElement.id'),
      (id) => id === 'patient',
    );

    const row = page.locator(`#doses tr[data-dose-id="${seeded.doseIds[0]}"]`);
    // The dose names the drug to give (the catalogue's name) with its own mg.
    expect(await row.locator('td').nth(1).innerText()).toBe('Baclofen 15 mg');
    await row.getByRole('button', { name: /^Given: Baclofen 15 mg due/ }).click();
    expect(await page.locator('#confirm').isVisible()).toBe(true);
    await page.locator('#confirm-note').fill('Given with lunch');
    await page.locator('#confirm-ok').click();
    await eventually(
      () => row.locator('.dose-status').innerText(),
      (text) => text.startsWith('Given'),
    );
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await page.locator('#status').innerText()).toBe('Dose recorded as given.');
    const doses = await stack
      .http()
      .get(`/v1/plans/${seeded.planId}/doses`)
      .set(bearer(nurse7))
      .expect(200);
    expect(doses.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: seeded.doseIds[0],
          drugCode: 'baclofen',
          status: 'given',
          note: 'Given with lunch',
          administeredAt: expect.any(String),
        }),
      ]),
    );
    await screenshot(page, 'patient');
    await page.context().close();
  });

  it("lists the patient's day, on the patient's clock, whatever the tablet's zone", async () => {
    // The seeded patient lives in UTC; the tablet sits where the calendar date differs now.
    const dateIn = (timeZone: string) =>
      new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
    const tabletZone = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find(
      (zone) => dateIn(zone) !== dateIn('UTC'),
    )!;
    const alert = await raise({
      type: 'missed_dose',
      patientId: seeded.patientId,
      planId: seeded.planId,
      doseIds: seeded.doseIds,
    });
    const page = await signIn(nurse7, tabletZone);
    await page
      .locator(`[data-alert-id="${alert.id}"]`)
      .getByRole('button', { name: 'Show patient' })
      .click();
    const row = page.locator(`#doses tr[data-dose-id="${seeded.doseIds[0]}"]`);
    await row.waitFor();
    expect(await page.locator('#plan-summary').innerText()).toContain(
      "Dates and times are the patient's (UTC).",
    );
    const dueAt = await row.locator('time').first().getAttribute('datetime');
    const clockIn = (zone: string) =>
      inPage<string>(
        page,
        `new Intl.DateTimeFormat('en-GB', { timeZone: '${zone}', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date('${dueAt}'))`,
      );
    expect(await clockIn('UTC')).not.toBe(await clockIn(tabletZone));
    // 24-hour, as every page writes times: no AM/PM to misread on a night shift.
    expect(await row.locator('time').first().innerText()).toMatch(/^\d\d:\d\d$/);
    expect(await row.locator('time').first().innerText()).toBe(await clockIn('UTC'));
    await page.context().close();
  });

  it("names each of today's doses by its drug in a lorazepam → diazepam switch", async () => {
    // Switch plan, lorazepam by day and diazepam at bedtime in its first step (NHS Scotland
    // crossover [S16a]); two doses due now, one of each drug, so today always lists both.
    // Mid-morning on the patient's clock, so today's step is in force at any hour of the run.
    const { timezone, today } = zoneWhereItIs(10);
    const patient = await createPatient(stack, prescriber, { timezone });
    const planId = await approvedPlan(
      stack,
      prescriber,
      baclofenRequest(patient.id, {
        startDate: today,
        drugCode: 'lorazepam',
        currentDosesMg: [1, 1, 1],
        administrationTimes: ['08:00', '14:00', '22:00'],
        substituteWith: 'diazepam',
        strengthsMg: [0.5, 1],
        stepDays: 14,
      }),
    );
    const rows: { id: string }[] = await stack.app.get(DataSource).query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                          dose_mg, equivalent_mg)
       SELECT gen_random_uuid(), p.tenant_id, p.id, p.patient_id, 1, date_trunc('second', now()),
              t.drug, t.mg, t.eq
       FROM plans p, (VALUES ('lorazepam', 1, 10, 1), ('diazepam', 10, 10, 2)) AS t(drug, mg, eq, n)
       WHERE p.id = $1 ORDER BY t.n RETURNING id`,
      [planId],
    );
    const alert = await raise({ patientId: patient.id, planId, doseIds: rows.map((r) => r.id) });
    const page = await signIn(nurse7);
    await page
      .locator(`[data-alert-id="${alert.id}"]`)
      .getByRole('button', { name: 'Show patient' })
      .click();
    const doseCell = (id: string) =>
      page.locator(`#doses tr[data-dose-id="${id}"]`).locator('td').nth(1);
    await doseCell(rows[0].id).waitFor();
    expect(await doseCell(rows[0].id).innerText()).toBe('Lorazepam 1 mg');
    expect(await doseCell(rows[1].id).innerText()).toBe('Diazepam 10 mg');
    const summary = await page.locator('#plan-summary').innerText();
    expect(summary).toContain('lorazepam → diazepam switch');
    // Totals of two drugs are equivalents, and say so; each drug of today's step has its own mg.
    expect(summary).toContain('30 to 0 mg/day (diazepam-equivalent)');
    expect(summary).toContain(
      'Lorazepam 2 mg/day and Diazepam 10 mg/day, 30 mg/day diazepam-equivalent in all.',
    );
    await screenshot(page, 'switch');
    await page.context().close();
  });

  it('shows a banner when the stream drops, reconnects by itself and catches up', async () => {
    const page = await signIn(nurse7);
    const resumedFrom: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/alerts/stream')) {
        resumedFrom.push(request.headers()['last-event-id']);
      }
    });
    const before = await raise({ message: 'Before the drop' });
    await page.locator(`#open-alerts [data-alert-id="${before.id}"]`).waitFor();
    const [created] = (await stack.app
      .get(DataSource)
      .query(
        `SELECT id::text AS id FROM alert_stream_events WHERE type = 'alert.created' AND alert->>'id' = $1`,
        [before.id],
      )) as { id: string }[];
    const banner = page.locator('#disconnected');
    expect(await banner.isVisible()).toBe(false);
    stack.app.get(AlertStreams).endAll();
    await banner.waitFor({ state: 'visible' });
    expect(await page.locator('#connection').innerText()).toBe('Disconnected');
    await screenshot(page, 'disconnected');
    await page.locator('#connection[data-state="live"]').waitFor();
    expect(await banner.isVisible()).toBe(false);
    // It came back asking for what followed the last event it had (at least the one above).
    expect(resumedFrom.length).toBeGreaterThan(0);
    for (const id of resumedFrom)
      expect(BigInt(id ?? 0)).toBeGreaterThanOrEqual(BigInt(created!.id));
    const alert = await raise({ severity: 'critical', message: 'After the reconnect' });
    await page.locator(`#open-alerts [data-alert-id="${alert.id}"]`).waitFor();
    await page.context().close();
  });
});
