// The plan review page (/board/plans/:id): a plan's chart, steps, warnings and rationale, the
// patient's facts, and the prescriber's decision (approve, ask for a revision and compare it with
// the version it revises, or cancel with a reason). Everything comes from, and goes through, the
// public API with the key signed in on the board (the same tab's sessionStorage); the patient is
// named by the ward's identifier, never by an id, and nothing about them goes in the URL.
import { ApiError, api, listAll, session } from './api.js';
import { patientClock } from './clock.js';
import { $, el } from './dom.js';
import { amount, mg, unitsText } from './dose-text.js';
import { MARKS, legendSwatch, planChart } from './plan-chart.js';
import { askToSignIn, mountSignIn } from './sign-in.js';

const STATUS_TEXT = {
  proposed: 'Not yet approved; nothing is scheduled',
  active: 'In force',
  paused: 'The current step continues until resumed',
  completed: 'Every step has run',
  cancelled: 'Stopped; later doses cancelled',
  superseded: 'Replaced by a later version',
};
const SEVERITIES = ['critical', 'warning', 'info'];
const SEVERITY_TEXT = { critical: 'Critical', warning: 'Warning', info: 'Information' };
const STRATEGY_TEXT = {
  linear: 'Linear (equal cuts)',
  proportional: 'Proportional (a share of the current dose)',
  hyperbolic: 'Hyperbolic (smaller cuts near the end)',
};
const NO_RIGHTS =
  'Your key can read this plan but not change it: approving, revising and cancelling take a prescriber’s key.';

/** drug code → name, from the catalogue (the code stands in until it loads). */
const drugNames = new Map();
const drugName = (code) => drugNames.get(code) ?? code;

/** What is shown: the plan, the version it revises, its patient, request and doses. */
let shown = null;

const planIdFromPath = () => decodeURIComponent(location.pathname.split('/')[3] ?? '');

// ---------------------------------------------------------------------------------------------
// Dates and words

const longDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const dateText = (iso) => longDate.format(new Date(`${iso}T00:00:00Z`));
const daysBetween = (from, to) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Whole years from a birth date to the patient's today. */
function ageOn(birthDate, today) {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** An actor as the API names it: a key's id, or `{ type, id, name }`. */
const actorText = (actor) => (typeof actor === 'string' ? actor : (actor?.name ?? actor?.id ?? ''));

/** "Lorazepam → Diazepam switch" or "Baclofen taper". */
const planName = (plan) =>
  plan.equivalentDrugCode && plan.equivalentDrugCode !== plan.drugCode
    ? `${drugName(plan.drugCode)} → ${drugName(plan.equivalentDrugCode)} switch`
    : `${drugName(plan.drugCode)} taper`;

/** The unit of a plan's daily totals: the drug's own mg, or a switch's equivalents, said so. */
const totalUnit = (plan) =>
  plan.equivalentDrugCode
    ? `mg/day ${drugName(plan.equivalentDrugCode).toLowerCase()}-equivalent`
    : `mg/day ${drugName(plan.drugCode).toLowerCase()}`;

/** One step's daily amounts: each drug its own mg, then a switch's total as equivalents. */
function stepDaily(plan, step) {
  const own = step.drugs.map((d) => `${drugName(d.drugCode)} ${mg(d.dailyDoseMg)}/day`);
  if (own.length === 0) own.push('Nothing (stopped)');
  // A step of the equivalent's drug alone already says its total in that drug's own mg.
  const alone = step.drugs.length === 1 && step.drugs[0].drugCode === plan.equivalentDrugCode;
  if (plan.equivalentDrugCode && !alone) {
    own.push(`${amount(step.dailyDoseMg)} ${totalUnit(plan)} in all`);
  }
  if (step.intervalDays === 2) own.push('(mean per day: given every other day)');
  return own;
}

/** A dose as given: the drug by name, its own mg, and what makes it. */
const doseText = (dose) => {
  const units = unitsText(dose.units);
  return `${drugName(dose.drugCode)} ${mg(dose.doseMg)}${units ? ` (${units})` : ''}`;
};

function problemText(error) {
  return error instanceof ApiError ? error.message : 'The server could not be reached.';
}

function say(message) {
  $('status').textContent = message;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function facts(list, pairs) {
  list.replaceChildren(
    ...pairs.flatMap(([term, value]) => [
      el('dt', { textContent: term }),
      el('dd', {}, ...(Array.isArray(value) ? value : [value])),
    ]),
  );
}

function renderSummary({ plan, clock }) {
  $('plan-title').textContent = `${planName(plan)}, version ${plan.version}`;
  $('plan-status').replaceChildren(
    el('span', { className: `badge status-${plan.status}`, textContent: plan.status }),
    ' ',
    STATUS_TEXT[plan.status] ?? plan.status,
  );
  const steps = plan.steps;
  const pairs = [
    [
      'Daily dose',
      `${amount(plan.startDailyDoseMg)} to ${amount(plan.targetDailyDoseMg)} ${totalUnit(plan)}`,
    ],
    [
      'Dates',
      `${dateText(plan.startDate)} to ${dateText(plan.endDate)} (${plural(daysBetween(plan.startDate, plan.endDate), 'day')}, ${plural(steps.length, 'step')})`,
    ],
    ['Strategy', STRATEGY_TEXT[plan.strategy] ?? plan.strategy],
  ];
  if (plan.equivalentDrugCode) {
    pairs.push([
      'Equivalents',
      `Totals count every drug as ${drugName(plan.equivalentDrugCode).toLowerCase()}-equivalent mg, to compare steps; each dose is given in its own drug’s mg, as the steps list it.`,
    ]);
  }
  if (plan.approvedAt) {
    const by = actorText(plan.approvedBy);
    pairs.push([
      'Approved',
      `${longDate.format(new Date(plan.approvedAt))} ${clock.time.format(new Date(plan.approvedAt))}${by ? ` by ${by}` : ''}`,
    ]);
  }
  if (plan.reanchoredFrom) {
    pairs.push([
      'Moved',
      `Planned to start ${dateText(plan.reanchoredFrom)}; approved later, so every step moved ${plural(plan.reanchoredByDays, 'day')} later`,
    ]);
  }
  pairs.push(['Times', `The patient’s (${clock.timeZone})`]);
  facts($('plan-facts'), pairs);
}

function renderPatient({ patient, request, clock }) {
  $('who').textContent = `${patient.externalId} · ${patient.unitId}`;
  const coMeds = request?.coMedications ?? [];
  facts($('patient-facts'), [
    ['Patient', patient.externalId],
    ['Unit', patient.unitId],
    [
      'Age',
      patient.birthDate
        ? `${ageOn(patient.birthDate, clock.today())} years (born ${dateText(patient.birthDate)})`
        : 'Not recorded',
    ],
    [
      'Creatinine clearance',
      patient.creatinineClearanceMlMin === null
        ? 'Not recorded'
        : `${amount(patient.creatinineClearanceMlMin)} mL/min`,
    ],
    [
      'Co-medications',
      request === null
        ? 'Not readable with this key'
        : coMeds.length > 0
          ? coMeds.join(', ')
          : 'None named in the request',
    ],
  ]);
}

/** The recorded doses as chart marks: outcome (or missed), on the day and time they were due. */
function doseMarks(doses, clock) {
  return doses
    .filter((d) => d.status !== 'scheduled' && d.status !== 'cancelled')
    .map((d) => {
      const kind =
        d.outcome === 'given' || d.status === 'given'
          ? d.timeliness === 'late'
            ? 'late'
            : 'given'
          : (d.outcome ?? d.status);
      return {
        drugCode: d.drugCode,
        stepIndex: d.stepIndex,
        day: clock.day(d.dueAt),
        fraction: clock.fraction(d.dueAt),
        kind,
        text: `${MARKS[kind] ?? kind}: ${drugName(d.drugCode)} ${mg(d.doseMg)} due ${dateText(clock.day(d.dueAt))} ${clock.time.format(new Date(d.dueAt))}`,
      };
    });
}

function renderChart({ plan, previous, doses, clock }) {
  const marks = doseMarks(doses, clock);
  const versions = [{ plan, kind: 'current' }];
  if (previous) versions.push({ plan: previous, kind: 'previous' });
  const description =
    `${planName(plan)}, version ${plan.version}: ${plan.steps.length} steps from ` +
    `${dateText(plan.startDate)} to ${dateText(plan.endDate)}, ${amount(plan.startDailyDoseMg)} ` +
    `to ${amount(plan.targetDailyDoseMg)} ${totalUnit(plan)}.` +
    (previous ? ` Dashed: version ${previous.version}, which it revises.` : '') +
    (marks.length ? ` ${plural(marks.length, 'recorded dose')} marked.` : '') +
    ' The steps table below gives every amount.';
  $('chart').replaceChildren(
    planChart({ versions, marks, today: clock.today(), name: drugName, description }),
  );
  $('chart-note').textContent = plan.equivalentDrugCode
    ? 'Each drug on its own mg scale; the last panel adds them up as equivalents to compare steps.'
    : '';
  const legend = [['current', `Version ${plan.version} (this plan)`]];
  if (previous) legend.push(['previous', `Version ${previous.version} (the version it revises)`]);
  const seen = new Set(marks.map((m) => m.kind));
  for (const [kind, text] of Object.entries(MARKS)) if (seen.has(kind)) legend.push([kind, text]);
  $('chart-legend').replaceChildren(
    ...legend.map(([kind, text]) => el('li', {}, legendSwatch(kind), ' ', text)),
  );
}

function stepsTable(plan, clock, warnedSteps) {
  const today = clock.today();
  const inForce = plan.status === 'active' || plan.status === 'paused';
  const rows = plan.steps.map((step) => {
    const now = inForce && step.startDate <= today && today <= step.endDate;
    const when = step.intervalDays === 2 ? 'every other day' : 'every day';
    const doses = step.doses.length
      ? el(
          'ul',
          { className: 'give' },
          ...step.doses.map((d) =>
            el('li', {}, el('span', { className: 'time', textContent: d.time }), ' ', doseText(d)),
          ),
        )
      : 'Nothing: the drug is stopped';
    return el(
      'tr',
      { className: now ? 'now' : '', data: { step: step.index } },
      el(
        'th',
        { scope: 'row' },
        `${step.index}`,
        now ? el('span', { className: 'now-tag', textContent: ' today' }) : null,
        warnedSteps.has(step.index)
          ? el('span', { className: 'badge warning step-flag', textContent: 'see warning' })
          : null,
      ),
      el(
        'td',
        {},
        `${dateText(step.startDate)} to ${dateText(step.endDate)}`,
        el('br'),
        el('span', {
          className: 'hint',
          textContent: `${plural(daysBetween(step.startDate, step.endDate), 'day')}, ${when}`,
        }),
      ),
      el('td', {}, ...stepDaily(plan, step).flatMap((line, i) => (i ? [el('br'), line] : [line]))),
      el('td', {}, doses),
    );
  });
  return el(
    'table',
    { className: 'steps' },
    el('caption', {
      className: 'visually-hidden',
      textContent: `Steps of version ${plan.version}`,
    }),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Step', 'Dates', 'Per day', 'What to give at each time'].map((h) =>
          el('th', { scope: 'col', textContent: h }),
        ),
      ),
    ),
    el('tbody', {}, ...rows),
  );
}

