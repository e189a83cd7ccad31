// The board's shared feedback: the status line, the screen-reader announcer and the
// confirmation dialog, used by the alerts and the worklist alike.
import { ApiError } from './api.js';
import { $ } from './dom.js';

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
