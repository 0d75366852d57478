import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { storePerTest } from '../../test/helpers/store-per-test';
import { Thumbnails } from './thumbnails';

const temp = storePerTest('atelier-thumbnails-');

it('makes one thumbnail per artifact however many ask at once, and keeps it', async () => {
  const artifact = await temp.store.artifacts.put(readFileSync('flows/assets/astronaut.png'));
  const asked = await Promise.all(Array.from({ length: 20 }, () => temp.store.thumbnails.get(artifact.artifact)));
  expect(new Set(asked).size).toBe(1); // one decode, shared
  expect(await sharp(asked[0]).metadata()).toMatchObject({ format: 'webp', width: 256, height: 256 });
  expect(await temp.store.thumbnails.get(artifact.artifact)).toEqual(asked[0]); // from its file now
});

it('refuses an artifact whose file is gone, and makes it once the file is back', async () => {
  const bytes = readFileSync('flows/assets/chelsea.png');
  const artifact = await temp.store.artifacts.put(bytes);
  rmSync(temp.store.artifacts.pathOf(artifact.artifact));
  await expect(temp.store.thumbnails.get(artifact.artifact)).rejects.toThrow(/missing|no such file|unsupported image format/i);
  await temp.store.artifacts.put(bytes);
  expect((await sharp(await temp.store.thumbnails.get(artifact.artifact)).metadata()).format).toBe('webp');
});

it('answers a thumbnail it cannot keep (a full disk), and the log says so', async () => {
  const artifact = await temp.store.artifacts.put(readFileSync('flows/assets/astronaut.png'));
  const logs: string[] = [];
  const unwritable = join(temp.dir, 'not-a-dir');
  const thumbnails = new Thumbnails(temp.store.artifacts, unwritable, (message) => logs.push(message));
  rmSync(unwritable, { recursive: true });
  writeFileSync(unwritable, 'a file where the folder was');
  expect((await sharp(await thumbnails.get(artifact.artifact)).metadata()).format).toBe('webp');
  expect(logs).toEqual([expect.stringContaining(`the thumbnail of ${artifact.artifact} could not be kept`)]);
});
