// The ward board: the open and acknowledged alerts of the nurse's units, live over SSE, on top;
// the worklist of doses to give (worklist.js); and the selected alert's plan chart and today's
// doses. Everything shown comes from the API as the nurse's key sees it; text goes in through
// textContent only, never as HTML. Patients are named by the ward's identifier, never a UUID.
import { ApiError, api, listAll, readAlertStream, session } from './api.js';
import { announce, confirmAction, problemText, say } from './board-ui.js';
import { TABLET_ZONE, patientClock } from './clock.js';
import { $, el } from './dom.js';
import { amount, doseText as amountText } from './dose-text.js';
import { actorName, askToSignIn, mountSignIn } from './sign-in.js';
import { loadWorklist, startWorklist, stopWorklist } from './worklist.js';

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };
const STATUS_ORDER = { open: 0, acknowledged: 1, resolved: 2 };
const TYPE_LABELS = {
  missed_dose: 'Missed dose',
  abrupt_cessation_risk: 'Abrupt cessation risk',
  withdrawal_symptoms: 'Withdrawal symptoms',
  no_contact: 'No report from the patient',
  supply_low: 'Supply running out',
};
const OUTCOMES = [
  ['given', 'Given'],
  ['held', 'Held'],
  ['refused', 'Refused'],
  ['not_given', 'Not given'],
];
const DOSE_LABELS = {
  scheduled: 'Due',
  missed: 'Missed, not recorded',
  given: 'Given',
  held: 'Held',
  refused: 'Refused',
  not_given: 'Not given',
  cancelled: 'Cancelled',
};

/** id → Alert, open and acknowledged only. */
const alerts = new Map();
/** Ids resolved while this page watched: a list fetched earlier must not bring them back. */
const resolved = new Set();
/** drug code → name, from the catalogue (loaded once; the code stands in until then). */
const drugNames = new Map();
/** patientId → the ward's identifier (externalId), from the API's answers. */
const patientLabels = new Map();
/** Patients whose identifier is being fetched (an alert that came by the stream, which has none). */
const labelsLoading = new Set();
/** The alert whose patient is shown. */
let selected = null;
/** Aborts the live stream (sign-out, or a newer connection). */
let streamControl = null;
/** The id of the last stream event seen, sent back on reconnect to get what was missed. */
let lastEventId;

// ---------------------------------------------------------------------------------------------
// Small helpers

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** The selected patient's clock (the tablet's until their record has loaded). */
let clock = patientClock(TABLET_ZONE);

/** A <time> for an ISO instant: the time alone when it is today, else date and time. */
function timeOf(iso) {
  const at = new Date(iso);
  const today = at.toDateString() === new Date().toDateString();
  return el('time', {
    dateTime: iso,
    textContent: (today ? timeFormat : dateTimeFormat).format(at),
  });
}

/** A <time> on the selected patient's clock (a dose of their day: the time alone). */
function patientTime(iso) {
  return el('time', { dateTime: iso, textContent: clock.time.format(new Date(iso)) });
}

// ---------------------------------------------------------------------------------------------
// Alerts: state and list rendering

/**
 * Takes an alert from a list, an action's answer or the stream. Alerts only move forward
 * (open → acknowledged → resolved, level up), so whichever copy arrives last, the newest wins.
 */
function merge(alert) {
  if (alert.patientExternalId) patientLabels.set(alert.patientId, alert.patientExternalId);
  if (resolved.has(alert.id)) return;
  const known = alerts.get(alert.id);
  if (known) {
    const step = STATUS_ORDER[alert.status] - STATUS_ORDER[known.status];
    if (step < 0 || (step === 0 && alert.level < known.level)) return;
  }
  if (alert.status === 'resolved') {
    resolved.add(alert.id);
    alerts.delete(alert.id);
  } else {
    alerts.set(alert.id, alert);
  }
}

/**
 * The alert's patient as the ward names them. Stream events carry no patient identifier, so an
 * alert first seen there is named once GET /v1/patients/:id answers (then the lists redraw).
 */
