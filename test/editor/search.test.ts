// Node search is ranked: title prefix, then title words, then type, category, description.
import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../../nodes/index';
import { NodeRegistry } from '../../runtime/engine/registry';
import type { CatalogNode } from '../../editor/src/api/types';
import { filterCatalog } from '../../editor/src/components/node-filter';

const catalog = new NodeRegistry(builtinNodes).catalog() as unknown as CatalogNode[];

describe('node search ranking', () => {
  it('puts the segmenter first for "sam", although another description says "sample"', () => {
    const found = filterCatalog(catalog, 'sam');
    expect(found[0].title).toMatch(/SAM/);
    expect(found.some((n) => n.description.toLowerCase().includes('sample'))).toBe(true);
  });

  it('puts a node with mask in its title first for "mask", before nodes that only take a mask', () => {
    const found = filterCatalog(catalog, 'mask');
    expect(found[0].title.toLowerCase()).toContain('mask');
    const firstWithout = found.findIndex((n) => !n.title.toLowerCase().includes('mask'));
    const lastWith = found.map((n) => n.title.toLowerCase().includes('mask')).lastIndexOf(true);
    expect(firstWithout === -1 || lastWith < firstWithout).toBe(true);
  });

  it('ranks a title prefix over a word match, and needs every word to match somewhere', () => {
    const found = filterCatalog(catalog, 'image');
    expect(found[0].title.toLowerCase().startsWith('image')).toBe(true);
    expect(filterCatalog(catalog, 'load image').map((n) => n.title)).toContain('Load image');
    expect(filterCatalog(catalog, 'zzz nothing')).toEqual([]);
  });
});
