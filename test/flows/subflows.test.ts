// Subflows: a saved flow used as a node `flow:<id>` — catalog entry, inline run with path ids,
// cached re-run, exactly the edited inner nodes re-run, recursion rejected.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { buildFlow } from '../helpers/flow-builder';
import { startTestServer, type TestServer } from '../helpers/server';
import { atelierCli, client } from './helpers';

let server: TestServer;
let http: ReturnType<typeof client>;
beforeAll(async () => {
  server = await startTestServer();
  http = client(server.url);
});
afterAll(() => server.close());

/** photo (port) → resize(width: param input) → ellipse mask → cutout */
function cutoutFlow(feather = 6): Flow {
  return {
    ...buildFlow(
      [['resize', 'image.resize', { width: 96 }], ['mask', 'mask.shape', { shape: 'ellipse', feather }], ['apply', 'mask.apply']],
      ['resize.image -> mask.image', 'resize.image -> apply.image', 'mask.mask -> apply.mask'],
      { name: 'Cutout', inputs: { photo: { node: 'resize', port: 'image' }, width: { node: 'resize', param: 'width' } }, outputs: { cutout: { node: 'apply', port: 'cutout' } } },
    ),
    description: 'Cuts an ellipse out of a photo',
  };
}

function outerFlow(): Flow {
  return buildFlow(
    [['load', 'image.load', { asset: 'chelsea.png' }], ['sub1', 'flow:cutout', { width: 64 }], ['out', 'output', { name: 'result' }]],
    ['load.image -> sub1.photo', 'sub1.cutout -> out.value'],
    { name: 'Uses cutout', outputs: { cut: { node: 'sub1', port: 'cutout' } } },
  );
}

