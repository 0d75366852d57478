import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { storePerTest } from '../../test/helpers/store-per-test';

const temp = storePerTest('atelier-gallery-');

it('gives entries added at once with the same caption each its own file, holding its bytes', async () => {
  const images = await Promise.all([10, 20, 30].map((angle) => sharp(readFileSync('flows/assets/chelsea.png')).rotate(angle).png().toBuffer()));
  const artifacts = await Promise.all(images.map((png) => temp.store.artifacts.put(png)));
  const now = new Date('2026-12-02T10:00:00Z');
  // Two uploads copying at once, and an entry a run adds meanwhile.
  const copying = artifacts.slice(0, 2).map((artifact) => temp.store.gallery.addUpload({ artifact, provider: 'upload', prompt: 'same caption' }, now));
  const added = temp.store.gallery.add({ artifact: artifacts[2], provider: 'upload', prompt: 'same caption' }, {}, now);
  const entries = [...(await Promise.all(copying)), added];
  expect(new Set(entries.map((entry) => entry.fileName)).size).toBe(3);
  entries.forEach((entry, i) => expect(readFileSync(join(temp.store.gallery.dir, entry.fileName)).equals(images[i])).toBe(true));
});