function patientLabel(alert) {
  const known = patientLabels.get(alert.patientId);
  if (known || labelsLoading.has(alert.patientId)) return known ?? null;
  labelsLoading.add(alert.patientId);
  api(`/v1/patients/${alert.patientId}`)
    .then((patient) => {
      patientLabels.set(alert.patientId, patient.externalId);
      renderAlerts();
    })
    .catch(() => undefined)
    .finally(() => labelsLoading.delete(alert.patientId));
  return null;
}

/** "ward-7, MRN-0042" for announcements (the unit alone until the identifier is known). */
const where = (alert) =>
  [alert.unitId, patientLabels.get(alert.patientId)].filter(Boolean).join(', ');

/** Most severe first, then newest. */
function byUrgency(a, b) {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    b.createdAt.localeCompare(a.createdAt)
  );
}

/**
 * What the board must say when nobody may have been told: the alert's `escalation` (when the
 * server sends it) is `undeliverable` (no policy reaches anyone), `exhausted` (every round went
 * unacknowledged) or counts failed deliveries.
 */
function deliveryProblem(alert) {
  const escalation = alert.escalation;
  if (!escalation) return null;
  const problems = [];
  if (escalation.status === 'undeliverable') {
    problems.push('Nobody can be notified: no escalation policy covers this unit.');
  }
  if (escalation.status === 'exhausted' && alert.status === 'open') {
    problems.push('Escalation has run out without an acknowledgement.');
  }
  if (escalation.failedDeliveries > 0) {
    const n = escalation.failedDeliveries;
    problems.push(`${n} notification${n === 1 ? '' : 's'} could not be delivered.`);
  }
  return problems.length
    ? el('p', { className: 'delivery-problem', textContent: problems.join(' ') })
    : null;
}

/** One alert: its buttons are described by its heading, so "Acknowledge" says which alert. */
function alertCard(alert) {
  const heading = `alert-${alert.id}`;
  const escalated = alert.level > 0;
  const state =
    alert.status === 'acknowledged'
      ? el(
          'p',
          { className: 'state' },
          'Acknowledged ',
          timeOf(alert.acknowledgedAt),
          actorName(alert.acknowledgedBy) ? ` by ${actorName(alert.acknowledgedBy)}` : null,
        )
      : null;
  const card = el(
    'li',
    { className: `alert severity-${alert.severity}`, data: { alertId: alert.id } },
    el(
      'h4',
      { id: heading },
      el('span', { className: `badge ${alert.severity}`, textContent: alert.severity }),
      ' ',
      TYPE_LABELS[alert.type] ?? alert.type,
      escalated ? ' ' : null,
      escalated ? el('span', { className: 'badge escalated', textContent: 'Escalated' }) : null,
    ),
    el('p', { className: 'message', textContent: alert.message }),
    el(
      'dl',
      { className: 'facts' },
      el('dt', { textContent: 'Unit' }),
      el('dd', { textContent: alert.unitId }),
      el('dt', { textContent: 'Patient' }),
      el('dd', { className: 'mrn', textContent: patientLabel(alert) ?? 'Loading…' }),
      el('dt', { textContent: 'Raised' }),
      el('dd', {}, timeOf(alert.createdAt)),
      el('dt', { textContent: 'Level' }),
      el('dd', { className: 'level', textContent: String(alert.level) }),
    ),
    deliveryProblem(alert),
    state,
    el(
      'div',
      { className: 'actions' },
      el('button', {
        type: 'button',
        className: 'secondary',
        textContent: 'Show patient',
        data: { action: 'show' },
        ariaPressed: String(selected === alert.id),
      }),
      alert.status === 'open'
        ? el('button', { type: 'button', textContent: 'Acknowledge', data: { action: 'ack' } })
        : null,
      el('button', {
        type: 'button',
        className: 'secondary',
        textContent: 'Resolve…',
        data: { action: 'resolve' },
      }),
    ),
  );
  for (const button of card.querySelectorAll('button')) {
    button.setAttribute('aria-describedby', heading);
  }
  return card;
}

/**
 * Redraws both lists. Cards are rebuilt, so the focused button is found again by its alert and
 * action afterwards (or the card's first button when that action is gone, e.g. Acknowledge).
 */
