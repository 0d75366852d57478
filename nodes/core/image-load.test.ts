// image.load keys its cache on the asset file's bytes: a sample edited in place is loaded again.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../model/events';
import { isArtifact } from '../../model/artifact';
import { buildFlow } from '../../test/helpers/flow-builder';
import { createAtelier, type Atelier } from '../../runtime/atelier';

let dir: string;
let atelier: Atelier;
const assets = () => join(dir, 'flows', 'assets');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-image-load-'));
  mkdirSync(assets(), { recursive: true });
  atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows') });
});

afterEach(async () => {
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
});

const flow = () => buildFlow([['load', 'image.load', { asset: 'photo.png' }]]);

function loaded(record: RunRecord): { cached: boolean; artifact: string } {
  const node = record.nodes.load;
  const image = node.outputs.image;
  if (!isArtifact(image)) throw new Error(`load gave no image: ${JSON.stringify(node)}`);
  return { cached: node.cached, artifact: image.artifact };
}

describe('image.load from flows/assets/', () => {
  it('is cached while the file is unchanged, and loads it again once it is replaced in place', async () => {
    copyFileSync('flows/assets/chelsea.png', join(assets(), 'photo.png'));
    const first = loaded(await atelier.runs.run({ flow: flow() }));
    expect(first.cached).toBe(false);
    expect(loaded(await atelier.runs.run({ flow: flow() }))).toEqual({ cached: true, artifact: first.artifact });

    copyFileSync('flows/assets/astronaut.png', join(assets(), 'photo.png'));
    const replaced = loaded(await atelier.runs.run({ flow: flow() }));
    expect(replaced.cached).toBe(false);
    expect(replaced.artifact).not.toBe(first.artifact);
    expect(replaced.artifact).toBe(createHash('sha256').update(readFileSync('flows/assets/astronaut.png')).digest('hex'));
  });

  it('fails with the asset named, on its field, when the file is gone', async () => {
    copyFileSync('flows/assets/chelsea.png', join(assets(), 'photo.png'));
    await atelier.runs.run({ flow: flow() });
    unlinkSync(join(assets(), 'photo.png'));
    const record = await atelier.runs.run({ flow: flow() });
    expect(record.status).toBe('failed');
    expect(record.nodes.load.error).toBe('asset "photo.png" does not exist in flows/assets/');
    expect(atelier.store.runs.eventsSince(record.id, 0).find((e) => e.type === 'node.failed')).toMatchObject({ nodeId: 'load', field: 'asset' });
  });
});
