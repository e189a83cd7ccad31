// The ward worklist: the doses of the nurse's units still to give or account for (overdue, and
// due in the next hours), grouped by patient, each with its ISMP window and one-tap recording.
// Read from GET /v1/worklist; refreshed on every alert event, when the stream (re)connects, and
// each minute, since a dose's window moves with the clock.
import { ApiError, api, listAll } from './api.js';
import { confirmAction, problemText, say } from './board-ui.js';
import { patientClock } from './clock.js';
import { $, el } from './dom.js';
import { doseText } from './dose-text.js';

export const AHEAD_HOURS = 4;
const REFRESH_MS = 60_000;
/** The recording accepts a charting clock a few minutes fast; so does the time field. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const OUTCOME_TEXT = { given: 'Given', held: 'Held', refused: 'Refused', not_given: 'Not given' };

/** The doses shown, in due order (the API's), and the clock of each patient's zone. */
let doses = [];
const clocks = new Map();
let timer = null;
let loading = null;
/** Doses being recorded: a second tap waits for the first to finish. */
const busy = new Set();

const clockOf = (zone) => {
  if (!clocks.has(zone)) clocks.set(zone, patientClock(zone));
  return clocks.get(zone);
};
/** 24-hour times: no AM/PM to misread on a night shift. */
const timeOf = (dose, iso) => clockOf(dose.patient.timezone).hhmm(new Date(iso));
const what = (dose) => doseText(dose.drugName, dose.doseMg);

/** Where the dose stands, in words: a badge and the window's edge. */
function windowText(dose) {
  const { state, opensAt, closesAt } = dose.window;
  if (dose.status === 'missed') {
    return ['missed', 'Missed', `not recorded; window closed ${timeOf(dose, closesAt)}`];
  }
  if (state === 'late') return ['late', 'Late', `window closed ${timeOf(dose, closesAt)}`];
  if (state === 'due') return ['due', 'Due now', `on time until ${timeOf(dose, closesAt)}`];
  return ['upcoming', 'Upcoming', `window opens ${timeOf(dose, opensAt)}`];
}

function doseItem(dose) {
  const [state, badge, detail] = windowText(dose);
  const who = `${dose.patient.externalId}, due ${timeOf(dose, dose.dueAt)}`;
  const button = (outcome, className) =>
    el('button', {
      type: 'button',
      className,
      textContent: OUTCOME_TEXT[outcome],
      ariaLabel: `${OUTCOME_TEXT[outcome]}: ${what(dose)}, ${who}`,
      data: { outcome },
    });
  return el(
    'li',
    { className: `wl-dose state-${state}`, data: { doseId: dose.id } },
    el(
      'div',
      { className: 'wl-when' },
      el('time', {
        className: 'wl-time',
        dateTime: dose.dueAt,
        textContent: timeOf(dose, dose.dueAt),
      }),
      el('span', { className: `window-badge ${state}`, textContent: badge }),
      el('span', { className: 'wl-window', textContent: detail }),
    ),
    el(
      'div',
      { className: 'wl-what' },
      el('p', { className: 'wl-drug', textContent: what(dose) }),
      dose.tablets ? el('p', { className: 'wl-tablets', textContent: dose.tablets }) : null,
    ),
    el(
      'div',
      { className: 'actions wl-actions' },
      button('given', 'given'),
      button('refused', 'secondary'),
      button('held', 'secondary'),
      button('not_given', 'secondary'),
    ),
  );
}

/** Patients in the order of their most pressing dose; each patient's doses in due order. */
function byPatient(list) {
  const groups = new Map();
  for (const dose of list) {
    if (!groups.has(dose.patient.id)) groups.set(dose.patient.id, []);
    groups.get(dose.patient.id).push(dose);
  }
  return [...groups.values()];
}

function patientGroup(group, index) {
  const { patient } = group[0];
  const heading = `wl-patient-${index}`;
  const section = el(
    'section',
    { className: 'wl-patient' },
    el(
      'h3',
      { id: heading },
      el('span', { className: 'wl-mrn', textContent: patient.externalId }),
      ' ',
      el('span', { className: 'wl-unit', textContent: `Unit ${patient.unitId}` }),
    ),
    el('ul', { className: 'wl-doses' }, ...group.map(doseItem)),
  );
  section.setAttribute('aria-labelledby', heading);
  return section;
}

