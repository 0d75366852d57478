// `?wait=1` answers that may take minutes. Clients give up on a request whose response headers do
// not come (Node's fetch after 300 s, proxies sooner), so a wait that outlasts keepAliveMs sends its
// headers at once and a newline every keepAliveMs until the value is ready: JSON allows whitespace
// before a value, so `await res.json()` and `json.loads` read the answer as if it had come at once.
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { StoredJson } from './stored-answer';

/**
 * Answers with `json(value of done)` (the route's typed 200); a rejection within keepAliveMs is thrown
 * as any handler's. The streamed answer is typed as that response too: its body is the same JSON.
 */
export async function answerWhenDone<T, R>(c: Context, done: Promise<T>, json: (value: T) => R, keepAliveMs: number, log: (message: string) => void): Promise<R> {
  const early = await within(done, keepAliveMs);
  if (early.settled) return json(early.value as T);
  c.header('content-type', 'application/json');
  return stream(c, async (body) => {
    for (;;) {
      let outcome: Settled;
      try {
        outcome = await within(done, keepAliveMs);
      } catch (error) {
        // The status went with the headers: the failure can only be the body.
        const message = error instanceof Error ? error.message : String(error);
        log(`a ?wait=1 answer failed after its headers were sent: ${message}`);
        await body.write(JSON.stringify({ error: { code: 'internal', message } }));
        return;
      }
      if (body.aborted) return; // the client left; the work goes on
      if (outcome.settled) {
        if (!(outcome.value instanceof StoredJson)) return void (await body.write(JSON.stringify(outcome.value)));
        try {
          for await (const chunk of outcome.value.stream()) {
            if (body.aborted) return;
            await body.write(chunk as Uint8Array);
          }
        } catch (error) {
          log(`a ?wait=1 answer was cut off: its stored JSON could not be read to its end (${(error as Error).message})`);
          body.abort();
        }
        return;
      }
      await body.write('\n');
    }
  }) as R;
}

type Settled = { settled: true; value: unknown } | { settled: false };

/** `done`'s value if it settles within `ms`; its rejection is rethrown. */
function within(done: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled>((resolve) => (timer = setTimeout(() => resolve({ settled: false }), ms)));
  return Promise.race([done.then((value): Settled => ({ settled: true, value })), late]).finally(() => clearTimeout(timer));
}
