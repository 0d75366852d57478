// GET /api/runs/:id of a live run: a large record is serialised a slice per event-loop turn as the
// client reads it (no content-length: streamed), with lastSeq at the end, and says the same as the
// record in memory; a small one is answered in one piece as before. Over real HTTP.
import { expect, it } from 'vitest';
import { RECORD_NODES_IN_TURNS } from '../../runtime/store/runs';
import { buildFlow } from '../helpers/flow-builder';
import { until } from '../helpers/poll';
import { servePerTest } from '../helpers/serve-per-test';
import { testNodes, WaitGate } from '../helpers/test-nodes';

const serve = servePerTest();

/** `count` number nodes and one held node: the run stays live, every other node finished. */
function heldFlow(count: number) {
  const nodes: Array<[string, string, Record<string, unknown>]> = Array.from({ length: count }, (_, i) => [`n${i}`, 'test.number', { value: i }]);
  nodes.push(['w', 'test.wait', {}]);
  return buildFlow(nodes, []);
}

it('streams a large live record, lastSeq at the end, as the record in memory says; a small one comes whole', async () => {
  const gate = new WaitGate();
  const server = await serve({ nodes: testNodes(gate) });
  for (const [count, streamed] of [[RECORD_NODES_IN_TURNS + 100, true], [50, false]] as const) {
    const started = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flow: heldFlow(count) }) });
    const { runId } = (await started.json()) as { runId: string };
    await until('every number node finished, the wait node running', () => {
      const record = server.atelier.runs.get(runId)!;
      return record.nodes.w?.status === 'running' && Object.values(record.nodes).filter((node) => node.status === 'succeeded').length === count;
    });
    const answer = await fetch(`${server.url}/api/runs/${runId}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('content-length') === null, `${count} nodes streamed`).toBe(streamed);
    const body = (await answer.json()) as { status: string; nodes: Record<string, unknown>; lastSeq: number };
    expect(body).toEqual({ ...JSON.parse(JSON.stringify(server.atelier.runs.get(runId))), lastSeq: server.atelier.runs.lastSeq(runId) });
    expect(body.status).toBe('running');
    expect(Object.keys(body.nodes)).toHaveLength(count + 1);
    gate.release();
    await until('the run finished', () => !server.atelier.runs.isLive(runId));
  }
});
