// A batch live: at most ATELIER_BATCH_CONCURRENCY runs execute at once (the rest wait their turn),
// cancel stops all of them, and batch.finished reaches WebSocket clients that subscribed to runs.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlow } from '../helpers/flow-builder';
import { startTestServer, type TestServer } from '../helpers/server';
import { testNodes, WaitGate } from '../helpers/test-nodes';
import { client } from './helpers';

const gate = new WaitGate();
let server: TestServer;
let http: ReturnType<typeof client>;
beforeAll(async () => {
  server = await startTestServer({ nodes: testNodes(gate), env: { ATELIER_BATCH_CONCURRENCY: '2' } });
  http = client(server.url);
});
afterAll(() => server.close());

const waitFlow = () => buildFlow([['w', 'test.wait', { tag: 'x' }]], [], { inputs: { tag: { node: 'w', param: 'tag' } } });

function listen(): Promise<{ ws: WebSocket; messages: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/ws');
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => messages.push(JSON.parse((data as Buffer).toString())));
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe-runs' }));
      resolve({ ws, messages });
    });
    ws.on('error', reject);
  });
}

async function until<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('batches live', () => {
  it('runs two at a time (ATELIER_BATCH_CONCURRENCY=2), the third when one ends; batch.finished reaches subscribe-runs clients', async () => {
    const { ws, messages } = await listen();
    try {
      const before = gate.started.length;
      gate.maxActive = gate.active;
      const { batchId, runIds } = await (await http.postJson('/api/batches', { flow: waitFlow(), sweep: { tag: ['a', 'b', 'c'] } })).json();
      await gate.waitForStarted(before + 2);
      expect(gate.active).toBe(2);
      const third = await (await http.api(`/api/runs/${runIds[2]}`)).json();
      expect(third.status).toBe('queued');
      gate.release();
      await gate.waitForStarted(before + 3);
      gate.release();
      const finished = await until(() => messages.find((m) => m.type === 'batch.finished' && m.batchId === batchId));
      expect(finished).toMatchObject({ status: 'succeeded', runIds });
      expect(gate.maxActive).toBe(2);
    } finally {
      ws.close();
    }
  });

  it('cancel stops the running run and every queued one', async () => {
    const { batchId, runIds } = await (await http.postJson('/api/batches', { flow: waitFlow(), sweep: { tag: ['c', 'd', 'e'] } })).json();
    await until(() => (gate.active === 2 ? true : undefined));
    const cancelled = await (await http.api(`/api/batches/${batchId}/cancel`, { method: 'POST' })).json();
    expect(cancelled.id).toBe(batchId);
    const batch = await (await http.api(`/api/batches/${batchId}?wait=1`)).json();
    expect(batch.status).toBe('cancelled');
    expect(batch.runs.map((r: { status: string }) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(runIds).toHaveLength(3);
  });
});