async function save(id: string, flow: Flow) {
  const current = await http.api(`/api/flows/${id}`);
  const revision = current.ok ? (await current.json()).revision : 0;
  const res = await http.api(`/api/flows/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...flow, revision }) });
  expect(res.status, await res.clone().text()).toBe(200);
}

const notCached = (run: { nodes: Record<string, { cached: boolean }> }) => Object.entries(run.nodes).filter(([, n]) => !n.cached).map(([id]) => id).sort();

describe('subflows', () => {
  it('lists a saved flow with outputs as a typed node type', async () => {
    await save('cutout', cutoutFlow());
    const catalog = await (await http.api('/api/nodes')).json();
    const entry = catalog.find((n: { type: string }) => n.type === 'flow:cutout');
    expect(entry).toMatchObject({
      title: 'Cutout',
      category: 'flows',
      description: 'Cuts an ellipse out of a photo',
      inputs: { photo: { type: 'image' } },
      outputs: { cutout: { type: 'image' } },
      params: { properties: { width: { type: 'integer', default: 96 } } },
    });
  });

  it('runs inline with path ids, re-runs nothing unchanged, and re-runs exactly what an inner edit changed', async () => {
    await save('cutout', cutoutFlow());
    const run = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow() })).json();
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(Object.keys(run.nodes).sort()).toEqual(['load', 'out', 'sub1/apply', 'sub1/mask', 'sub1/resize']);
    expect(run.outputs.cut).toMatchObject({ mediaType: 'image/png', width: 64 });
    expect(run.outputs.result.artifact).toBe(run.outputs.cut.artifact);
    const events = (await (await http.api(`/api/runs/${run.id}/events`)).text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(events.filter((e) => e.type === 'node.finished').map((e) => e.nodeId)).toContain('sub1/mask');

    const again = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow() })).json();
    expect(notCached(again)).toEqual([]);

    await save('cutout', cutoutFlow(20));
    const edited = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow() })).json();
    expect(edited.status).toBe('succeeded');
    expect(notCached(edited)).toEqual(['out', 'sub1/apply', 'sub1/mask']);
    expect(edited.outputs.cut.artifact).not.toBe(run.outputs.cut.artifact);
  });

  it('a subflow inside a subflow expands too; its ports and params are checked by name', async () => {
    await save('cutout', cutoutFlow());
    await save('double-cutout', buildFlow([['a', 'flow:cutout'], ['b', 'flow:cutout', { width: 32 }]], ['a.cutout -> b.photo'], {
      name: 'Double cutout',
      inputs: { photo: { node: 'a', port: 'photo' } },
      outputs: { cutout: { node: 'b', port: 'cutout' } },
    }));
    const catalog = await (await http.api('/api/nodes')).json();
    expect(catalog.find((n: { type: string }) => n.type === 'flow:double-cutout').inputs.photo.type).toBe('image');
    const flow = buildFlow([['load', 'image.load', { asset: 'chelsea.png' }], ['d', 'flow:double-cutout']], ['load.image -> d.photo'], { outputs: { out: { node: 'd', port: 'cutout' } } });
    const run = await (await http.postJson('/api/runs?wait=1', { flow })).json();
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.nodes['d/b/apply'].status).toBe('succeeded');
    expect(run.outputs.out.width).toBe(32);

    const bad = buildFlow([['load', 'image.load', { asset: 'chelsea.png' }], ['s', 'flow:cutout', { nope: 1 }]], ['load.image -> s.picture']);
    const res = await (await http.postJson('/api/runs', { flow: bad })).json();
    expect(res.error.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 's', field: 'nope', message: 'subflow "cutout" has no param input "nope"' }),
        expect.objectContaining({ nodeId: 's', field: 'picture', code: 'unknown_port' }),
      ]),
    );
  });

  it('rejects recursion between flows, naming the chain', async () => {
    await save('loop-a', buildFlow([['b', 'flow:loop-b']], [], { name: 'Loop A', outputs: { v: { node: 'b', port: 'v' } } }));
    await save('loop-b', buildFlow([['a', 'flow:loop-a']], [], { name: 'Loop B', outputs: { v: { node: 'a', port: 'v' } } }));
    const res = await http.postJson('/api/runs', { flowId: 'loop-a' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.details.issues[0]).toMatchObject({ nodeId: 'b/a', message: 'subflow recursion: loop-a → loop-b → loop-a' });
    const missing = await (await http.postJson('/api/runs', { flow: buildFlow([['x', 'flow:no-such-flow']]) })).json();
    expect(missing.error.details.issues[0].message).toContain('subflow "no-such-flow" cannot be loaded');
  });
});

describe('run targets inside subflows', () => {
  const ran = (run: { nodes: Record<string, unknown> }) => Object.keys(run.nodes).sort();

  it('--to an inner node runs what it needs (caller and subflow nodes) and nothing after it', async () => {
    await save('cutout', cutoutFlow());
    const run = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow(), target: { to: 'sub1/mask' } })).json();
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(ran(run)).toEqual(['load', 'sub1/mask', 'sub1/resize']);

    const whole = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow(), target: { to: 'sub1' } })).json();
    expect(ran(whole)).toEqual(['load', 'sub1/apply', 'sub1/mask', 'sub1/resize']);
  });

  it('--from an inner node re-runs it and plans everything downstream, inside and outside the subflow', async () => {
    await save('cutout', cutoutFlow());
    const first = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow() })).json();
    expect(first.status).toBe('succeeded');
    const from = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow(), target: { from: 'sub1/mask' } })).json();
    expect(from.status, JSON.stringify(from)).toBe('succeeded');
    expect(ran(from)).toEqual(['load', 'out', 'sub1/apply', 'sub1/mask', 'sub1/resize']);
    expect(from.nodes['sub1/mask'].cached).toBe(false);
    expect(from.nodes['sub1/resize'].cached).toBe(true);
    expect(from.outputs.result.artifact).toBe(first.outputs.result.artifact);

    const sub = await (await http.postJson('/api/runs?wait=1', { flow: outerFlow(), target: { from: 'sub1' } })).json();
    expect(notCached(sub)).toEqual(['sub1/apply', 'sub1/mask', 'sub1/resize']);
  });

  it('a path that names no node is a 400 naming the path and the subflow', async () => {
    await save('cutout', cutoutFlow());
    const res = await http.postJson('/api/runs', { flow: outerFlow(), target: { to: 'sub1/nope' } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.details.issues).toEqual([expect.objectContaining({ nodeId: 'sub1/nope', field: 'target', message: 'run target "sub1/nope": subflow "sub1" has no node "nope"' })]);
    const plain = await (await http.postJson('/api/runs', { flow: outerFlow(), target: { from: 'load/x' } })).json();
    expect(plain.error.details.issues[0].message).toBe('run target "load/x": "load" is not a subflow node');
  });

  it('the CLI takes --to with a path inside a subflow', async () => {
    await save('cutout', cutoutFlow());
    const dir = mkdtempSync(join(tmpdir(), 'atelier-subflow-cli-'));
    try {
      const flowFile = join(dir, 'outer.json');
      writeFileSync(flowFile, JSON.stringify(outerFlow()));
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ATELIER_DATA: join(dir, 'data'), ATELIER_FLOWS: server.flowsDir };
      const result = await atelierCli(['run', flowFile, '--to', 'sub1/mask', '--out', join(dir, 'out')], env);
      expect(result.code, result.stderr + result.stdout).toBe(0);
      const bad = await atelierCli(['run', flowFile, '--to', 'sub1/nope'], env);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr + bad.stdout).toContain('subflow "sub1" has no node "nope"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
