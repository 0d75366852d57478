// Property-based attacks on a real server (fast-check): random and mutated flow documents, run
// requests, WebSocket messages, upload bodies and path segments. Whatever arrives, the server answers
// below 500, stays up, and every 4xx says what was wrong. Used by fuzz.test.ts (short, seeded) and by
// `npm run fuzz -- --runs N` (longer).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import WebSocket from 'ws';

export interface FuzzTarget {
  url: string;
}

export interface FuzzProperty {
  name: string;
  property: fc.IAsyncPropertyWithHooks<any>;
}

const example = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
const png = readFileSync('flows/assets/chelsea.png');

/** A 4xx must be { error: { code, message } } with both filled in; a 400 that lists issues names a field or a message in each. */
export function checkAnswer(what: string, status: number, text: string): void {
  if (status >= 500) throw new Error(`${what}: HTTP ${status}: ${text.slice(0, 500)}`);
  if (status < 400) return;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: HTTP ${status} without a JSON error body: ${text.slice(0, 200)}`);
  }
  const error = body?.error;
  if (typeof error?.code !== 'string' || !error.code || typeof error.message !== 'string' || !error.message) {
    throw new Error(`${what}: HTTP ${status} whose body does not say what was wrong: ${text.slice(0, 300)}`);
  }
  for (const issue of error.details?.issues ?? []) {
    if (!issue.field && !issue.nodeId && !issue.message) throw new Error(`${what}: an issue names nothing: ${JSON.stringify(issue)}`);
  }
}

async function post(target: FuzzTarget, path: string, body: string | Uint8Array, contentType: string) {
  const res = await fetch(target.url + path, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : new Blob([Buffer.from(body)]) });
  const text = await res.text();
  checkAnswer(`POST ${path}`, res.status, text);
  return { status: res.status, text };
}

/** Every path into a JSON value (iteratively: the example is small, but no recursion on principle). */
function pathsOf(value: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [[]];
  const stack: Array<[unknown, Array<string | number>]> = [[value, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const next = [...path, Array.isArray(node) ? Number(key) : key];
        out.push(next);
        stack.push([child, next]);
      }
    }
  }
  return out;
}

const examplePaths = pathsOf(example);
const nastyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'a'.repeat(65), '../x', 'toString', 'hasOwnProperty', '0');
const anyKey = fc.oneof(fc.string({ maxLength: 12 }), nastyKey);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), nastyKey, fc.constant(null), fc.double(), fc.string({ maxLength: 70 }));

/** The example flow with one place replaced, removed, or given an extra key. */
const mutatedFlow = fc
  .tuple(fc.constantFrom(...examplePaths), fc.oneof(fc.constant({ kind: 'delete' as const }), anyJson.map((value) => ({ kind: 'set' as const, value })), fc.tuple(anyKey, anyJson).map(([key, value]) => ({ kind: 'add' as const, key, value }))))
  .map(([path, change]) => {
    const flow = structuredClone(example);
    if (path.length === 0) return change.kind === 'set' ? change.value : flow;
    let parent: any = flow;
    for (const step of path.slice(0, -1)) parent = parent[step];
    const last = path.at(-1)!;
    if (change.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (change.kind === 'set') parent[last] = change.value;
    else if (parent[last] && typeof parent[last] === 'object') Object.defineProperty(parent[last], change.key, { value: change.value, enumerable: true, configurable: true, writable: true });
    return flow;
  });

const randomFlow = fc.record(
  {
    format: fc.oneof(fc.constant('atelier.flow/1'), fc.string({ maxLength: 20 })),
    name: fc.string({ maxLength: 30 }),
    nodes: fc.array(fc.record({ id: anyKey, type: fc.constantFrom('text.prompt', 'image.load', 'image.resize', 'output', 'no.such', 'flow:x'), position: fc.record({ x: fc.integer(), y: fc.integer() }), params: fc.dictionary(anyKey, anyJson, { maxKeys: 3 }) }, { requiredKeys: ['id', 'type'] }), { maxLength: 5 }),
    edges: fc.array(fc.record({ id: anyKey, source: anyKey, sourceHandle: anyKey, target: anyKey, targetHandle: anyKey }), { maxLength: 5 }),
    inputs: fc.dictionary(anyKey, fc.record({ node: anyKey, param: anyKey }), { maxKeys: 2 }),
  },
  { requiredKeys: ['format', 'nodes'] },
);

const flowDocument = fc.oneof(mutatedFlow, randomFlow);

/** JSON text, sometimes cut short or made deep, so the parser and the limits are hit too. */
const bodyText = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.tuple(value, fc.nat()).map(([v, n]) => (JSON.stringify(v) ?? '').slice(0, n)) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((n) => `{"flow":${'['.repeat(n)}${']'.repeat(n)}}`) },
  );

const runRequest = fc.record(
  {
    flowId: fc.oneof(fc.constantFrom('local-image-pipeline', 'no-such-flow', '', '../x', 'A'), fc.string({ maxLength: 90 })),
    flow: flowDocument,
    inputs: fc.dictionary(anyKey, anyJson, { maxKeys: 3 }),
    target: fc.oneof(fc.record({ to: anyKey }), fc.record({ from: anyKey }), anyJson),
  },
  { requiredKeys: [] },
);

const wsMessage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record({ type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'subscribe-runs'), fc.string({ maxLength: 12 })), runId: fc.oneof(anyKey, fc.string({ maxLength: 100 }), anyJson), since: fc.oneof(fc.integer(), fc.double(), anyJson) }, { requiredKeys: ['type'] })
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 60, max: 20_000 }).map((n) => '['.repeat(n)),
);

const uploadBody = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.nat({ max: png.length }).map((n) => png.subarray(0, n)),
  fc.tuple(fc.nat({ max: png.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
    const copy = Buffer.from(png);
    copy[at] = byte;
    return copy;
  }),
  fc.uint8Array({ maxLength: 512 }).map((tail) => Buffer.concat([png.subarray(0, 33), tail])),
);

const pathSegment = fc.oneof(
  fc.string({ maxLength: 100 }).map(encodeURIComponent),
  fc.constantFrom('..', '%2e%2e', '..%2F..%2Fpackage.json', '%00', '%ff', '%', '%2', 'a%2Fb', '%252e%252e', '__proto__', 'constructor', '0'.repeat(64), 'f'.repeat(65), '.', '~', ';', 'a?b', 'a#b'),
);

const PATHS = ['/api/flows/{}', '/api/runs/{}', '/api/runs/{}/flow', '/api/artifacts/{}', '/api/artifacts/{}/thumbnail', '/api/runs/{}/events', '/api/{}', '/{}', '/assets/{}'];

export function fuzzProperties(target: FuzzTarget): FuzzProperty[] {
  return [
    {
      name: 'flow documents: validate and save',
      property: fc.asyncProperty(bodyText(flowDocument.map((flow) => ({ flow }))), flowDocument, async (validateBody, flow) => {
        await post(target, '/api/flows/validate', validateBody, 'application/json');
        const created = await post(target, '/api/flows', JSON.stringify(flow) ?? 'null', 'application/json');
        if (created.status === 201) {
          const { id } = JSON.parse(created.text);
          const res = await fetch(`${target.url}/api/flows/${encodeURIComponent(id)}`, { method: 'DELETE' });
          checkAnswer('DELETE created flow', res.status, await res.text());
        }
      }),
    },
    {
      name: 'run requests',
      property: fc.asyncProperty(bodyText(runRequest), async (body) => {
        const res = await post(target, '/api/runs', body, 'application/json');
        if (res.status === 202) {
          const { runId } = JSON.parse(res.text);
          const record = await fetch(`${target.url}/api/runs/${runId}`);
          checkAnswer('GET started run', record.status, await record.text());
        }
      }),
    },
    {
      name: 'WebSocket messages',
      property: fc.asyncProperty(fc.array(wsMessage, { minLength: 1, maxLength: 5 }), async (messages) => {
        const ws = new WebSocket(`${target.url.replace('http', 'ws')}/api/ws`);
        const replies: any[] = [];
        const marker = `fuzz-${Math.random().toString(36).slice(2)}`;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer to the marker after ${JSON.stringify(messages).slice(0, 300)}`)), 10_000);
          ws.on('message', (data) => {
            const reply = JSON.parse((data as Buffer).toString());
            replies.push(reply);
            if (reply.error?.details?.runId === marker) {
              clearTimeout(timer);
              resolve();
            }
          });
          ws.once('close', (code) => (clearTimeout(timer), reject(new Error(`socket closed (${code}) after ${JSON.stringify(messages).slice(0, 300)}`))));
          ws.once('error', (e) => (clearTimeout(timer), reject(e)));
          ws.once('open', () => {
            for (const message of messages) ws.send(message);
            ws.send(JSON.stringify({ type: 'subscribe', runId: marker }));
          });
        });
        ws.close();
        for (const reply of replies) {
          if (reply.error && (!reply.error.code || !reply.error.message)) throw new Error(`a WebSocket error that names nothing: ${JSON.stringify(reply)}`);
        }
      }),
    },
    {
      name: 'upload bodies',
      property: fc.asyncProperty(uploadBody, fc.constantFrom('image/png', 'application/octet-stream', 'image/jpeg'), async (bytes, type) => {
        const res = await post(target, '/api/uploads', bytes, type);
        if (res.status === 201) {
          const { artifact } = JSON.parse(res.text);
          const thumb = await fetch(`${target.url}/api/artifacts/${artifact}/thumbnail`);
          checkAnswer('thumbnail of an accepted upload', thumb.status, await thumb.text());
          if (thumb.status !== 200) throw new Error(`an accepted upload has no thumbnail: HTTP ${thumb.status}`);
        }
      }),
    },
    {
      name: 'path segments',
      property: fc.asyncProperty(fc.constantFrom(...PATHS), pathSegment, fc.constantFrom('GET', 'DELETE', 'PUT', 'POST'), async (template, segment, method) => {
        const path = template.replace('{}', segment);
        let res: Response;
        try {
          res = await fetch(target.url + path, { method, ...(method === 'PUT' || method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
        } catch (error) {
          if ((error as Error).message.includes('Invalid URL') || (error as { cause?: Error }).cause?.message?.includes('Invalid URL')) return; // fetch refused to send it
          throw error;
        }
        const text = method === 'GET' && path.endsWith('/events') && res.status === 200 ? '' : await res.text();
        checkAnswer(`${method} ${path}`, res.status, text);
      }),
    },
  ];
}
