import AxeBuilder from '@axe-core/playwright';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { WorklistDoseView } from '@taperwatch/doses';
import {
  bearer,
  createKey,
  eventually,
  HOUR,
  launchChromium,
  SeededPlan,
  seedWatchedPlan,
  startStack,
  TEST_OUTPUT,
  TestStack,
} from '@taperwatch/testing';

const MINUTE = 60_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** An item as the API answers it. */
type WorklistItem = WorklistDoseView;

/**
 * The ward worklist on /board: the doses of a nurse's units still to give, by patient, named by
 * the ward's identifier; given and refused in one tap each, a refusal raising a missed-dose alert
 * on top of the board; another unit sees none of it; axe-core finds nothing serious.
 */
describe('the ward worklist', () => {
  let stack: TestStack;
  let browser: Browser;
  let baseUrl: string;
  let nurse7: string;
  let nurse9: string;
  /** MRN-0042 (ward 7): due 10 min ago, in 10 min, and in 2 h. */
  let bed4: SeededPlan;
  /** MRN-0117 (ward 7): overdue by 3 h, due in 3 h, in 6 h, 30 h ago, and one given an hour ago. */
  let bed9: SeededPlan;
  /** MRN-0903 (ward 9): due now. */
  let otherWard: SeededPlan;

  beforeAll(async () => {
    stack = await startStack();
    const prescriber = await createKey(stack, 'prescriber');
    nurse7 = await createKey(stack, 'nurse', ['ward-7']);
    nurse9 = await createKey(stack, 'nurse', ['ward-9']);
    bed4 = await seedWatchedPlan(stack, prescriber, [
      { inMs: -10 * MINUTE },
      { inMs: 10 * MINUTE },
      { inMs: 2 * HOUR },
    ]);
    bed9 = await seedWatchedPlan(stack, prescriber, [
      { inMs: -3 * HOUR },
      { inMs: 3 * HOUR },
      { inMs: 6 * HOUR },
      { inMs: -30 * HOUR },
      { inMs: -HOUR, status: 'given' },
    ]);
    otherWard = await seedWatchedPlan(stack, prescriber, [{ inMs: 0 }], 'ward-9');
    const ds = stack.app.get(DataSource);
    for (const [seeded, mrn] of [
      [bed4, 'MRN-0042'],
      [bed9, 'MRN-0117'],
      [otherWard, 'MRN-0903'],
    ] as const) {
      await ds.query('UPDATE patients SET external_id = $2 WHERE id = $1', [seeded.patientId, mrn]);
    }
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack.close();
  });

  const worklist = async (key: string, query = '') =>
    (await stack.http().get(`/v1/worklist${query}`).set(bearer(key)).expect(200)).body as {
      items: WorklistItem[];
      nextCursor: string | null;
    };

  describe('GET /v1/worklist', () => {
    it("lists the unit's unrecorded doses, overdue and due in the next 4 hours, by the ward's identifier", async () => {
      const { items, nextCursor } = await worklist(nurse7);
      expect(nextCursor).toBeNull();
      // In due order; not the dose given, the one in 6 h (beyond 4) or 30 h ago (beyond 24).
      expect(items.map((i) => i.id)).toEqual([
        bed9.doseIds[0],
        bed4.doseIds[0],
        bed4.doseIds[1],
        bed4.doseIds[2],
        bed9.doseIds[1],
      ]);
      const [overdue, justDue, dueSoon, later] = items;
      expect(justDue).toEqual({
        id: bed4.doseIds[0],
        planId: bed4.planId,
        patient: { id: bed4.patientId, externalId: 'MRN-0042', unitId: 'ward-7', timezone: 'UTC' },
        dueAt: expect.any(String),
        drugCode: 'baclofen',
        drugName: 'Baclofen',
        doseMg: 15,
        tablets: 'one 10 mg and one 5 mg tablet',
        units: [
          { count: 1, strengthMg: 10, form: 'tablet' },
          { count: 1, strengthMg: 5, form: 'tablet' },
        ],
        status: 'scheduled',
        // Three doses a day: ISMP's +/-1 h.
        window: {
          state: 'due',
          opensAt: new Date(Date.parse(justDue!.dueAt) - HOUR).toISOString(),
          closesAt: new Date(Date.parse(justDue!.dueAt) + HOUR).toISOString(),
        },
      });
      expect(dueSoon!.window.state).toBe('due');
      expect(later!.window.state).toBe('upcoming');
      // Overdue by 3 h: late, whether or not the watcher has marked it missed yet.
      expect(overdue!.window.state).toBe('late');
      expect(['scheduled', 'missed']).toContain(overdue!.status);
      expect(overdue!.patient.externalId).toBe('MRN-0117');

      // Wider on request; pages follow each other without a gap or a repeat.
      const wider = await worklist(nurse7, '?aheadHours=8&overdueHours=36');
      expect(wider.items.map((i) => i.id)).toEqual([
        bed9.doseIds[3],
        ...items.map((i) => i.id),
        bed9.doseIds[2],
      ]);
      const first = await worklist(nurse7, '?limit=2');
      const second = await worklist(
        nurse7,
        `?limit=10&cursor=${encodeURIComponent(first.nextCursor!)}`,
      );
      expect([...first.items, ...second.items].map((i) => i.id)).toEqual(items.map((i) => i.id));
    });

    it("shows a nurse her units only: another unit's, asked for by name, is an empty list", async () => {
      expect((await worklist(nurse9)).items.map((i) => i.id)).toEqual(otherWard.doseIds);
      expect((await worklist(nurse9, '?unitId=ward-7')).items).toEqual([]);
      expect((await worklist(nurse7, '?unitId=ward-9')).items).toEqual([]);
      expect((await worklist(nurse7, '?unitId=ward-7')).items).toHaveLength(5);
      await stack.http().get('/v1/worklist').expect(401);
    });

    it('refuses bad parameters with a problem naming each field', async () => {
      const res = await stack
        .http()
        .get('/v1/worklist?aheadHours=0&overdueHours=many&limit=0&cursor=nope')
        .set(bearer(nurse7))
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(expect.arrayContaining(['aheadHours', 'limit', 'overdueHours']));
      const cursor = await stack
        .http()
        .get('/v1/worklist?cursor=nope')
        .set(bearer(nurse7))
        .expect(400);
      expect(cursor.body.errors).toEqual([{ field: 'cursor', message: 'is not a valid cursor' }]);
    });
  });

  /** A tablet of its own (a separate browser context: its own sessionStorage), signed in. */
  async function signIn(key: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
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
    return { page, errors };
  }

  const seriousViolations = async (page: Page) =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

  const doseItem = (page: Page, id: string) => page.locator(`#worklist [data-dose-id="${id}"]`);

  it('records a dose given and one refused in one tap each; the refusal is a missed-dose alert on top', async () => {
    const { page, errors } = await signIn(nurse7);
    const justDue = doseItem(page, bed4.doseIds[0]);
    await justDue.waitFor();

    // Grouped by patient, most pressing first, each named by the ward's identifier and unit.
    const groups = page.locator('#worklist .wl-patient h3');
    expect(await groups.allTextContents()).toEqual([
      'MRN-0117 Unit ward-7',
      'MRN-0042 Unit ward-7',
    ]);
    expect(await justDue.locator('.wl-drug').innerText()).toBe('Baclofen 15 mg');
    expect(await justDue.locator('.wl-tablets').innerText()).toBe('one 10 mg and one 5 mg tablet');
    expect(await justDue.locator('.window-badge').innerText()).toBe('Due now');
    expect(await justDue.locator('.wl-window').innerText()).toMatch(/^on time until \d\d:\d\d$/);
    expect(await doseItem(page, bed4.doseIds[2]).locator('.window-badge').innerText()).toBe(
      'Upcoming',
    );
    expect(['Late', 'Missed']).toContain(
      await doseItem(page, bed9.doseIds[0]).locator('.window-badge').innerText(),
    );
    // Nothing shown is a UUID, nor is any in the address bar.
    expect(await page.locator('#worklist').innerText()).not.toMatch(UUID);
    expect(page.url()).toBe(`${baseUrl}/board`);
    expect(await seriousViolations(page)).toEqual([]);

    // Given, from the keyboard: one key press, no dialog.
    await justDue.getByRole('button', { name: /^Given: Baclofen 15 mg, MRN-0042, due/ }).focus();
    await page.keyboard.press('Enter');
    await justDue.waitFor({ state: 'detached' });
    expect(await page.locator('#confirm').isVisible()).toBe(false);
    expect(await page.locator('#status').innerText()).toBe(
      'Recorded given: Baclofen 15 mg for MRN-0042.',
    );

    // Refused, by a tap: no dialog either.
    const dueSoon = doseItem(page, bed4.doseIds[1]);
    await dueSoon.getByRole('button', { name: /^Refused:/ }).click();
    await dueSoon.waitFor({ state: 'detached' });
    expect(await page.locator('#confirm').isVisible()).toBe(false);

    const doses = (
      await stack.http().get(`/v1/plans/${bed4.planId}/doses`).set(bearer(nurse7)).expect(200)
    ).body.items as { id: string; status: string; timeliness?: string }[];
    expect(doses.find((d) => d.id === bed4.doseIds[0])).toMatchObject({
      status: 'given',
      timeliness: 'on_time',
    });
    expect(doses.find((d) => d.id === bed4.doseIds[1])).toMatchObject({ status: 'refused' });

    // The watcher judges the refusal as it is recorded: a missed-dose alert reaches the board
    // live, above the worklist, naming the patient as the ward does.
    const alerts = await eventually(
      async () =>
        (
          await stack
            .http()
            .get(`/v1/alerts?patientId=${bed4.patientId}&type=missed_dose&status=open`)
            .set(bearer(nurse7))
        ).body.items as { id: string; doseIds: string[]; patientExternalId: string }[],
      (items) => items.some((a) => a.doseIds.includes(bed4.doseIds[1])),
    );
    const alert = alerts.find((a) => a.doseIds.includes(bed4.doseIds[1]))!;
    expect(alert.patientExternalId).toBe('MRN-0042');
    const card = page.locator(`#open-alerts [data-alert-id="${alert.id}"]`);
    await card.waitFor();
    expect(await card.locator('h4').innerText()).toContain('Missed dose');
    await eventually(
      () => card.locator('.mrn').innerText(),
      (text) => text === 'MRN-0042',
    );
    const top = async (selector: string) => (await page.locator(selector).boundingBox())!.y;
    expect(await top('#open-alerts')).toBeLessThan(await top('#worklist'));
    expect(await page.locator('#board').innerText()).not.toMatch(UUID);
    // Stream events and webhooks carry ids, never the patient's identifier.
    const logged = (await stack.app
      .get(DataSource)
      .query(`SELECT alert FROM alert_stream_events WHERE alert->>'id' = $1`, [alert.id])) as {
      alert: object;
    }[];
    expect(logged.length).toBeGreaterThan(0);
    for (const row of logged) expect(JSON.stringify(row.alert)).not.toContain('MRN-0042');

    await page.screenshot({
      path: path.join(TEST_OUTPUT, 'screenshots', 'worklist.png'),
      fullPage: true,
    });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('asks why for held, and when for a late dose given; the dialog passes axe too', async () => {
    const { page, errors } = await signIn(nurse7);
    const upcoming = doseItem(page, bed4.doseIds[2]);
    await upcoming.waitFor();
    await upcoming.getByRole('button', { name: /^Held:/ }).click();
    await page.locator('#confirm').waitFor();
    expect(await page.locator('#confirm-note-label').innerText()).toBe('Reason (required)');
    expect(await page.locator('#confirm-note').getAttribute('required')).not.toBeNull();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.locator('#confirm').waitFor({ state: 'hidden' });
    expect(await upcoming.count()).toBe(1);

    const overdue = doseItem(page, bed9.doseIds[0]);
    await overdue.getByRole('button', { name: /^Given:/ }).click();
    await page.locator('#confirm-time').waitFor();
    expect(await page.locator('#confirm-time-label').innerText()).toBe(
      "Time given (patient's clock)",
    );
    // Given two hours ago, charted now: the time is the nurse's, not the tap's.
    const givenAt = new Date(Date.now() - 2 * HOUR);
    const hhmm = givenAt.toISOString().slice(11, 16); // the patient's zone is UTC
    await page.locator('#confirm-time').fill(hhmm);
    await page.locator('#confirm-note').fill('Given on the night round, charted late');
    await page.locator('#confirm-ok').click();
    await overdue.waitFor({ state: 'detached' });
    const doses = (
      await stack.http().get(`/v1/plans/${bed9.planId}/doses`).set(bearer(nurse7)).expect(200)
    ).body.items as { id: string; status: string; administeredAt?: string; note?: string }[];
    const recorded = doses.find((d) => d.id === bed9.doseIds[0])!;
    expect(recorded).toMatchObject({
      status: 'given',
      note: 'Given on the night round, charted late',
    });
    expect(recorded.administeredAt!.slice(11, 16)).toBe(hhmm);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows another unit's nurse none of it", async () => {
    const { page, errors } = await signIn(nurse9);
    await doseItem(page, otherWard.doseIds[0]).waitFor();
    const text = await page.locator('#board').innerText();
    expect(text).toContain('MRN-0903');
    for (const hidden of ['MRN-0042', 'MRN-0117', 'Missed dose'])
      expect(text).not.toContain(hidden);
    expect(await page.locator('#worklist [data-dose-id]').count()).toBe(1);
    // Every amount the board writes goes through one formatter, as ISMP asks: a leading zero, no
    // trailing zero, thousands separated, "mg" spelled.
    expect(
      await page.evaluate(
        "import('/board/dose-text.js').then((m) => [0.5, 1.0, 2.25, 1000, 0.125].map(m.mg))",
      ),
    ).toEqual(['0.5 mg', '1 mg', '2.25 mg', '1,000 mg', '0.125 mg']);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
