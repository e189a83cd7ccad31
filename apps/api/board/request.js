// The page a CDS Hooks card links to: /board/taper-requests/{id}. It signs in like the board,
// polls the taper request until the worker has planned it, then opens the plan's review page;
// a rejected or failed request shows its problems. Text goes in through textContent only.
import { ApiError, api, session } from './api.js';
import { $ } from './dom.js';
import { askToSignIn, mountSignIn } from './sign-in.js';
const POLL_MS = 1000;
/** Polls for about two minutes; the planner normally answers within seconds. */
const MAX_POLLS = 120;
const requestId = location.pathname.split('/').pop();

function showSignIn(message = '') {
  $('request').hidden = true;
  askToSignIn(message);
}

function showProblems(status, problems) {
  $('status').textContent =
    status === 'rejected'
      ? 'The planner could not plan this taper within the catalogue’s limits:'
      : 'Planning failed; request the taper again in taperwatch.';
  $('problems').replaceChildren(
    ...(problems ?? []).map((p) => {
      const li = document.createElement('li');
      li.textContent = p.message;
      return li;
    }),
  );
}

async function poll(attempt = 0) {
  let request;
  try {
    request = await api(`/v1/taper-requests/${encodeURIComponent(requestId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.signOut();
      showSignIn('That key was not accepted. Sign in again.');
      return;
    }
    $('status').textContent = error.message;
    return;
  }
  if (request.status === 'planned' && request.planId) {
    $('status').textContent = 'Planned. Opening the plan…';
    location.assign(`/board/plans/${encodeURIComponent(request.planId)}`);
    return;
  }
  if (request.status === 'rejected' || request.status === 'failed') {
    showProblems(request.status, request.problems);
    return;
  }
  if (attempt >= MAX_POLLS) {
    $('status').textContent = 'Still planning. Reload this page in a minute.';
    return;
  }
  $('status').textContent = 'taperwatch is planning the taper…';
  setTimeout(() => poll(attempt + 1), POLL_MS);
}

function start() {
  $('sign-in').hidden = true;
  $('request').hidden = false;
  void poll();
}

mountSignIn(start);

if (session.key()) start();
else showSignIn();
