import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFlow } from '../../test/helpers/flow-builder';
import { FlowSchema, stringifyFlow } from '../../model/flow';
import { FlowNotFound, FlowStore, InvalidFlowFile, MAX_FLOW_FILE_BYTES, RevisionConflict } from './flows';

let dir: string;
let store: FlowStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-flows-'));
  store = new FlowStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('flow store', () => {
  it('creates with an id from the name, unique, and lists', () => {
    expect(store.create(buildFlow([], [], { name: 'Hat to 3D' }))).toEqual({ id: 'hat-to-3d', revision: 1 });
    expect(store.create(buildFlow([], [], { name: 'Hat to 3D' }))).toEqual({ id: 'hat-to-3d-2', revision: 1 });
    expect(store.list().map((f) => f.id)).toEqual(['hat-to-3d', 'hat-to-3d-2']);
  });

  it('saves with sorted keys and bumps the revision', () => {
    const { id } = store.create(buildFlow([['a', 'text.prompt', { text: 'hi' }]], [], { name: 'x' }));
    const loaded = store.get(id);
    expect(store.save(id, loaded)).toBe(2);
    const text = readFileSync(join(dir, `${id}.json`), 'utf8');
    expect(text).toBe(stringifyFlow(FlowSchema.parse(JSON.parse(text))));
    expect(store.get(id).revision).toBe(2);
  });

  it('refuses a save based on a stale revision and keeps the newer file', () => {
    const { id } = store.create(buildFlow([], [], { name: 'x' }));
    const a = store.get(id);
    const b = store.get(id);
    store.save(id, { ...a, name: 'first writer' });
    expect(() => store.save(id, { ...b, name: 'second writer' })).toThrow(RevisionConflict);
    expect(store.get(id).name).toBe('first writer');
  });

  it('sees a file written, broken, mended or removed behind its back, and what a caller does to a flow it got stays with that caller', () => {
    const { id } = store.create(buildFlow([['a', 'text.prompt', { text: 'hi' }]], [], { name: 'first' }));
    const path = join(dir, `${id}.json`);
    const past = new Date(Date.now() - 60_000);
    utimesSync(path, past, past); // not written just now: kept after the first read
    const got = store.get(id);
    got.name = 'changed by a caller';
    got.nodes.length = 0;
    expect(store.get(id)).toMatchObject({ name: 'first', nodes: [{ id: 'a' }] });

    // A hand edit or a `git pull` (same length, so only the file's times and inode tell).
    writeFileSync(path, readFileSync(path, 'utf8').replace('"first"', '"other"'));
    expect(store.get(id).name).toBe('other');
    expect(store.list()).toMatchObject([{ id, name: 'other', nodeCount: 1 }]);
    writeFileSync(path, '{"format": "atelier.flow/1"');
    expect(() => store.get(id)).toThrow(InvalidFlowFile);
    expect(store.list()).toMatchObject([{ id, error: expect.stringContaining('not JSON') }]);
    writeFileSync(path, stringifyFlow(buildFlow([], [], { name: 'mended' })));
    expect(store.list()).toMatchObject([{ id, name: 'mended', nodeCount: 0 }]);
    rmSync(path);
    expect(store.list()).toEqual([]);
    expect(() => store.get(id)).toThrow(FlowNotFound);
  });

  it('never reads outside its folder', () => {
    for (const id of ['../package', '..', 'a/b', 'A', '%2e%2e']) expect(() => store.get(id)).toThrow(FlowNotFound);
  });

  it('reports a flow file over the size limit without reading it, and a save may replace it', () => {
    const path = join(dir, 'stray.json');
    writeFileSync(path, '');
    truncateSync(path, MAX_FLOW_FILE_BYTES + 1024 * 1024); // zeros: "not JSON" if it were read
    const message = `flows/stray.json is not a valid atelier.flow/1 document: (root): 65.0 MiB; flow files are limited to 64 MiB`;
    expect(() => store.get('stray')).toThrow(InvalidFlowFile);
    expect(() => store.get('stray')).toThrow(message);
    expect(store.list().find((f) => f.id === 'stray')).toMatchObject({ nodeCount: 0, error: message });
    expect(store.save('stray', buildFlow([], [], { name: 'Replaced' }))).toBe(1);
    expect(store.get('stray').name).toBe('Replaced');
  });

  // A FIFO was read like a file: the listing waited on it for ever, and with it every request to the server.
  it.runIf(process.platform !== 'win32')('reports a FIFO or a folder named like a flow file without reading it, and a save may replace the FIFO', () => {
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    mkdirSync(join(dir, 'folder.json'));
    store.create(buildFlow([], [], { name: 'Fine' }));
    const problem = (id: string, what: string) => `flows/${id}.json is not a valid atelier.flow/1 document: (root): it is ${what}, not a file`;
    expect(() => store.get('fifo')).toThrow(problem('fifo', 'a FIFO'));
    expect(() => store.get('folder')).toThrow(problem('folder', 'a directory'));
    expect(store.list().map((f) => [f.id, f.error])).toEqual([
      ['fifo', problem('fifo', 'a FIFO')],
      ['fine', undefined],
      ['folder', problem('folder', 'a directory')],
    ]);
    expect(store.save('fifo', buildFlow([], [], { name: 'Replaced' }))).toBe(1);
    expect(store.get('fifo').name).toBe('Replaced');
    // The folder is not written over or removed (both failed with EISDIR: a 500, and a temp file left beside it).
    const kept = 'flows/folder.json is not a valid atelier.flow/1 document: (root): it is a directory, not a file; move it away to save or delete a flow under this id';
    expect(() => store.save('folder', buildFlow([], [], { name: 'Over it' }))).toThrow(kept);
    expect(() => store.delete('folder')).toThrow(kept);
    expect(readdirSync(dir).sort()).toEqual(['fifo.json', 'fine.json', 'folder.json']);
  });

  it('holds a flow file to the limits of a request body: a deeply nested one is invalid, named, never served', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    writeFileSync(join(dir, 'deep.json'), `{"format":"atelier.flow/1","name":"deep","revision":1,"inputs":{},"outputs":{},"nodes":[{"id":"a","type":"text.prompt","position":{"x":0,"y":0},"params":{"x":${deep}}}],"edges":[]}`);
    expect(() => store.get('deep')).toThrow(InvalidFlowFile);
    expect(() => store.get('deep')).toThrow(/flows\/deep\.json is not a valid atelier\.flow\/1 document: nodes\.0\.params\.x\.0\.0.*: nested deeper than 64 levels/);
    expect(store.list().find((f) => f.id === 'deep')?.error).toMatch(/nested deeper than 64 levels/);
  });

  it('leaves the old file whole when the writer is killed mid-save', async () => {
    const { id } = store.create(buildFlow([['a', 'text.prompt', { text: 'original' }]], [], { name: 'victim' }));
    const script = `
      import { FlowStore } from ${JSON.stringify(join(process.cwd(), 'runtime/store/flows.ts'))};
      const store = new FlowStore(${JSON.stringify(dir)});
      const big = 'x'.repeat(8 * 1024 * 1024);
      process.stdout.write('ready\\n');
      for (;;) { const f = store.get('${id}'); store.save('${id}', { ...f, nodes: [{ ...f.nodes[0], params: { text: big } }] }); }
    `;
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 150 + attempt * 100));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const flow = store.get(id); // parses: never torn
      expect(['original', 'x'.repeat(8 * 1024 * 1024)]).toContain(flow.nodes[0].params.text);
    }
  });
});