function renderAlerts() {
  const focused = document.activeElement?.closest?.('[data-alert-id]');
  const focusedAction = document.activeElement?.dataset?.action;
  for (const status of ['open', 'acknowledged']) {
    const items = [...alerts.values()].filter((a) => a.status === status).sort(byUrgency);
    $(`${status}-alerts`).replaceChildren(...items.map(alertCard));
    $(`${status}-empty`).hidden = items.length > 0;
  }
  const open = [...alerts.values()].filter((a) => a.status === 'open').length;
  $('open-title').textContent = `Open (${open})`;
  document.title = `${open ? `(${open}) ` : ''}Ward board · taperwatch`;
  if (focused) {
    const card = document.querySelector(`[data-alert-id="${focused.dataset.alertId}"]`);
    const button =
      card?.querySelector(`[data-action="${focusedAction}"]`) ?? card?.querySelector('button');
    (button ?? $('alerts-title')).focus();
  }
}

async function loadAlerts() {
  const lists = await Promise.all([
    listAll('/v1/alerts?status=open'),
    listAll('/v1/alerts?status=acknowledged'),
  ]);
  lists.flat().forEach(merge);
  renderAlerts();
}

/**
 * An event from the stream: any alert.* event carries the alert as it now stands; stream.reset
 * says the server could not send everything missed, so the lists are read again.
 */
