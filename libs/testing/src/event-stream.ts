import http from 'node:http';

export interface ReceivedEvent {
  event: string;
  data: unknown;
  /** The SSE id, when the event has one. */
  id?: string;
}

export interface EventStreamClient {
  events: ReceivedEvent[];
  comments: string[];
  status: Promise<number>;
  /** Settles when the server ends the stream (or the connection drops). */
  ended: Promise<void>;
  close: () => void;
}

/** A minimal Server-Sent Events reader for tests: collects events and comments as they come. */
export function openEventStream(url: string, headers: Record<string, string>): EventStreamClient {
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  let resolveStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('close', resolveEnded);
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
        if (event && data !== undefined) {
          events.push({ event, data: JSON.parse(data), ...(id ? { id } : {}) });
        } else comments.push(...lines.filter((l) => l.startsWith(':')));
      }
    });
  });
  req.on('error', () => resolveEnded());
  return { events, comments, status, ended, close: () => req.destroy() };
}
