// A script that posts runs faster than they finish: past ATELIER_MAX_LIVE_RUNS / _NODES the server
// answers 429 too_many_runs (Retry-After) and records nothing; once runs finish it takes new ones. A
// run or batch that could never fit is a 400 limit_exceeded. Over real HTTP, runs held by a gate.
import { describe, expect, it } from 'vitest';
import { buildFlow } from '../helpers/flow-builder';
import { servePerTest } from '../helpers/serve-per-test';
import { testNodes, WaitGate } from '../helpers/test-nodes';

const serve = servePerTest();

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** One held node, tagged so that no two runs share it; plus `extra` number nodes. */
function heldFlow(tag: string, extra = 0) {
  const numbers = Array.from({ length: extra }, (_, i): [string, string, Record<string, unknown>] => [`n${i}`, 'test.number', { value: i }]);
  return buildFlow([['w', 'test.wait', { tag }], ...numbers], [], { inputs: { tag: { node: 'w', param: 'tag' } } });
}

async function runCount(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/runs?limit=1000`)).json()) as unknown[]).length;
}

describe('live-run budget', () => {
  it('refuses runs and batches past ATELIER_MAX_LIVE_RUNS with 429 and takes them again once runs finish', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate), env: { ATELIER_MAX_LIVE_RUNS: '2' } });
    const held = await Promise.all(['a', 'b'].map(async (tag) => (await post(server.url, '/api/runs', { flow: heldFlow(tag) })).json()));
    await gate.waitForStarted(2);

    const refused = await post(server.url, '/api/runs', { flow: heldFlow('c') });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = await refused.json();
    expect(body.error).toMatchObject({ code: 'too_many_runs', details: { liveRuns: 2, maxLiveRuns: 2 } });
    expect(body.error.message).toContain('ATELIER_MAX_LIVE_RUNS');
    const batch = await post(server.url, '/api/batches', { flow: heldFlow('d'), sweep: { tag: ['x', 'y'] } });
    expect(batch.status).toBe(429);
    expect((await batch.json()).error.code).toBe('too_many_runs');
    expect(await runCount(server.url)).toBe(2); // nothing recorded for the refused ones

    gate.release();
    for (const { runId } of held) expect((await (await fetch(`${server.url}/api/runs/${runId}?wait=1`)).json()).status).toBe('succeeded');
    const again = await post(server.url, '/api/batches', { flow: heldFlow('e'), sweep: { tag: ['x', 'y'] } });
    expect(again.status).toBe(202);
    await gate.waitForStarted(4);
    gate.release();
    const { batchId } = await again.json();
    expect((await (await fetch(`${server.url}/api/batches/${batchId}?wait=1`)).json()).status).toBe('succeeded');
  });

  it('counts nodes against ATELIER_MAX_LIVE_NODES; a run that could never fit is a 400 naming the flow', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate), env: { ATELIER_MAX_LIVE_NODES: '6' } });
    const { runId } = await (await post(server.url, '/api/runs', { flow: heldFlow('a', 2) })).json();
    await gate.waitForStarted(1);

    const refused = await post(server.url, '/api/runs', { flow: heldFlow('b', 3) });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toMatchObject({ code: 'too_many_runs', details: { liveNodes: 3, maxLiveNodes: 6 } });
    const never = await post(server.url, '/api/runs', { flow: heldFlow('c', 6) });
    expect(never.status).toBe(400);
    const error = (await never.json()).error;
    expect(error).toMatchObject({ code: 'limit_exceeded', details: { field: 'flow.nodes', maxLiveNodes: 6 } });
    expect(error.message).toContain('ATELIER_MAX_LIVE_NODES');
    const fits = await post(server.url, '/api/runs', { flow: heldFlow('d', 2) });
    expect(fits.status).toBe(202);

    await gate.waitForStarted(2);
    gate.release();
    expect((await (await fetch(`${server.url}/api/runs/${runId}?wait=1`)).json()).status).toBe('succeeded');
    expect((await (await fetch(`${server.url}/api/runs/${(await fits.json()).runId}?wait=1`)).json()).status).toBe('succeeded');
  });
});
