// Issue 9: chains and fans of 100,000 nodes sent to a real `atelier serve` process over HTTP — run,
// cached re-run, `to`/`from` targets and a failing head — and the server still answers afterwards.
// Built-in node types only (a real server registers no test nodes): text.prompt feeds a chain of
// `output` nodes (any → any), each named differently so that each has its own cache key; image.load
// of a missing asset is the failing head. The flows are written as a person or script would (ids
// `n123`, positions spread out, pretty-printed): a 100,000-node flow is ~20–30 MiB of JSON, past the
// 16 MiB that once bounded request bodies (the limit is now MAX_JSON_BYTES, room for a flow at the node limit).
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';

const N = 100_000;

let root: string;
let child: ChildProcess;
let url: string;
let serverOutput = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-large-'));
  cpSync('flows', join(root, 'flows'), { recursive: true });
  child = spawn(process.execPath, ['bin/atelier.js', 'serve', '--port', '0'], {
    env: { ...process.env, ATELIER_DATA: join(root, 'data'), ATELIER_FLOWS: join(root, 'flows') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /running at (http:\/\/\S+?)\/?\s/.exec(out);
      if (match) resolve(match[1]);
    });
    child.stderr!.on('data', (chunk) => ((out += chunk), (serverOutput += chunk)));
    child.once('exit', (code) => reject(new Error(`atelier serve exited with ${code}: ${out}`)));
  });
}, 60_000);

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function id(i: number): string {
  return `n${i}`;
}

const at = (i: number) => ({ x: (i % 1000) * 240, y: Math.floor(i / 1000) * 160 });

/** head → 1 → 2 → … → length-1, every node after the head an `output` passing its value on. */
function chain(length: number, head = 'text.prompt', headParams: Record<string, unknown> = { text: 'x' }, named = true): Flow {
  const nodes: Flow['nodes'] = [{ id: id(0), type: head, position: at(0), params: headParams }];
  const edges: Flow['edges'] = [];
  const headPort = head === 'image.load' ? 'image' : 'text';
  for (let i = 1; i < length; i++) {
    nodes.push({ id: id(i), type: 'output', position: at(i), params: named ? { name: `out-${i}` } : {} });
    edges.push({ id: `e${i}`, source: id(i - 1), sourceHandle: i === 1 ? headPort : 'value', target: id(i), targetHandle: 'value' });
  }
  return { format: 'atelier.flow/1', name: 'chain', revision: 0, inputs: {}, outputs: {}, nodes, edges };
}

function fan(width: number): Flow {
  // text 'fan': no node shares a cache key with the chains'
  const nodes: Flow['nodes'] = [{ id: 'source', type: 'text.prompt', position: at(0), params: { text: 'fan' } }];
  const edges: Flow['edges'] = [];
  for (let i = 0; i < width; i++) {
    nodes.push({ id: id(i), type: 'output', position: at(i + 1), params: { name: `fan-${i}` } });
    edges.push({ id: `e${i}`, source: 'source', sourceHandle: 'text', target: id(i), targetHandle: 'value' });
  }
  return { format: 'atelier.flow/1', name: 'fan', revision: 0, inputs: {}, outputs: {}, nodes, edges };
}

async function run(flow: Flow, target?: { to: string } | { from: string }): Promise<RunRecord> {
  const body = JSON.stringify({ flow, ...(target ? { target } : {}) }, null, 2);
  // A fresh connection per run (no keep-alive): a pooled socket the server closed while a long run
  // was in progress would fail the next request with EPIPE.
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = httpRequest(`${url}/api/runs?wait=1`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', (error) => reject(new Error(`POST /api/runs failed (${error.message}; server exit code ${child.exitCode}); server said:\n${serverOutput.slice(-3000)}`)));
    request.end(body);
  });
  expect(status, text.slice(0, 500)).toBe(200);
  return JSON.parse(text) as RunRecord;
}

function counts(record: RunRecord): Record<string, number> {
  const result: Record<string, number> = {};
  for (const node of Object.values(record.nodes)) {
    const key = `${node.status}${node.cached ? ' cached' : ''}`;
    result[key] = (result[key] ?? 0) + 1;
  }
  return result;
}

