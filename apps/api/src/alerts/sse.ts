import { ProblemException } from '@taperwatch/http';

/** One Server-Sent Events message; `id` is what the client sends back as Last-Event-ID. */
export function sseMessage(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Stream ids are the log's positive integers; anything else is the caller's mistake (400). */
export function parseLastEventId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (!/^[1-9]\d{0,18}$/.test(trimmed) || BigInt(trimmed) > 9223372036854775807n) {
    throw ProblemException.validation([
      { field: 'Last-Event-ID', message: 'must be the id of an event this stream sent' },
    ]);
  }
  return trimmed;
}

/** Whether an event id (a bigint as text) comes after another. */
export function isAfter(id: string, than: string): boolean {
  return BigInt(id) > BigInt(than);
}