function onStreamEvent(type, alert, id) {
  if (id) lastEventId = id;
  // Alerts follow doses (a refusal, a miss): the doses to give may have changed too.
  loadWorklist().catch(() => undefined);
  if (type === 'stream.reset') {
    loadAlerts().catch((error) => say(`Could not refresh alerts: ${problemText(error)}`));
    return;
  }
  const isNew = !alerts.has(alert.id) && !resolved.has(alert.id);
  if (type === 'alert.transferred') {
    // The patient moved: the lists say whether the alert is still this key's to see.
    alerts.delete(alert.id);
    loadAlerts().catch(() => undefined);
    if (isNew) announce(`Alert moved to ${where(alert)}: ${alert.message}`);
    return;
  }
  // A new miss re-opens an acknowledged alert: the one status change that goes back.
  if (type === 'alert.reopened') alerts.delete(alert.id);
  merge(alert);
  renderAlerts();
  if (type === 'alert.reopened') {
    announce(`Alert re-opened by a new miss, ${where(alert)}: ${alert.message}`);
  } else if (type === 'alert.created' && isNew) {
    announce(`New ${alert.severity} alert, ${where(alert)}: ${alert.message}`);
  } else if (type === 'alert.escalated') {
    announce(`Alert escalated to level ${alert.level}, ${where(alert)}: ${alert.message}`);
  } else if (type === 'alert.delivery_failed') {
    announce(`A notification could not be delivered, ${where(alert)}: ${alert.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The live stream, reconnecting with backoff; a banner says when it is down.

function setLive(state) {
  const connection = $('connection');
  connection.dataset.state = state;
  connection.textContent = {
    off: 'Not signed in',
    live: 'Live',
    connecting: 'Connecting…',
    down: 'Disconnected',
  }[state];
  $('disconnected').hidden = state !== 'down';
}

async function watchAlerts() {
  streamControl?.abort();
  const control = new AbortController();
  streamControl = control;
  let delayMs = 1000;
  setLive('connecting');
  while (!control.signal.aborted) {
    try {
      await readAlertStream({
        signal: control.signal,
        lastEventId,
        onEvent: onStreamEvent,
        onOpen: () => {
          setLive('live');
          delayMs = 1000;
          // Whatever happened while the stream was down comes back with fresh lists.
          loadAlerts().catch((error) => say(`Could not refresh alerts: ${problemText(error)}`));
          loadWorklist().catch(() => undefined);
        },
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signOut('Your key is no longer accepted. Sign in again.');
        return;
      }
    }
    if (control.signal.aborted) return;
    setLive('down');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 15_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Alert actions

async function acknowledge(alert) {
  try {
    merge(await api(`/v1/alerts/${alert.id}/acknowledge`, { method: 'POST' }));
    renderAlerts();
    say('Alert acknowledged.');
  } catch (error) {
    say(`Could not acknowledge: ${problemText(error)}`);
  }
}

async function resolveAlert(alert) {
  const answer = await confirmAction({
    title: 'Resolve alert',
    text: `${TYPE_LABELS[alert.type] ?? alert.type}: ${alert.message}`,
    confirm: 'Resolve',
  });
  if (!answer) return;
  try {
    merge(await api(`/v1/alerts/${alert.id}/resolve`, { method: 'POST', body: answer }));
    renderAlerts();
    $('alerts-title').focus();
    say('Alert resolved.');
  } catch (error) {
    say(`Could not resolve: ${problemText(error)}`);
  }
}

/** Actions under way, `${alertId}:${action}`: a second tap waits for the first to finish. */
const busy = new Set();

// One listener for every alert card's buttons. Buttons are not disabled while busy: a disabled
// button loses keyboard focus.
$('board').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const alert = alerts.get(button?.closest('[data-alert-id]')?.dataset.alertId);
  const job = `${alert?.id}:${button?.dataset.action}`;
  if (!alert || busy.has(job)) return;
  const action = { show: showPatient, ack: acknowledge, resolve: resolveAlert }[
    button.dataset.action
  ];
  busy.add(job);
  action(alert).finally(() => busy.delete(job));
});

// ---------------------------------------------------------------------------------------------
// The selected alert's patient: plan summary, chart and today's doses

/** The server's SVG chart (the printed schedule's), placed inline so the board's CSS styles it. */
function showChart(svgText) {
  const svg = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  if (svg.localName !== 'svg') {
    $('chart').replaceChildren('The chart could not be shown.');
    return;
  }
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  $('chart').replaceChildren(document.importNode(svg, true));
}

const drugName = (code) => drugNames.get(code) ?? code;

/** The catalogue's drug names, once: a dose names its drug, and a switch gives two. */
async function loadDrugNames() {
  if (drugNames.size > 0) return;
  const { items } = await api('/v1/drugs');
  for (const drug of items) drugNames.set(drug.code, drug.name);
}

/**
 * What the plan gives: one drug, or a switch ("lorazepam → diazepam switch"), whose daily totals
 * are equivalents and are labelled so; each drug of today's step with its own mg.
 */
function planSummary(plan) {
  const today = clock.today();
  const step = plan.steps.find((s) => s.startDate <= today && today <= s.endDate);
  const eq = plan.equivalentDrugCode;
  const unit = eq ? ` mg/day (${drugName(eq).toLowerCase()}-equivalent)` : ' mg/day';
  const given = (step?.drugs ?? []).map(
    (d) => `${drugName(d.drugCode)} ${amount(d.dailyDoseMg)} mg/day`,
  );
  const total = eq
    ? `, ${amount(step?.dailyDoseMg)} mg/day ${drugName(eq).toLowerCase()}-equivalent in all`
    : '';
  const now = step
    ? ` Today: step ${step.index} of ${plan.steps.length}, ${given.length > 0 ? given.join(' and ') : '0 mg/day'}${total}.`
    : '';
  const zone =
    clock.timeZone === TABLET_ZONE ? '' : ` Dates and times are the patient's (${clock.timeZone}).`;
  const what = eq ? `${plan.drugCode} → ${eq} switch` : plan.drugCode;
  return `${what}, plan version ${plan.version} (${plan.status}), ${amount(plan.startDailyDoseMg)} to ${amount(plan.targetDailyDoseMg)}${unit}, ${plan.startDate} to ${plan.endDate}.${now}${zone}`;
}

/** A dose as the nurse gives it: the drug by name and its own mg. */
const doseText = (dose) => amountText(drugName(dose.drugCode), dose.doseMg);

async function showPatient(alert) {
  selected = alert.id;
  renderAlerts();
  $('patient-title').textContent = `Patient ${patientLabel(alert) ?? ''}`.trim();
  $('patient-empty').hidden = true;
  $('patient-details').hidden = false;
  try {
    const [plan, chart, patient] = await Promise.all([
      api(`/v1/plans/${alert.planId}`),
      api(`/v1/plans/${alert.planId}/chart`, { accept: 'image/svg+xml' }),
      api(`/v1/patients/${alert.patientId}`),
      loadDrugNames().catch(() => undefined), // names are a nicety: codes stand in without them
    ]);
    if (selected !== alert.id) return; // another alert was chosen meanwhile
    clock = patientClock(patient.timezone);
    patientLabels.set(patient.id, patient.externalId);
    $('patient-title').textContent = `Patient ${patient.externalId}, unit ${patient.unitId}`;
    $('plan-summary').textContent = planSummary(plan);
    $('plan-review').href = `/board/plans/${plan.id}`;
    showChart(chart);
    await loadDoses(alert.planId);
    $('patient').focus();
  } catch (error) {
    say(`Could not load the plan: ${problemText(error)}`);
  }
}

function doseRow(dose) {
  const recordable = !dose.outcome && (dose.status === 'scheduled' || dose.status === 'missed');
  const label = DOSE_LABELS[dose.outcome ?? dose.status] ?? dose.status;
  const status = el('td', { className: `dose-status ${dose.status}` }, label);
  if (dose.administeredAt && dose.outcome === 'given')
    status.append(' ', patientTime(dose.administeredAt));
  const buttons = recordable
    ? OUTCOMES.map(([outcome, text]) =>
        el('button', {
          type: 'button',
          className: outcome === 'given' ? '' : 'secondary',
          textContent: text,
          ariaLabel: `${text}: ${doseText(dose)} due ${clock.time.format(new Date(dose.dueAt))}`,
          onclick: () => recordDose(dose, outcome, text),
        }),
      )
    : [];
  return el(
    'tr',
    { data: { doseId: dose.id } },
    el('td', {}, patientTime(dose.dueAt)),
    el('td', { textContent: doseText(dose) }),
    status,
    el('td', {}, el('div', { className: 'actions' }, ...buttons)),
  );
}

async function loadDoses(planId) {
  const [from, to] = clock.dayBounds(clock.today());
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  const doses = await listAll(`/v1/plans/${planId}/doses?${query}`);
  $('doses').tBodies[0].replaceChildren(...doses.map(doseRow));
  $('doses-empty').hidden = doses.length > 0;
}

async function recordDose(dose, outcome, text) {
  const answer = await confirmAction({
    title: `Record dose as ${text.toLowerCase()}`,
    text: `${doseText(dose)} due ${clock.time.format(new Date(dose.dueAt))}, recorded now as “${text}”.`,
    confirm: `Record ${text.toLowerCase()}`,
  });
  if (!answer) return;
  try {
    await api(`/v1/doses/${dose.id}/administrations`, {
      method: 'POST',
      body: { outcome, ...answer },
    });
    say(`Dose recorded as ${text.toLowerCase()}.`);
  } catch (error) {
    say(`Could not record the dose: ${problemText(error)}`);
  }
  await loadDoses(dose.planId).catch(() => undefined);
  loadWorklist().catch(() => undefined);
  $('doses-title').focus();
}

// ---------------------------------------------------------------------------------------------
// Signing in and out

function showBoard(signedIn) {
  $('sign-in').hidden = signedIn;
  $('board').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
}

async function start() {
  try {
    await loadAlerts();
  } catch (error) {
    const refused = error instanceof ApiError && [401, 403].includes(error.status);
    signOut(refused ? 'That key was not accepted.' : problemText(error));
    return;
  }
  showBoard(true);
  $('alerts-title').focus();
  startWorklist().catch(() => undefined);
  watchAlerts();
}

function signOut(message = '') {
  streamControl?.abort();
  lastEventId = undefined;
  session.signOut();
  alerts.clear();
  resolved.clear();
  patientLabels.clear();
  stopWorklist();
  selected = null;
  renderAlerts();
  $('patient-details').hidden = true;
  $('patient-empty').hidden = false;
  $('patient-title').textContent = 'Patient';
  setLive('off');
  showBoard(false);
  askToSignIn(message);
}

mountSignIn(start);
$('sign-out').addEventListener('click', () => signOut());

if (session.key()) start();
else $('key').focus();
