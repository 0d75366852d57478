// The JSON of an event as subscribers get it, made once however many follow the run: each WebSocket
// and SSE subscriber stringified every live event itself, so the serialising grew with the followers
// (a 100,000-node run emits 200,000 events; each follower added ~1.5 µs per event).
const made = new WeakMap<object, string>();

export function eventJson(event: object): string {
  // run.finished is left out: a final commit that fails rewrites its status after it was emitted.
  if ((event as { type?: unknown }).type === 'run.finished') return JSON.stringify(event);
  let json = made.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    made.set(event, json);
  }
  return json;
}
