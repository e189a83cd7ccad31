// The patient's page: today's doses from their own link, each reported taken or skipped after a
// confirmation. The link token arrives in the URL fragment (never sent to a server, so never in
// a log), is kept in this tab's sessionStorage and removed from the address bar at once.

const TOKEN_KEY = 'taperwatch.patientLink';
const $ = (id) => document.getElementById(id);

function takeToken() {
  const fromFragment = location.hash.slice(1);
  if (fromFragment) {
    sessionStorage.setItem(TOKEN_KEY, fromFragment);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = takeToken();

async function call(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
  });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.detail ?? `The request failed (${response.status})`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = false;
  $('doses-section').hidden = true;
}

function say(text) {
  // Cleared first so the same words twice are read out twice.
  $('status').textContent = '';
  requestAnimationFrame(() => ($('status').textContent = text));
}

const longDate = (isoDate) =>
  new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: 'UTC',
  }).format(new Date(`${isoDate}T00:00:00Z`));

function stateOf(dose) {
  if (dose.outcome === 'given') return 'taken';
  if (dose.outcome) return 'skipped';
  return dose.status === 'scheduled' || dose.status === 'missed' ? 'open' : 'closed';
}

const STATE_TEXT = {
  taken: 'Taken',
  skipped: 'Not taken',
  closed: 'No longer scheduled',
};

function renderDose(dose) {
  const item = document.createElement('li');
  const state = stateOf(dose);
  item.className = 'dose';
  item.dataset.state = state;
  item.dataset.doseId = dose.id;
  const what = `${dose.drugName} ${dose.doseMg} mg`;

  const time = document.createElement('p');
  time.className = 'time';
  time.textContent = dose.localTime;
  const title = document.createElement('p');
  title.className = 'what';
  title.textContent = what;
  item.append(time, title);
  if (dose.tablets) {
    const tablets = document.createElement('p');
    tablets.className = 'tablets';
    tablets.textContent = `Take ${dose.tablets}`;
    item.append(tablets);
  }
  if (state === 'open') {
    const actions = document.createElement('div');
    actions.className = 'actions';
    // Each name starts with the visible words (WCAG 2.5.3) and then says which dose.
    const taken = document.createElement('button');
    taken.type = 'button';
    taken.className = 'taken';
    taken.textContent = 'I took it';
    taken.setAttribute('aria-label', `I took it: ${what} at ${dose.localTime}`);
    taken.addEventListener('click', () => report(dose, 'taken'));
    const skipped = document.createElement('button');
    skipped.type = 'button';
    skipped.className = 'secondary';
    skipped.textContent = 'I skipped it';
    skipped.setAttribute('aria-label', `I skipped it: ${what} at ${dose.localTime}`);
    skipped.addEventListener('click', () => report(dose, 'skipped'));
    actions.append(taken, skipped);
    item.append(actions);
  } else {
    const label = document.createElement('p');
    label.className = 'state';
    label.textContent = STATE_TEXT[state];
    item.append(label);
  }
  return item;
}

async function load() {
  const schedule = await call('/v1/patient-link/schedule?days=1');
  $('today').textContent = longDate(schedule.today);
  const doses = schedule.doses.filter((d) => d.localDate === schedule.today);
  $('doses').replaceChildren(...doses.map(renderDose));
  $('doses-empty').hidden = doses.length > 0;
  $('doses-section').hidden = false;
  $('problem').hidden = true;
}

function confirmReport(title, text, confirm) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = confirm;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {
      once: true,
    });
  });
}

$('confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  $('confirm').close('confirm');
});
$('confirm-cancel').addEventListener('click', () => $('confirm').close(''));

async function report(dose, outcome) {
  const what = `${dose.drugName} ${dose.doseMg} mg at ${dose.localTime}`;
  const confirmed = await confirmReport(
    outcome === 'taken' ? 'Did you take this dose?' : 'Did you skip this dose?',
    outcome === 'taken'
      ? `${what}: record it as taken now.`
      : `${what}: record it as not taken. Your clinic will see this.`,
    outcome === 'taken' ? 'Yes, I took it' : 'Yes, I skipped it',
  );
  if (!confirmed) return;
  try {
    await call(`/v1/patient-link/doses/${dose.id}/reports`, {
      method: 'POST',
      body: JSON.stringify({ outcome }),
    });
    await load();
    say(outcome === 'taken' ? `Recorded: ${what} taken.` : `Recorded: ${what} not taken.`);
    document.querySelector(`[data-dose-id="${dose.id}"] .state`)?.setAttribute('tabindex', '-1');
  } catch (error) {
    say(`Not recorded: ${error.message}`);
    if (error.status === 409) await load().catch(() => {});
  }
}

if (!token) {
  showProblem('This page needs the link your clinic gave you. Open that link again.');
} else {
  load().catch((error) =>
    showProblem(
      error.status === 401
        ? 'This link no longer works (it has expired or was withdrawn). Ask your clinic for a new one.'
        : `Your doses could not be loaded: ${error.message}`,
    ),
  );
}