async function serverAnswers(): Promise<void> {
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    httpRequest(`${url}/api/nodes`, { agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    })
      .on('error', reject)
      .end();
  });
  expect(status).toBe(200);
  expect((JSON.parse(text) as unknown[]).length).toBeGreaterThan(5);
  expect(child.exitCode).toBeNull();
}

/** The seqs of a run's events as SSE streams them from the start (the stream ends after run.finished). */
async function sseSeqs(runId: string): Promise<number[]> {
  const text = await new Promise<string>((resolve, reject) => {
    httpRequest(`${url}/api/runs/${runId}/events?since=0`, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  return [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
}

/** The seqs of a run's events as a WebSocket subscription replays them, up to run.finished. */
async function wsSeqs(runId: string): Promise<number[]> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws?runId=${runId}&since=0`);
  const seqs: number[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString()) as { type?: string; seq: number };
      if (event.type === undefined) return reject(new Error(data.toString())); // an error body: {error: {code, message}}
      seqs.push(event.seq);
      if (event.type === 'run.finished') resolve();
    });
    socket.on('error', reject);
  });
  socket.close();
  return seqs;
}

describe('100,000-node flows on a real server', () => {
  it('runs a chain, its cached re-run, and runs up to and from a node', async () => {
    const flow = chain(N);
    const length = flow.nodes.length;
    const first = await run(flow);
    expect(first.status).toBe('succeeded');
    expect(counts(first)).toEqual({ succeeded: length });
    expect(first.nodes[id(length - 1)].outputs.value).toBe('x');

    const again = await run(flow);
    expect(again.status).toBe('succeeded');
    expect(counts(again)).toEqual({ 'succeeded cached': length });

    const upTo = await run(flow, { to: id(60_000) });
    expect(upTo.status).toBe('succeeded');
    expect(Object.keys(upTo.nodes)).toHaveLength(60_001);

    const from = await run(flow, { from: id(50_000) });
    expect(from.status).toBe('succeeded');
    expect(from.nodes[id(49_999)].cached).toBe(true);
    expect(from.nodes[id(50_000)].cached).toBe(false);
    expect(Object.keys(from.nodes)).toHaveLength(length);
    await serverAnswers();
  }, 900_000);

  it('runs a chain of 100,000 identical nodes: all but the first two are cache hits within the run, settled without growing the stack', async () => {
    const record = await run(chain(N, 'text.prompt', { text: 'same' }, false));
    expect(record.status).toBe('succeeded');
    expect(counts(record)).toEqual({ succeeded: 2, 'succeeded cached': N - 2 });
    await serverAnswers();
  }, 900_000);

  it('skips the other 99,999 nodes when the head of a chain fails', async () => {
    const record = await run(chain(N, 'image.load', { asset: 'no-such-asset.png' }, false));
    expect(record.status).toBe('failed');
    expect(counts(record)).toEqual({ failed: 1, skipped: N - 1 });
    expect(record.nodes[id(N - 1)].error).toBe(`upstream node ${id(0)} failed`);
    // Its 100,000-odd events are replayed a page per turn: every one arrives, in order, to run.finished.
    const lastSeq = (record as RunRecord & { lastSeq: number }).lastSeq;
    expect(lastSeq).toBeGreaterThan(N);
    const all = Array.from({ length: lastSeq }, (_, i) => i + 1);
    const [sse, ws] = await Promise.all([sseSeqs(record.id), wsSeqs(record.id), serverAnswers()]);
    expect(sse).toEqual(all);
    expect(ws).toEqual(all);
    await serverAnswers();
  }, 900_000);

  it('runs a fan of one source into 99,999 nodes and its cached re-run', async () => {
    const flow = fan(N - 1);
    expect(counts(await run(flow))).toEqual({ succeeded: flow.nodes.length });
    expect(counts(await run(flow))).toEqual({ 'succeeded cached': flow.nodes.length });
    await serverAnswers();
  }, 900_000);
});