function renderWarnings(plan) {
  const warnings = [...plan.warnings].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
  $('warnings').replaceChildren(
    ...warnings.map((w) =>
      el(
        'li',
        { className: `warning-item severity-${w.severity}` },
        el('span', {
          className: `badge ${w.severity}`,
          textContent: SEVERITY_TEXT[w.severity] ?? w.severity,
        }),
        ' ',
        w.stepIndex ? `Step ${w.stepIndex}: ` : '',
        w.message,
        sourceOf(w.source),
      ),
    ),
  );
  $('warnings-empty').hidden = warnings.length > 0;
}

/** A source as a link that opens apart from the page (and carries no referrer). */
function sourceOf(source) {
  if (!source) return null;
  return el(
    'span',
    { className: 'source' },
    ' Source: ',
    source.url
      ? el('a', {
          href: source.url,
          rel: 'noreferrer noopener',
          target: '_blank',
          textContent: source.title,
        })
      : source.title,
  );
}

function renderRationale(plan) {
  $('rationale').replaceChildren(
    ...plan.rationale.map((r) => el('li', {}, r.text, sourceOf(r.source))),
  );
}

/** What changed between two versions, then each version's steps side by side. */
function renderCompare({ plan, previous }) {
  $('compare').hidden = !previous;
  if (!previous) return;
  $('compare-title').textContent =
    `Version ${plan.version} compared with version ${previous.version}, which it revises`;
  const duration = (p) => daysBetween(p.startDate, p.endDate);
  const column = (p, heading) =>
    el(
      'section',
      { className: 'compare-column', ariaLabel: heading },
      el('h3', { textContent: heading }),
      el(
        'p',
        {},
        `${STRATEGY_TEXT[p.strategy] ?? p.strategy}; ${plural(p.steps.length, 'step')} over ${plural(duration(p), 'day')}, ${dateText(p.startDate)} to ${dateText(p.endDate)}.`,
      ),
      el(
        'table',
        { className: 'steps compact' },
        el('caption', {
          className: 'visually-hidden',
          textContent: `Steps of version ${p.version}`,
        }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Step', 'From', 'Per day'].map((h) => el('th', { scope: 'col', textContent: h })),
          ),
        ),
        el(
          'tbody',
          {},
          ...p.steps.map((s) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row', textContent: `${s.index}` }),
              el('td', { textContent: dateText(s.startDate) }),
              el('td', { textContent: stepDaily(p, s).join('; ') }),
            ),
          ),
        ),
      ),
    );
  const changes = [
    `Steps: ${previous.steps.length} → ${plan.steps.length}`,
    `Length: ${plural(duration(previous), 'day')} → ${plural(duration(plan), 'day')}`,
    `Ends: ${dateText(previous.endDate)} → ${dateText(plan.endDate)}`,
  ];
  if (previous.strategy !== plan.strategy) {
    changes.push(`Strategy: ${previous.strategy} → ${plan.strategy}`);
  }
  $('compare-columns').replaceChildren(
    el('ul', { className: 'changes' }, ...changes.map((c) => el('li', { textContent: c }))),
    column(previous, `Version ${previous.version} (${previous.status}, the version revised)`),
    column(plan, `Version ${plan.version} (${plan.status}, this plan)`),
  );
}