function render() {
  const focused = document.activeElement?.closest?.('[data-dose-id]');
  const focusedOutcome = document.activeElement?.dataset?.outcome;
  const groups = byPatient(doses);
  $('worklist-patients').replaceChildren(...groups.map(patientGroup));
  $('worklist-empty').hidden = doses.length > 0;
  const due = doses.filter((d) => d.window.state !== 'upcoming').length;
  $('worklist-title').textContent = `Doses to give (${due} due or overdue)`;
  if (focused) {
    const item = document.querySelector(`[data-dose-id="${focused.dataset.doseId}"]`);
    const button = item?.querySelector(`[data-outcome="${focusedOutcome}"]`);
    (button ?? $('worklist-title')).focus();
  }
}

/** Reads the worklist again; overlapping calls share one request. */
export function loadWorklist() {
  loading ??= listAll(`/v1/worklist?aheadHours=${AHEAD_HOURS}`)
    .then((items) => {
      doses = items;
      render();
    })
    .catch((error) => {
      if (error instanceof ApiError && error.status === 401) throw error;
      say(`Could not refresh the doses to give: ${problemText(error)}`);
    })
    .finally(() => {
      loading = null;
    });
  return loading;
}

/**
 * What the recording needs beyond one tap: given outside its window asks when it was given (late)
 * or whether to give it now (early); held and not given ask why. Given in the window and refused
 * are one tap. Null when the nurse cancels.
 */
async function details(dose, outcome) {
  const text = `${what(dose)} for ${dose.patient.externalId}, due ${timeOf(dose, dose.dueAt)}.`;
  if (outcome === 'given' && dose.window.state === 'due' && dose.status === 'scheduled') return {};
  if (outcome === 'refused') return {};
  if (outcome === 'given') {
    const clock = clockOf(dose.patient.timezone);
    const early = dose.window.state === 'upcoming';
    const answer = await confirmAction({
      title: early ? 'Give before the window opens?' : 'Record a late dose as given',
      text: early
        ? `${text} Its window opens ${timeOf(dose, dose.window.opensAt)}: given now it is recorded as early.`
        : dose.window.state === 'late'
          ? `${text} Its window closed ${timeOf(dose, dose.window.closesAt)}: say when it was given.`
          : `${text} It was marked missed: say when it was given.`,
      confirm: 'Record given',
      time: { label: "Time given (patient's clock)", value: clock.hhmm(new Date()) },
    });
    if (!answer) return null;
    const at = clock.lastAt(answer.time, new Date(Date.now() + FUTURE_TOLERANCE_MS));
    return { note: answer.note, administeredAt: at.toISOString() };
  }
  const answer = await confirmAction({
    title: `Record dose as ${OUTCOME_TEXT[outcome].toLowerCase()}`,
    text,
    confirm: `Record ${OUTCOME_TEXT[outcome].toLowerCase()}`,
    noteLabel: 'Reason (required)',
    noteRequired: true,
  });
  return answer && { note: answer.note };
}

async function record(dose, outcome) {
  const extra = await details(dose, outcome);
  if (!extra) return;
  const label = OUTCOME_TEXT[outcome].toLowerCase();
  try {
    await api(`/v1/doses/${dose.id}/administrations`, {
      method: 'POST',
      body: Object.fromEntries(
        Object.entries({ outcome, ...extra }).filter(([, v]) => v !== undefined),
      ),
    });
    // Focus goes to the next dose of the list (or its heading), not back to the page's top.
    const next = doses[doses.indexOf(dose) + 1];
    doses = doses.filter((d) => d.id !== dose.id);
    render();
    const target = next && document.querySelector(`[data-dose-id="${next.id}"] button`);
    (target ?? $('worklist-title')).focus();
    say(`Recorded ${label}: ${what(dose)} for ${dose.patient.externalId}.`);
  } catch (error) {
    say(`Could not record ${what(dose)} for ${dose.patient.externalId}: ${problemText(error)}`);
  }
  await loadWorklist().catch(() => undefined);
}

$('worklist').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-outcome]');
  const dose = doses.find((d) => d.id === button?.closest('[data-dose-id]')?.dataset.doseId);
  if (!dose || busy.has(dose.id)) return;
  busy.add(dose.id);
  record(dose, button.dataset.outcome).finally(() => busy.delete(dose.id));
});

export function startWorklist() {
  clearInterval(timer);
  timer = setInterval(() => loadWorklist().catch(() => undefined), REFRESH_MS);
  return loadWorklist();
}

export function stopWorklist() {
  clearInterval(timer);
  timer = null;
  doses = [];
  render();
}
