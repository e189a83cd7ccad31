// The board's only way to the server. The nurse's key lives in sessionStorage (this tab only,
// gone when it closes) and travels in the Authorization header: never in a URL or a cookie.

const STORAGE_KEY = 'taperwatch.board.key';

export const session = {
  key: () => sessionStorage.getItem(STORAGE_KEY),
  signIn: (key) => sessionStorage.setItem(STORAGE_KEY, key),
  signOut: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** A refused call: `status` is the HTTP status, the message the problem's detail. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `The server answered ${status}`);
    this.status = status;
  }
}

async function refusal(res) {
  return new ApiError(res.status, await res.json().catch(() => null));
}

/** A random Idempotency-Key (crypto.randomUUID needs a secure context; a ward LAN may not be). */
function idempotencyKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

/**
 * Calls the API with the key. JSON bodies in; JSON out, or text when `accept` asks for another
 * type (the chart is SVG). A POST that creates something gets an Idempotency-Key.
 */
export async function api(path, { method = 'GET', body, accept = 'application/json' } = {}) {
  const headers = { authorization: `Bearer ${session.key()}`, accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = idempotencyKey();
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (!res.ok) throw await refusal(res);
  return accept === 'application/json' ? res.json() : res.text();
}

/** Every item of a paged list ({ items, nextCursor }). */
export async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const url = new URL(path, location.origin);
    url.searchParams.set('limit', '200');
    if (cursor) url.searchParams.set('cursor', cursor);
    const page = await api(url.pathname + url.search);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** One SSE message block → { event, data, id } (data parsed as JSON), or null for comments. */
function parseMessage(block) {
  let event = 'message';
  let id;
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue; // ": heartbeat" comments
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')), id } : null;
}

/**
 * Reads GET /v1/alerts/stream with fetch() and a stream reader, because EventSource cannot send
 * the Authorization header. Calls onOpen() once the server accepts, then onEvent(type, alert, id)
 * per event. `lastEventId` (the id of the last event seen) is sent as Last-Event-ID, as
 * EventSource would: the server first sends what came since. Returns when the server ends the
 * stream; throws on a network error, a refusal
 * (ApiError) or silence: the server sends a comment every 15 s, so nothing for `idleMs` means a
 * dead connection, which is aborted.
 */
export async function readAlertStream({ signal, onOpen, onEvent, lastEventId, idleMs = 40_000 }) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  let idle;
  const stillAlive = () => {
    clearTimeout(idle);
    idle = setTimeout(abort, idleMs);
  };
  try {
    stillAlive();
    const res = await fetch('/v1/alerts/stream', {
      headers: {
        authorization: `Bearer ${session.key()}`,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      cache: 'no-store',
      signal: controller.signal,
    });
    if (!res.ok) throw await refusal(res);
    onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stillAlive();
      buffer += value; // the server ends lines with \n alone
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = parseMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message) onEvent(message.event, message.data, message.id);
      }
    }
  } finally {
    clearTimeout(idle);
    signal.removeEventListener('abort', abort);
  }
}
