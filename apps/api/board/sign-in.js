// The sign-in every staff page shares (board, plan review, taper request): the form is built here
// into the page's empty #sign-in section, and submitted by script only, so the pages' CSP
// (form-action 'none') stops a native submit from ever putting the key in a URL.
import { session } from './api.js';
import { $, el } from './dom.js';

/** Builds the form; `onSignedIn` runs once a key is kept (this tab's sessionStorage only). */
export function mountSignIn(onSignedIn) {
  const key = el('input', {
    id: 'key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: false,
    required: true,
  });
  key.setAttribute('aria-describedby', 'key-hint sign-in-error');
  const error = el('p', { id: 'sign-in-error', className: 'error' });
  error.setAttribute('role', 'alert');
  const form = el(
    'form',
    { id: 'sign-in-form' },
    el('label', { htmlFor: 'key', textContent: 'API key' }),
    key,
    el('button', { type: 'submit', textContent: 'Sign in' }),
    el('p', {
      id: 'key-hint',
      className: 'hint',
      textContent: 'Kept only in this browser tab, and forgotten when the tab closes.',
    }),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = key.value.trim();
    key.value = '';
    if (!value) {
      error.textContent = 'Enter your API key.';
      return;
    }
    error.textContent = '';
    session.signIn(value);
    onSignedIn();
  });
  $('sign-in').append(el('h2', { id: 'sign-in-title', textContent: 'Sign in' }), form);
}

/** Shows the form again, with why (a refused or expired key), and puts the cursor in it. */
export function askToSignIn(message = '') {
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  $('key').focus();
}

/**
 * Who acted, by name: the API names the actor ({ type, id, name }); a bare id (an older answer)
 * is no name to show.
 */
export const actorName = (actor) =>
  (actor && typeof actor === 'object' ? actor.name : null) || null;
