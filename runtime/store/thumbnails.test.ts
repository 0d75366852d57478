import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openStore, type Store } from './index';
import { Thumbnails } from './thumbnails';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-thumbnails-'));
  store = openStore(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('makes one thumbnail per artifact however many ask at once, and keeps it', async () => {
  const artifact = await store.artifacts.put(readFileSync('flows/assets/astronaut.png'));
  const asked = await Promise.all(Array.from({ length: 20 }, () => store.thumbnails.get(artifact.artifact)));
  expect(new Set(asked).size).toBe(1); // one decode, shared
  expect(await sharp(asked[0]).metadata()).toMatchObject({ format: 'webp', width: 256, height: 256 });
  expect(await store.thumbnails.get(artifact.artifact)).toEqual(asked[0]); // from its file now
});

it('refuses an artifact whose file is gone, and makes it once the file is back', async () => {
  const bytes = readFileSync('flows/assets/chelsea.png');
  const artifact = await store.artifacts.put(bytes);
  rmSync(store.artifacts.pathOf(artifact.artifact));
  await expect(store.thumbnails.get(artifact.artifact)).rejects.toThrow(/missing|no such file|unsupported image format/i);
  await store.artifacts.put(bytes);
  expect((await sharp(await store.thumbnails.get(artifact.artifact)).metadata()).format).toBe('webp');
});

it('answers a thumbnail it cannot keep (a full disk), and the log says so', async () => {
  const artifact = await store.artifacts.put(readFileSync('flows/assets/astronaut.png'));
  const logs: string[] = [];
  const unwritable = join(dir, 'not-a-dir');
  const thumbnails = new Thumbnails(store.artifacts, unwritable, (message) => logs.push(message));
  rmSync(unwritable, { recursive: true });
  writeFileSync(unwritable, 'a file where the folder was');
  expect((await sharp(await thumbnails.get(artifact.artifact)).metadata()).format).toBe('webp');
  expect(logs).toEqual([expect.stringContaining(`the thumbnail of ${artifact.artifact} could not be kept`)]);
});
