// Large JSON bodies (≥ 1 MiB: flows of thousands of nodes) are read and parsed a few at a time, the
// others wait unread: many posted at once no longer grow the server by ~10× their size each. A ?wait=1
// run gives its body's slot back once it started, not when it finishes. Over real HTTP.
import { describe, expect, it } from 'vitest';
import { LARGE_BODIES_AT_ONCE, largeBodiesInProgress, largeBodiesWaiting } from '../../runtime/server/openapi';
import { buildFlow } from '../helpers/flow-builder';
import { until } from '../helpers/poll';
import { servePerTest } from '../helpers/serve-per-test';
import { testNodes, WaitGate } from '../helpers/test-nodes';

const serve = servePerTest();

/** A valid flow of `count` number nodes (~1.5 MiB for 15,000), after a held one when `held`. */
function largeFlow(count: number, held = false) {
  const nodes: Array<[string, string, Record<string, unknown>]> = Array.from({ length: count }, (_, i) => [`n${i}`, 'test.number', { value: i }]);
  if (held) nodes.push(['w', 'test.wait', {}]);
  return buildFlow(nodes, []);
}

const postJson = (url: string, path: string, body: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, ...init });

describe('large request bodies', () => {
  it(`reads ${LARGE_BODIES_AT_ONCE} at once; the next waits, a small one does not, and a client that gives up frees its slot`, async () => {
    const server = await serve({ nodes: testNodes() });
    const body = JSON.stringify({ flow: largeFlow(15_000) });
    expect(body.length).toBeGreaterThan(1 << 20);
    const stalled = Array.from({ length: LARGE_BODIES_AT_ONCE }, () => {
      const abort = new AbortController();
      // Declares its length, sends a little, then nothing: it holds a slot.
      const stream = new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode(body.slice(0, 1000))) });
      const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
      const answer = fetch(`${server.url}/api/flows/validate`, { method: 'POST', headers, body: stream, signal: abort.signal, duplex: 'half' } as RequestInit).catch((error: Error) => error);
      return { abort, answer };
    });
    await until('the stalled bodies to hold every slot', () => largeBodiesInProgress() === LARGE_BODIES_AT_ONCE);
    let answered = false;
    const waiting = postJson(server.url, '/api/flows/validate', body).then((answer) => ((answered = true), answer));
    await until('the next large body to wait for a slot', () => largeBodiesWaiting() === 1);
    const small = await postJson(server.url, '/api/flows/validate', JSON.stringify({ flow: largeFlow(3) }));
    expect(await small.json()).toMatchObject({ ok: true });
    expect(answered).toBe(false);
    stalled[0].abort.abort();
    expect(await (await waiting).json()).toMatchObject({ ok: true });
    for (const upload of stalled) upload.abort.abort();
    await Promise.all(stalled.map((upload) => upload.answer));
    await until('every slot to be free again', () => largeBodiesInProgress() === 0);
  });

  it('a ?wait=1 run of a large flow gives its slot back once it started', async () => {
    const gate = new WaitGate();
    // The answer waits up to keepAliveMs before it streams: given back only then would be too late here.
    const server = await serve({ nodes: testNodes(gate), keepAliveMs: 120_000 });
    const answer = postJson(server.url, '/api/runs?wait=1', JSON.stringify({ flow: largeFlow(15_000, true) }));
    await gate.waitForStarted(1);
    await until('the slot to be given back while the run waits', () => largeBodiesInProgress() === 0);
    gate.release();
    expect(await (await answer).json()).toMatchObject({ status: 'succeeded' });
  });
});
