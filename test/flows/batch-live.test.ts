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

type Message = Record<string, unknown>;

/** A WebSocket subscribed to runs; `next(match)` resolves with the first message (seen or to come) that matches. */
function listen(): Promise<{ ws: WebSocket; next(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/ws');
    const messages: Message[] = [];
    ws.on('message', (data) => messages.push(JSON.parse((data as Buffer).toString())));
    const next = (match: (m: Message) => boolean, timeoutMs = 10_000) =>
      new Promise<Message>((found, fail) => {
        const seen = messages.find(match);
        if (seen) return found(seen);
        const timer = setTimeout(() => (ws.off('message', hear), fail(new Error('no matching message in time'))), timeoutMs);
        const hear = (data: Buffer) => {
          const message = JSON.parse(data.toString()) as Message;
          if (!match(message)) return;
          clearTimeout(timer);
          ws.off('message', hear);
          found(message);
        };
        ws.on('message', hear);
      });
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe-runs' }));
      resolve({ ws, next });
    });
    ws.on('error', reject);
  });
}

describe('batches live', () => {
  it('runs two at a time (ATELIER_BATCH_CONCURRENCY=2), the third when one ends; batch.finished reaches subscribe-runs clients', async () => {
    const { ws, next } = await listen();
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
      const finished = await next((m) => m.type === 'batch.finished' && m.batchId === batchId);
      expect(finished).toMatchObject({ status: 'succeeded', runIds });
      expect(gate.maxActive).toBe(2);
    } finally {
      ws.close();
    }
  });

  it('cancel stops the running run and every queued one', async () => {
    const before = gate.started.length;
    const { batchId, runIds } = await (await http.postJson('/api/batches', { flow: waitFlow(), sweep: { tag: ['c', 'd', 'e'] } })).json();
    await gate.waitForStarted(before + 2);
    expect(gate.active).toBe(2);
    const cancelled = await (await http.api(`/api/batches/${batchId}/cancel`, { method: 'POST' })).json();
    expect(cancelled.id).toBe(batchId);
    const batch = await (await http.api(`/api/batches/${batchId}?wait=1`)).json();
    expect(batch.status).toBe('cancelled');
    expect(batch.runs.map((r: { status: string }) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(runIds).toHaveLength(3);
  });
});
