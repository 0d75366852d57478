import { expect, it } from 'vitest';
import { eventJson } from './event-json';

/** An event whose serialisations are counted (JSON.stringify calls toJSON once per serialisation). */
function counted(type: string) {
  const event = { type, nodeId: 'n1', serialised: 0, toJSON: () => (event.serialised++, { type, nodeId: 'n1' }) };
  return event;
}

it('serialises an event once however many subscribers send it', () => {
  const event = counted('node.finished');
  const sent = Array.from({ length: 16 }, () => eventJson(event));
  expect(new Set(sent)).toEqual(new Set(['{"type":"node.finished","nodeId":"n1"}']));
  expect(event.serialised).toBe(1);
  const other = counted('node.finished');
  eventJson(other);
  expect(other.serialised).toBe(1); // another object is its own
});

it('serialises run.finished each time: a failed final commit changes its status after it was emitted', () => {
  const event = counted('run.finished');
  eventJson(event);
  eventJson(event);
  expect(event.serialised).toBe(2);
});