function renderRecorded({ doses, clock }) {
  const recorded = doses
    .filter((d) => d.status !== 'scheduled' && d.status !== 'cancelled')
    .sort((a, b) => b.dueAt.localeCompare(a.dueAt));
  $('recorded').hidden = doses.length === 0;
  const count = (kind) => doseMarks(recorded, clock).filter((m) => m.kind === kind).length;
  const due = doses.filter((d) => d.status === 'scheduled').length;
  const counted = Object.entries(MARKS)
    .filter(([kind]) => count(kind) > 0)
    .map(([kind, text]) => `${text}: ${count(kind)}`);
  $('recorded-summary').textContent =
    `${counted.length ? counted.join('; ') : 'Nothing recorded yet'}. Still to come or to record: ${due}.`;
  $('recorded-doses').tBodies[0].replaceChildren(
    ...recorded.map((d) => {
      const [mark] = doseMarks([d], clock);
      const at = d.administeredAt ? ` at ${clock.time.format(new Date(d.administeredAt))}` : '';
      return el(
        'tr',
        { data: { status: mark.kind } },
        el(
          'td',
          {},
          el('time', {
            dateTime: d.dueAt,
            textContent: `${dateText(clock.day(d.dueAt))} ${clock.time.format(new Date(d.dueAt))}`,
          }),
        ),
        el('td', { textContent: `${drugName(d.drugCode)} ${mg(d.doseMg)}` }),
        el(
          'td',
          { className: `dose-status ${mark.kind}` },
          `${MARKS[mark.kind] ?? mark.kind}${at}`,
          d.givenMg !== undefined && d.givenMg !== d.doseMg ? ` (${mg(d.givenMg)} given)` : '',
        ),
      );
    }),
  );
}

