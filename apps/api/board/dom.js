// Small DOM helpers shared by the board's modules: text goes in through textContent only, never
// as HTML, so nothing the API returns can run in the page.
import { ApiError } from './api.js';

export const $ = (id) => document.getElementById(id);

/** Creates an element: `props` are properties (textContent, className, dataset via data), then children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { data, ...rest } = props;
  Object.assign(node, rest);
  Object.assign(node.dataset, data ?? {});
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** The outcome of the nurse's own action (a polite live region). */
export function say(message) {
  $('status').textContent = message;
}

/** News from the stream, read out by screen readers at once. */
export function announce(message) {
  $('announcer').textContent = message;
}

export function problemText(error) {
  return error instanceof ApiError ? error.message : 'The server could not be reached.';
}

/**
 * The confirmation dialog, with a note (optional, or required as `noteLabel` says) and, when
 * `time` is given ({ label, value: 'HH:MM' }), a time field. Resolves with { note, time } when
 * confirmed, or null when cancelled (button or Escape); focus returns to what opened it.
 */
export function confirmAction({ title, text, confirm, noteLabel, noteRequired = false, time }) {
  const dialog = $('confirm');
  const opener = document.activeElement;
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = confirm;
  $('confirm-note').value = '';
  $('confirm-note').required = noteRequired;
  $('confirm-note-label').textContent = noteLabel ?? 'Note (optional)';
  $('confirm-time-field').hidden = !time;
  $('confirm-time').required = Boolean(time);
  if (time) {
    $('confirm-time-label').textContent = time.label;
    $('confirm-time').value = time.value;
  }
  dialog.returnValue = '';
  dialog.showModal();
  if (time) $('confirm-time').focus();
  else if (noteRequired) $('confirm-note').focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (opener?.isConnected) opener.focus();
        const note = $('confirm-note').value.trim();
        resolve(
          dialog.returnValue === 'confirm'
            ? { note: note || undefined, time: time ? $('confirm-time').value : undefined }
            : null,
        );
      },
      { once: true },
    );
  });
}

$('confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  $('confirm').close('confirm');
});
$('confirm-cancel').addEventListener('click', () => $('confirm').close(''));
