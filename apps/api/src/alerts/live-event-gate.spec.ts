import type { AlertEvent } from '@taperwatch/alerts';
import { LiveEventGate } from './live-event-gate';

const event = (id?: string) =>
  ({ type: 'alert.created', tenantId: 't', alert: { id: `alert-${id}` }, id }) as AlertEvent;

describe('LiveEventGate', () => {
  it('holds live events until open, then passes only those after the last one sent', () => {
    const gate = new LiveEventGate();
    const sent: (string | undefined)[] = [];
    gate.push(event('9'));
    gate.push(event('11'));
    gate.push(event('10'));
    gate.open((e) => sent.push(e.id), '10');
    gate.push(event('8'));
    gate.push(event('12'));
    gate.push(event(undefined));
    expect(sent).toEqual(['11', '12', undefined]);
  });

  it('passes everything when nothing was sent from the log', () => {
    const gate = new LiveEventGate();
    const sent: (string | undefined)[] = [];
    gate.push(event('3'));
    gate.open((e) => sent.push(e.id));
    gate.push(event('1'));
    expect(sent).toEqual(['3', '1']);
  });
});
