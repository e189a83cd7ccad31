import type { AlertEvent } from '@taperwatch/alerts';
import { isAfter } from './sse';

/**
 * Between subscribing and sending the events a board missed, live events wait here; once open,
 * it passes them on, leaving out those at or below the last event read from the log (they were
 * sent with the missed ones, or before the board left). Subscribing first means no event falls
 * between the log read and the live feed.
 */
export class LiveEventGate {
  private pending: AlertEvent[] | undefined = [];
  private sink: (event: AlertEvent) => void = () => undefined;
  private floor: string | undefined;

  push(event: AlertEvent): void {
    if (this.pending) this.pending.push(event);
    else this.pass(event);
  }

  /** Starts passing events to `sink`, the waiting ones first; `floor`: the last id already sent. */
  open(sink: (event: AlertEvent) => void, floor?: string): void {
    this.sink = sink;
    this.floor = floor;
    const waiting = this.pending ?? [];
    this.pending = undefined;
    waiting.forEach((event) => this.pass(event));
  }

  private pass(event: AlertEvent): void {
    if (this.floor && event.id && !isAfter(event.id, this.floor)) return;
    this.sink(event);
  }
}
