import { randomBytes } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { RunEvent } from '../../model/events';
import { RemoteRuns } from '../../runtime/cli/remote-run';
import { openDb } from '../../runtime/store/db';
import { startServer } from '../../runtime/server/serve';
import { buildFlow } from '../helpers/flow-builder';
import { servePerTest } from '../helpers/serve-per-test';
import { startTestServer } from '../helpers/server';
import { testNodes, WaitGate } from '../helpers/test-nodes';

const serve = servePerTest();

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const postRun = (url: string, body: unknown) =>
  fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The server answers a socket's messages in order: once this reply arrives, everything sent before it is in effect. */
async function settled(client: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const marker = `ping-${Math.random().toString(36).slice(2)}`;
  client.ws.send(JSON.stringify({ type: 'subscribe', runId: marker }));
  await client.next((e) => (e as unknown as { error?: { details?: { runId?: string } } }).error?.details?.runId === marker);
}

function connect(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; events: RunEvent[]; next(pred: (e: RunEvent) => boolean): Promise<RunEvent> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/api/ws', { headers });
    const events: RunEvent[] = [];
    const waiters: Array<[(e: RunEvent) => boolean, (e: RunEvent) => void]> = [];
    ws.on('message', (data) => {
      const event = JSON.parse((data as Buffer).toString());
      events.push(event);
      for (const [pred, done] of [...waiters]) {
        if (!pred(event)) continue;
        waiters.splice(waiters.findIndex((w) => w[1] === done), 1);
        done(event);
      }
    });
    ws.once('open', () =>
      resolve({
        ws,
        events,
        next: (pred) => new Promise((done) => {
          const seen = events.find(pred);
          if (seen) return done(seen);
          waiters.push([pred, done]);
        }),
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`ws refused: ${res.statusCode}`)));
  });
}

const waitFlow = buildFlow([['a', 'test.number', { value: 1 }], ['w', 'test.wait'], ['b', 'test.number', { value: 2 }]], ['a.value -> w.value', 'w.value -> b.add']);

