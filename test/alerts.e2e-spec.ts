import { DataSource } from 'typeorm';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AlertsService } from '@taperwatch/alerts';
import {
  TestStack,
  bearer,
  createKey,
  createPatient,
  eventually,
  missedDoseAlert,
  openEventStream,
  startStack,
} from '@taperwatch/testing';

/** Alerts as docs/api.md says: list, get, acknowledge, resolve, dedup, unit scopes and the live stream. */
describe('alerts', () => {
  let stack: TestStack;
  let alerts: AlertsService;
  let nurse7: string;
  let nurse9: string;
  let baseUrl: string;

  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
    alerts = stack.app.get(AlertsService);
    nurse7 = await createKey(stack, 'nurse', ['ward-7']);
    nurse9 = await createKey(stack, 'nurse', ['ward-9']);
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => stack.close());

  /** An alert action by `key`, expecting `status`, with `body` when one is given. */
  const act = (
    id: string,
    action: 'acknowledge' | 'resolve',
    key: string,
    status: number,
    body?: object,
  ) => {
    const request = stack.http().post(`/v1/alerts/${id}/${action}`).set(bearer(key));
    return (body ? request.send(body) : request).expect(status);
  };

  it('keeps one live alert per plan and type, collecting dose ids, even when raised concurrently', async () => {
    const base = missedDoseAlert();
    const doseIds = Array.from({ length: 10 }, () => randomUUID());
    const results = await Promise.all(
      doseIds.map((id) => alerts.raise({ ...base, doseIds: [id] })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    // The alert's statement wrote its escalation, once, whichever raise won.
    const escalations = (await stack.app
      .get(DataSource)
      .query(`SELECT status FROM alert_escalations WHERE alert_id = $1`, [results[0]!.id])) as {
      status: string;
    }[];
    expect(escalations).toHaveLength(1);
    const list = await stack
      .http()
      .get(`/v1/alerts?patientId=${base.patientId}`)
      .set(bearer(nurse7))
      .expect(200);
    expect(list.body.items).toHaveLength(1);
    expect([...list.body.items[0].doseIds].sort()).toEqual([...doseIds].sort());
    expect(list.body.items[0]).toEqual(
      expect.objectContaining({ status: 'open', level: 0, severity: 'warning' }),
    );
  });

  it("takes the caller's reading of whether the alert is live as a hint, never as the truth", async () => {
    const base = missedDoseAlert();
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    // Read as live while none is: the alert is opened all the same.
    const opened = await alerts.raise({ ...base, doseIds: [first] }, { live: true });
    expect(opened.created).toBe(true);
    // Read as not live while it is (another worker opened it since): the doses are added to it.
    const stale = await alerts.raise({ ...base, doseIds: [second] }, { live: false });
    expect(stale).toEqual({ id: opened.id, created: false });
    await alerts.raise({ ...base, doseIds: [third] }, { live: true });
    const view = await alerts.view(stack.app.get(DataSource).manager, opened.id);
    expect([...view.doseIds].sort()).toEqual([first, second, third].sort());
    // Acknowledged, then a new miss read as not live: re-opened all the same, never folded in.
    await act(opened.id, 'acknowledge', nurse7, 200);
    const fourth = randomUUID();
    expect(await alerts.raise({ ...base, doseIds: [fourth] }, { live: false })).toEqual({
      id: opened.id,
      created: false,
      reopened: true,
    });
    expect((await alerts.view(stack.app.get(DataSource).manager, opened.id)).status).toBe('open');
  });

  it('acknowledges idempotently, resolves once, and opens a new alert after resolution', async () => {
    const raised = missedDoseAlert();
    const alert = await alerts.raise(raised);
    const ack = await act(alert.id, 'acknowledge', nurse7, 200);
    expect(ack.body).toEqual(
      expect.objectContaining({ status: 'acknowledged', acknowledgedAt: expect.any(String) }),
    );
    const again = await act(alert.id, 'acknowledge', nurse7, 200);
    expect(again.body.acknowledgedAt).toBe(ack.body.acknowledgedAt);
    await act(alert.id, 'resolve', nurse7, 200, { note: 'Dose given late' });
    await act(alert.id, 'resolve', nurse7, 409, {});
    await act(alert.id, 'acknowledge', nurse7, 409);
    const reopened = await alerts.raise(
      missedDoseAlert({ planId: raised.planId, patientId: raised.patientId }),
    );
    expect(reopened.created).toBe(true);
    expect(reopened.id).not.toBe(alert.id);
  });

  it("hides another unit's alerts: 404 on get and actions, absent from lists", async () => {
    const alert = await alerts.raise(missedDoseAlert());
    await stack.http().get(`/v1/alerts/${alert.id}`).set(bearer(nurse9)).expect(404);
    await act(alert.id, 'acknowledge', nurse9, 404);
    const list = await stack.http().get('/v1/alerts').set(bearer(nurse9)).expect(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).not.toContain(alert.id);
  });

  it('pages with a cursor and filters by type and status', async () => {
    const patientId = randomUUID();
    for (let i = 0; i < 5; i++) await alerts.raise(missedDoseAlert({ patientId }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await stack
        .http()
        .get(`/v1/alerts?patientId=${patientId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bearer(nurse7))
        .expect(200);
      seen.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
    const critical = await stack
      .http()
      .get(`/v1/alerts?patientId=${patientId}&type=abrupt_cessation_risk`)
      .set(bearer(nurse7));
    expect(critical.body.items).toEqual([]);
    await stack.http().get('/v1/alerts?status=sideways').set(bearer(nurse7)).expect(400);
  });

  it('lists each alert as GET /v1/alerts/:id shows it, whatever its state and filters', async () => {
    const prescriber = await createKey(stack, 'prescriber');
    const patient = await createPatient(stack, prescriber, { unitId: 'ward-7' });
    const raise = () => alerts.raise(missedDoseAlert({ patientId: patient.id }));
    const [open, acknowledged, resolved] = [await raise(), await raise(), await raise()];
    await act(acknowledged.id, 'acknowledge', nurse7, 200);
    await act(resolved.id, 'resolve', nurse7, 200, { note: 'Dose found recorded on paper' });
    const one = async (id: string) =>
      (await stack.http().get(`/v1/alerts/${id}`).set(bearer(nurse7)).expect(200)).body;
    const shown = await Promise.all([resolved.id, acknowledged.id, open.id].map(one));
    // What the single view shows that a list must too: the patient, who acknowledged, escalation.
    expect(shown.map((a) => a.patientExternalId)).toEqual(Array(3).fill(expect.any(String)));
    expect(shown[1].acknowledgedBy).toEqual(expect.objectContaining({ type: 'api_key' }));
    expect(shown[2].escalation).toEqual(expect.objectContaining({ step: 0, failedDeliveries: 0 }));
    const list = async (key: string, query: string) => {
      const page = await stack.http().get(`/v1/alerts?${query}`).set(bearer(key)).expect(200);
      return page.body.items;
    };
    const ofPatient = `patientId=${patient.id}`;
    // Newest first, for a unit-scoped key and for one that sees every unit.
    expect(await list(nurse7, ofPatient)).toEqual(shown);
    expect(await list(prescriber, ofPatient)).toEqual(shown);
    expect(await list(nurse9, ofPatient)).toEqual([]);
    expect(await list(nurse7, `${ofPatient}&unitId=ward-7&status=acknowledged`)).toEqual([
      shown[1],
    ]);
    expect(await list(nurse7, `${ofPatient}&type=missed_dose&status=open`)).toEqual([shown[2]]);
    // Page by page, the same alerts in the same order.
    const first = await stack
      .http()
      .get(`/v1/alerts?${ofPatient}&limit=2`)
      .set(bearer(nurse7))
      .expect(200);
    expect(first.body.items).toEqual(shown.slice(0, 2));
    const rest = await list(nurse7, `${ofPatient}&limit=2&cursor=${first.body.nextCursor}`);
    expect(rest).toEqual(shown.slice(2));
  });

  it("streams the caller's units' alert events over SSE, and nothing of other units", async () => {
    const ward7 = openEventStream(`${baseUrl}/v1/alerts/stream`, bearer(nurse7));
    const ward9 = openEventStream(`${baseUrl}/v1/alerts/stream`, bearer(nurse9));
    const anonymous = openEventStream(`${baseUrl}/v1/alerts/stream`, {});
    try {
      expect(await ward7.status).toBe(200);
      expect(await ward9.status).toBe(200);
      expect(await anonymous.status).toBe(401);
      await eventually(
        async () => ward7.comments.length + ward9.comments.length,
        (n) => n >= 2,
      );
      const alert = await alerts.raise(missedDoseAlert());
      await act(alert.id, 'acknowledge', nurse7, 200);
      await eventually(
        async () =>
          ward7.events
            .filter((e) => (e.data as { id: string }).id === alert.id)
            .map((e) => e.event),
        (types) => types.includes('alert.created') && types.includes('alert.acknowledged'),
      );
      const other = await alerts.raise(missedDoseAlert({ unitId: 'ward-9' }));
      await eventually(
        async () => ward9.events.map((e) => (e.data as { id: string }).id),
        (ids) => ids.includes(other.id),
      );
      expect(ward9.events.map((e) => (e.data as { id: string }).id)).not.toContain(alert.id);
      expect(ward7.events.map((e) => (e.data as { id: string }).id)).not.toContain(other.id);
    } finally {
      ward7.close();
      ward9.close();
      anonymous.close();
    }
  });
});
