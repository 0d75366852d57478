import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { storePerTest } from '../../test/helpers/store-per-test';

const temp = storePerTest('atelier-gallery-');

const rotated = (angles: number[]) => Promise.all(angles.map((angle) => sharp(readFileSync('flows/assets/chelsea.png')).rotate(angle).png().toBuffer()));

it('gives entries added at once with the same caption each its own file, holding its bytes', async () => {
  const images = await rotated([10, 20, 30]);
  const artifacts = await Promise.all(images.map((png) => temp.store.artifacts.put(png)));
  const now = new Date('2026-12-02T10:00:00Z');
  const entries = await Promise.all(artifacts.map((artifact) => temp.store.gallery.add({ artifact, provider: 'upload', prompt: 'same caption' }, {}, now)));
  expect(new Set(entries.map((entry) => entry.fileName)).size).toBe(3);
  entries.forEach((entry, i) => expect(readFileSync(join(temp.store.gallery.dir, entry.fileName)).equals(images[i])).toBe(true));
});

it("writes a run's file from the parts it is given, in order", async () => {
  const [png] = await rotated([15]);
  const artifact = await temp.store.artifacts.put(png);
  temp.store.gallery.fileParts = (bytes, origin) => [bytes.subarray(0, 33), Buffer.from(`<${origin.runId}/${origin.nodeId}>`), bytes.subarray(33)];
  const entry = await temp.store.gallery.add({ artifact, provider: 'openai', prompt: 'a hat' }, { runId: 'r1', nodeId: 'gen' });
  const written = readFileSync(join(temp.store.gallery.dir, entry.fileName));
  expect(written.equals(Buffer.concat([png.subarray(0, 33), Buffer.from('<r1/gen>'), png.subarray(33)]))).toBe(true);
  expect(entry).toMatchObject({ runId: 'r1', nodeId: 'gen', prompt: 'a hat' });
});

it('lists the entry from the call on, and takes it back when its file cannot be written', async () => {
  const [png] = await rotated([25]);
  const artifact = await temp.store.artifacts.put(png);
  rmSync(temp.store.artifacts.pathOf(artifact.artifact)); // the stored bytes are gone: nothing to copy
  const adding = temp.store.gallery.add({ artifact, provider: 'upload', prompt: 'lost' });
  expect(temp.store.gallery.list().entries.map((entry) => entry.prompt)).toEqual(['lost']); // gc sees it at once
  await expect(adding).rejects.toThrow(/ENOENT|no such file/);
  expect(temp.store.gallery.list()).toEqual({ entries: [], total: 0 });
  expect(readdirSync(temp.store.gallery.dir)).toEqual([]);
  expect(existsSync(temp.store.gallery.dir)).toBe(true);
});