describe('live events', () => {
  it('a client that reconnects mid-run with since gets exactly the missed events, then live ones', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate) });
    const { runId } = await (await postRun(server.url, { flow: waitFlow })).json();
    const first = await connect(server.url);
    first.ws.send(JSON.stringify({ type: 'subscribe', runId, since: 0 }));
    await first.next((e) => e.type === 'node.started' && e.nodeId === 'w');
    const lastSeen = first.events.at(-1)!.seq;
    first.ws.close();

    const second = await connect(server.url);
    second.ws.send(JSON.stringify({ type: 'subscribe', runId, since: lastSeen }));
    await gate.waitForStarted(1);
    await settled(second);
    gate.release();
    await second.next((e) => e.type === 'run.finished');
    const isEvent = (e: RunEvent) => typeof e.seq === 'number'; // not the settled() reply
    const all = [...first.events, ...second.events].filter(isEvent);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((e) => e.runId !== runId)).toEqual([]); // replayed from the store or live, each names its run
    expect(second.events.filter(isEvent)[0].seq).toBe(lastSeen + 1);
    expect(all.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded', runId });
    second.ws.close();
  });

  it('tells a second client about new runs with subscribe-runs', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate) });
    const watcher = await connect(server.url);
    watcher.ws.send(JSON.stringify({ type: 'subscribe-runs' }));
    await settled(watcher);
    const { runId } = await (await postRun(server.url, { flow: waitFlow, flowId: 'some-flow' })).json();
    const queued = await watcher.next((e) => e.type === 'run.queued');
    expect(queued).toMatchObject({ runId, flowId: 'some-flow' });
    gate.release();
    await gate.waitForStarted(1);
    gate.release();
    watcher.ws.close();
  });

  it('answers a bad ws message with an error object', async () => {
    const server = await serve();
    const client = await connect(server.url);
    client.ws.send('not json');
    expect(await client.next(() => true)).toMatchObject({ error: { code: 'bad_message' } });
    client.ws.close();
  });

  it('ends a replay whose stored events cannot be read with store_unavailable, on a socket that stays usable, and ends the SSE stream', async () => {
    const server = await serve({ nodes: testNodes() });
    const flow = buildFlow([['a', 'test.number', { value: 1 }], ['b', 'test.number']], ['a.value -> b.add']);
    const broken = (await (await fetch(`${server.url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flow }) })).json()).id;
    const sound = (await (await fetch(`${server.url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flow: { ...flow, name: 'other' } }) })).json()).id;
    // A damaged row (a bad sector, a hand edit): what the database answers is not the events' JSON.
    const db = openDb(join(server.dataDir, 'atelier.db'));
    expect(db.prepare("UPDATE events SET json = 'not json' WHERE run_id = ?").run(broken).changes).toBeGreaterThan(0);
    db.close();

    const client = await connect(server.url);
    client.ws.send(JSON.stringify({ type: 'subscribe', runId: broken, since: 0 }));
    const failure = (await client.next((e) => (e as unknown as { error?: unknown }).error !== undefined)) as unknown as { error: { code: string; message: string; details: { runId: string } } };
    expect(failure.error).toMatchObject({ code: 'store_unavailable', details: { runId: broken } });
    expect(failure.error.message).toContain('subscribe again');
    client.ws.send(JSON.stringify({ type: 'subscribe', runId: sound, since: 0 }));
    expect(await client.next((e) => e.runId === sound && e.type === 'run.finished')).toMatchObject({ status: 'succeeded' });
    client.ws.close();

    const stream = await fetch(`${server.url}/api/runs/${broken}/events?since=0`);
    expect(stream.status).toBe(200);
    expect(await stream.text()).not.toContain('run.finished'); // it ends, instead of hanging
    expect(server.logs.join('\n')).not.toMatch(/unexpected error/);
  });

  it('a client that stops reading during a 40,000-node run gets every event once, in order, when it reads again', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate) });
    const nodes: Array<[string, string, Record<string, unknown>?]> = [['w', 'test.wait']];
    const edges: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      nodes.push([`n${i}`, 'test.number', { value: 1 }]);
      edges.push(`${i === 0 ? 'w' : `n${i - 1}`}.value -> n${i}.add`);
    }
    const { runId } = await (await postRun(server.url, { flow: buildFlow(nodes, edges) })).json();
    const client = await connect(server.url);
    client.ws.send(JSON.stringify({ type: 'subscribe', runId, since: 0 }));
    await client.next((e) => e.type === 'node.started' && e.nodeId === 'w');
    // Past the kernel's socket buffers the server's own buffer fills: it sends the rest from the store as it drains.
    (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    gate.release();
    await until(() => !server.atelier.runs.isLive(runId));
    (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const finished = await client.next((e) => e.type === 'run.finished');
    expect(finished).toMatchObject({ status: 'succeeded' });
    const seqs = client.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: finished.seq }, (_, i) => i + 1));
  });

  it('pings WebSocket clients and drops one that stops answering pings', async () => {
    const server = await serve({ keepAliveMs: 30 });
    const answering = await connect(server.url);
    let pings = 0;
    answering.ws.on('ping', () => pings++);
    const silent = new WebSocket(server.url.replace('http', 'ws') + '/api/ws', { autoPong: false });
    const closeCode = new Promise<number>((resolve) => silent.once('close', resolve));
    expect(await closeCode).toBe(1006); // terminated: no close frame for a client that is gone
    await until(() => pings >= 3);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    answering.ws.close();
  });

  it('closes WebSockets with 1001 when the server shuts down, so editors reconnect to the next one', async () => {
    const server = await startTestServer();
    const client = await connect(server.url);
    const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
    await server.close();
    expect(await closed).toBe(1001);
  });

  it('shuts down although a client never answers the close frame', async () => {
    const server = await startTestServer();
    const { port } = new URL(server.url);
    const socket = connectTcp(Number(port), '127.0.0.1');
    socket.write(`GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    await until(() => received.startsWith('HTTP/1.1 101'));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    await server.close(); // hangs (ws waits 30 s, the test 5 s) unless the server cuts the silent client off
    await ended;
  }, 5000);

  it('keeps silent event streams (a run\'s, a batch\'s) alive with SSE comments, which `atelier run` skips', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate), keepAliveMs: 20 });
    const { runId } = await (await postRun(server.url, { flow: waitFlow })).json();
    const batchFlow = buildFlow([['a', 'test.number'], ['w', 'test.wait']], ['a.value -> w.value'], { inputs: { v: { node: 'a', param: 'value' } } });
    const batch = await fetch(`${server.url}/api/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flow: batchFlow, sweep: { v: [7] } }) });
    const { batchId } = await batch.json();
    const followed: RunEvent[] = [];
    const following = new RemoteRuns(server.url, undefined).follow(runId, (event) => followed.push(event));
    const streams = [`/api/runs/${runId}/events?since=0`, `/api/batches/${batchId}/events`];
    const readers = await Promise.all(streams.map(async (path) => ({ reader: (await fetch(server.url + path)).body!.getReader(), text: '' })));
    const decoder = new TextDecoder();
    const readUntil = async (stream: (typeof readers)[number], done: (text: string) => boolean) => {
      while (!done(stream.text)) stream.text += decoder.decode((await stream.reader.read()).value);
    };
    // While the wait nodes hold both runs no event comes: only keep-alives.
    await Promise.all(readers.map((stream) => readUntil(stream, (text) => (text.match(/^: keep-alive\n\n/gm) ?? []).length >= 3)));
    await gate.waitForStarted(2);
    gate.release();
    await readUntil(readers[0], (text) => text.includes('event: run.finished'));
    await readUntil(readers[1], (text) => text.includes('event: batch.finished'));
    await following;
    const stored = await (await fetch(`${server.url}/api/runs/${runId}/events?since=0`)).text();
    const storedSeqs = [...stored.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(followed.map((e) => e.seq)).toEqual(storedSeqs);
    expect(followed.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
  });

  it('answers a long ?wait=1 (run, batch) with its headers at once, then the JSON after newlines', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate), keepAliveMs: 20 });
    const batchFlow = buildFlow([['a', 'test.number'], ['w', 'test.wait']], ['a.value -> w.value'], { inputs: { v: { node: 'a', param: 'value' } } });
    // fetch resolves at the headers: these could not resolve while the wait nodes hold the work.
    const post = (path: string, body: unknown) => fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const [run, batch] = await Promise.all([post('/api/runs?wait=1', { flow: waitFlow }), post('/api/batches?wait=1', { flow: batchFlow, sweep: { v: [3] } })]);
    for (const answer of [run, batch]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/json');
    }
    // While the work waits, the answers are newlines.
    const readers = [run, batch].map((answer) => ({ reader: answer.body!.getReader(), text: '' }));
    const decoder = new TextDecoder();
    for (const stream of readers) while (stream.text.length < 2) stream.text += decoder.decode((await stream.reader.read()).value);
    for (const stream of readers) expect(stream.text).toBe('\n\n');
    await gate.waitForStarted(2);
    gate.release();
    for (const stream of readers) {
      for (let chunk = await stream.reader.read(); !chunk.done; chunk = await stream.reader.read()) stream.text += decoder.decode(chunk.value);
    }
    const [runText, batchText] = readers.map((stream) => stream.text);
    expect(JSON.parse(runText)).toMatchObject({ status: 'succeeded', lastSeq: expect.any(Number) });
    expect(JSON.parse(batchText)).toMatchObject({ status: 'succeeded' });
  });

  it('cancels a running run through the API', async () => {
    const gate = new WaitGate();
    const server = await serve({ nodes: testNodes(gate) });
    const { runId } = await (await postRun(server.url, { flow: waitFlow })).json();
    await gate.waitForStarted(1);
    const res = await fetch(`${server.url}/api/runs/${runId}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    const record = await (await fetch(`${server.url}/api/runs/${runId}`)).json();
    expect(record.status).toBe('cancelled');
    expect(record.nodes.w.status).toBe('cancelled');
    expect(record.nodes.b.status).toBe('skipped');
  });

  it('keeps the cache across a server restart on the same data dir', async () => {
    const first = await startTestServer({ keep: true });
    onTestFinished(() => rmSync(dirname(first.dataDir), { recursive: true, force: true }));
    const post = (url: string) =>
      fetch(`${url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'local-image-pipeline' }) }).then((r) => r.json());
    const a = await post(first.url);
    await first.close();
    const second = await serve({ dataDir: first.dataDir, flowsDir: first.flowsDir });
    const b = await post(second.url);
    expect(b.outputs).toEqual(a.outputs);
    expect(Object.values(b.nodes).every((n) => (n as { cached: boolean }).cached)).toBe(true);
  });

  it('with ATELIER_RETENTION_DAYS removes old runs in the background while it answers', async () => {
    const first = await startTestServer({ keep: true });
    onTestFinished(() => rmSync(dirname(first.dataDir), { recursive: true, force: true }));
    const old = await postRun(first.url, { flowId: 'local-image-pipeline' }).then((r) => r.json());
    await first.atelier.runs.wait(old.runId);
    await first.close();
    const db = openDb(join(first.dataDir, 'atelier.db'));
    db.prepare("UPDATE runs SET started_at = '2020-01-01T00:00:00.000Z', finished_at = '2020-01-01T00:00:01.000Z'").run();
    db.close();
    const second = await serve({ dataDir: first.dataDir, flowsDir: first.flowsDir, env: { ATELIER_RETENTION_DAYS: '30' } });
    expect((await fetch(`${second.url}/api/providers`)).status).toBe(200);
    await until(() => second.logs.some((line) => line.startsWith('retention (30 days):')));
    expect(second.logs.find((line) => line.startsWith('retention'))).toMatch(/^retention \(30 days\): removed 1 run\(s\), \d+ event\(s\)/);
    expect((await fetch(`${second.url}/api/runs/${old.runId}`)).status).toBe(404);
  });
});

describe('binding and auth', () => {
  it('refuses to listen beyond loopback without ATELIER_TOKEN', async () => {
    await expect(startServer({ host: '0.0.0.0', port: 0, env: {}, dataDir: '/tmp/atelier-never' })).rejects.toThrow(/ATELIER_TOKEN/);
  });

  it('requires the bearer token on HTTP and WebSocket when bound beyond loopback', async () => {
    const server = await serve({ host: '0.0.0.0', token: 's3cret-token' });
    const url = server.url.replace('0.0.0.0', '127.0.0.1');
    const denied = await fetch(`${url}/api/flows`);
    expect(denied.status).toBe(401);
    expect((await denied.json()).error.code).toBe('unauthorized');
    expect((await fetch(`${url}/api/flows`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${url}/api/flows`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    await expect(connect(url)).rejects.toThrow(/401/);
    const ok = await connect(url, { authorization: 'Bearer s3cret-token' });
    ok.ws.close();
  });
});
