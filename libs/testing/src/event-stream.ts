import http from 'node:http';

export interface ReceivedEvent {
  event: string;
  data: unknown;
}

export interface EventStreamClient {
  events: ReceivedEvent[];
  comments: string[];
  status: Promise<number>;
  close: () => void;
}

/** A minimal Server-Sent Events reader for tests: collects events and comments as they come. */
export function openEventStream(url: string, headers: Record<string, string>): EventStreamClient {
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  let resolveStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (event && data !== undefined) events.push({ event, data: JSON.parse(data) });
        else comments.push(...lines.filter((l) => l.startsWith(':')));
      }
    });
  });
  req.on('error', () => undefined);
  return { events, comments, status, close: () => req.destroy() };
}