function renderActions({ plan, clock }) {
  const open = ['proposed', 'active', 'paused'].includes(plan.status);
  $('actions').hidden = !open;
  if (!open) return;
  $('approve').hidden = plan.status !== 'proposed';
  $('actions-note').textContent =
    plan.status === 'proposed'
      ? 'Approving schedules the doses from the first step. A revision is proposed beside this version for comparison before either is approved.'
      : 'A revision is proposed beside this version; it replaces it only when approved.';
  $('cancel-hint').textContent =
    plan.status === 'proposed'
      ? 'Withdraws this proposal; nothing was scheduled.'
      : 'Stops the plan: later doses are cancelled. If the patient still takes the drug this is an abrupt stop, which raises a critical alert.';
  const today = clock.today();
  $('revise-from').value =
    plan.status === 'proposed' && plan.startDate > today ? plan.startDate : today;
  $('revise-from').min = today;
}

function render() {
  renderSummary(shown);
  renderPatient(shown);
  renderActions(shown);
  renderChart(shown);
  renderCompare(shown);
  const warned = new Set(shown.plan.warnings.map((w) => w.stepIndex).filter(Boolean));
  $('steps').replaceChildren(stepsTable(shown.plan, shown.clock, warned));
  renderWarnings(shown.plan);
  renderRationale(shown.plan);
  renderRecorded(shown);
  document.title = `${planName(shown.plan)}, version ${shown.plan.version} · Plan review`;
  $('loading').hidden = true;
  $('review').hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Loading

async function loadDrugNames() {
  if (drugNames.size > 0) return;
  const { items } = await api('/v1/drugs');
  for (const drug of items) drugNames.set(drug.code, drug.name);
}

async function load(planId) {
  const plan = await api(`/v1/plans/${encodeURIComponent(planId)}`);
  const [patient, request, previous, doses] = await Promise.all([
    api(`/v1/patients/${plan.patientId}`),
    api(`/v1/taper-requests/${plan.requestId}`).catch(() => null),
    plan.parentPlanId ? api(`/v1/plans/${plan.parentPlanId}`) : null,
    plan.approvedAt ? listAll(`/v1/plans/${plan.id}/doses`) : [],
    loadDrugNames().catch(() => undefined), // names are a nicety: codes stand in without them
  ]);
  shown = { plan, patient, request, previous, doses, clock: patientClock(patient.timezone) };
  render();
}

async function open(planId) {
  $('loading').hidden = false;
  $('loading').textContent = 'Loading the plan…';
  try {
    await load(planId);
    showSignedIn(true);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut('That key was not accepted. Sign in again.');
    } else if (error instanceof ApiError && [400, 404].includes(error.status)) {
      showSignedIn(true);
      $('loading').textContent =
        'No plan at this address is visible to your key: it may belong to another unit, or the link is wrong. Open it from the ward board.';
    } else {
      showSignedIn(true);
      $('loading').textContent = `Could not load the plan: ${problemText(error)}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** Opens the confirmation dialog; resolves true when confirmed. */
function confirmAction({ title, text, confirm }) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = confirm;
  return new Promise((resolve) => {
    const done = (ok) => {
      dialog.close();
      $('confirm-form').onsubmit = null;
      $('confirm-cancel').onclick = null;
      dialog.oncancel = null;
      resolve(ok);
    };
    $('confirm-form').onsubmit = (event) => {
      event.preventDefault();
      done(true);
    };
    $('confirm-cancel').onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
  });
}

/** Runs an action; a refusal is shown where the buttons are, a 403 as the key's limits. */
async function act(run) {
  $('action-error').textContent = '';
  const buttons = document.querySelectorAll('#actions button');
  for (const b of buttons) b.disabled = true;
  try {
    await run();
  } catch (error) {
    $('action-error').textContent =
      error instanceof ApiError && error.status === 403
        ? NO_RIGHTS
        : `Not done: ${problemText(error)}`;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

function toggle(button, form, show) {
  form.hidden = !show;
  button.setAttribute('aria-expanded', String(show));
}

$('approve').addEventListener('click', () =>
  act(async () => {
    const { plan } = shown;
    const ok = await confirmAction({
      title: `Approve version ${plan.version}?`,
      text: `${planName(plan)}: ${plural(plan.steps.length, 'step')}, ${dateText(plan.startDate)} to ${dateText(plan.endDate)}, ${amount(plan.startDailyDoseMg)} to ${amount(plan.targetDailyDoseMg)} ${totalUnit(plan)}. The doses are scheduled once it is approved.`,
      confirm: 'Approve',
    });
    if (!ok) return;
    const approved = await api(`/v1/plans/${plan.id}/approve`, { method: 'POST' });
    await load(approved.id);
    say(`Version ${approved.version} approved: it is ${approved.status}.`);
    $('plan-title').focus();
  }),
);

$('revise').addEventListener('click', () => {
  const show = $('revise-form').hidden;
  toggle($('revise'), $('revise-form'), show);
  toggle($('cancel'), $('cancel-form'), false);
  if (show) $('revise-step-days').focus();
});
$('revise-close').addEventListener('click', () => {
  toggle($('revise'), $('revise-form'), false);
  $('revise').focus();
});

const wholeNumber = (id) => ($(id).value === '' ? undefined : Number($(id).value));

$('revise-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const body = {
      fromDate: $('revise-from').value,
      reason: $('revise-reason').value.trim(),
      stepDays: wholeNumber('revise-step-days'),
      holdDays: wholeNumber('revise-hold-days'),
      strategy: $('revise-strategy').value || undefined,
    };
    const revision = await api(`/v1/plans/${shown.plan.id}/revisions`, {
      method: 'POST',
      body: JSON.parse(JSON.stringify(body)), // drops the settings left empty
    });
    $('revise-form').reset();
    toggle($('revise'), $('revise-form'), false);
    history.pushState(null, '', `/board/plans/${revision.id}`);
    await load(revision.id);
    say(
      `Version ${revision.version} proposed. Compare it with version ${shown.previous?.version ?? ''} below, then approve it or ask again.`,
    );
    $('compare-title').focus();
  });
});

$('cancel').addEventListener('click', () => {
  const show = $('cancel-form').hidden;
  toggle($('cancel'), $('cancel-form'), show);
  toggle($('revise'), $('revise-form'), false);
  if (show) $('cancel-reason').focus();
});
$('cancel-close').addEventListener('click', () => {
  toggle($('cancel'), $('cancel-form'), false);
  $('cancel').focus();
});
$('cancel-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const cancelled = await api(`/v1/plans/${shown.plan.id}/cancel`, {
      method: 'POST',
      body: { reason: $('cancel-reason').value.trim() },
    });
    $('cancel-form').reset();
    toggle($('cancel'), $('cancel-form'), false);
    await load(cancelled.id);
    say(`Version ${cancelled.version} cancelled.`);
    $('plan-title').focus();
  });
});

window.addEventListener('popstate', () => open(planIdFromPath()));

// ---------------------------------------------------------------------------------------------
// Signing in and out (the board's key: this tab's sessionStorage, never the URL)

function showSignedIn(signedIn) {
  $('sign-in').hidden = signedIn;
  $('sign-out').hidden = !signedIn;
}

function signOut(message = '') {
  session.signOut();
  shown = null;
  $('review').hidden = true;
  $('loading').hidden = true;
  $('who').textContent = '';
  showSignedIn(false);
  askToSignIn(message);
}

mountSignIn(() => open(planIdFromPath()));
$('sign-out').addEventListener('click', () => signOut());

if (session.key()) open(planIdFromPath());
else signOut();
