// The subflow catalog is cached per flow store: it must follow every change to the flow files,
// including edits made outside the server (an editor writing the file in place).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinNodes } from '../../nodes/index';
import { FlowStore } from '../store/flows';
import { buildFlow } from '../../test/helpers/flow-builder';
import { NodeRegistry } from './registry';
import { subflowCatalog } from './subflow-catalog';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'subflow-catalog-'));
  dirs.push(dir);
  return { dir, flows: new FlowStore(dir), registry: new NodeRegistry(builtinNodes) };
}

const resizeFlow = (name: string) =>
  buildFlow([['resize', 'image.resize', { width: 96 }]], [], { name, inputs: { photo: { node: 'resize', port: 'image' } }, outputs: { small: { node: 'resize', port: 'image' } } });

describe('subflowCatalog', () => {
  it('follows flows saved, edited in place and deleted between calls', () => {
    const { dir, flows, registry } = setup();
    expect(subflowCatalog(flows, registry)).toEqual([]);

    flows.save('small', resizeFlow('Small'));
    expect(subflowCatalog(flows, registry).map((e) => [e.type, e.title])).toEqual([['flow:small', 'Small']]);

    // Same length, written in place (same inode) by something other than the store.
    const file = join(dir, 'small.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"Small"', '"Tiny!"'));
    expect(subflowCatalog(flows, registry).map((e) => e.title)).toEqual(['Tiny!']);

    writeFileSync(join(dir, 'broken.json'), '{');
    expect(subflowCatalog(flows, registry).map((e) => e.type)).toEqual(['flow:small']);

    flows.delete('small');
    expect(subflowCatalog(flows, registry)).toEqual([]);
  });

  it('answers repeated calls with the same entries while nothing changed', () => {
    const { flows, registry } = setup();
    flows.save('small', resizeFlow('Small'));
    const first = subflowCatalog(flows, registry);
    expect(subflowCatalog(flows, registry)).toBe(first);
  });
});
