import type { ServerResponse } from 'node:http';
import type { AlertEvent } from '@taperwatch/alerts';
import { sseMessage } from './sse';

/** Comments keep proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** An open SSE response of alert events: headers, each event with its id, and heartbeats. */
export class AlertStreamResponse {
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly raw: ServerResponse,
    requestId: string,
  ) {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
    });
    raw.write(': connected\n\n');
    this.heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
  }

  send(event: AlertEvent): void {
    const data = event.fromUnitId
      ? { ...event.alert, transferredFrom: event.fromUnitId }
      : event.alert;
    this.raw.write(sseMessage(event.type, data, event.id));
  }

  /** What was missed cannot all be sent: the client should reload its lists. */
  sendReset(): void {
    this.raw.write(sseMessage('stream.reset', { reason: 'missed events cannot all be sent' }));
  }

  /** Calls `listener` once the response is over (ended here or by the client). */
  onClose(listener: () => void): void {
    const close = () => {
      clearInterval(this.heartbeat);
      listener();
    };
    if (this.raw.destroyed) close();
    else this.raw.once('close', close);
  }

  end(): void {
    this.raw.end();
  }
}
