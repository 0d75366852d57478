import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../model/events';
import { writeOutputs } from './write-outputs';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const noArtifacts = { read: () => Promise.reject(new Error('no artifacts here')) };

describe('writeOutputs', () => {
  it('writes values as .json or .txt beside run.json, and an output named "run" does not overwrite the record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-out-'));
    dirs.push(dir);
    const record: RunRecord = { id: 'r1', status: 'succeeded', startedAt: 'now', outputs: { run: { score: 3 }, caption: 'a cat', count: 2 }, nodes: {} };
    const written = await writeOutputs(record, dir, noArtifacts);
    expect(written.map((file) => file.slice(dir.length + 1)).sort()).toEqual(['caption.txt', 'count.json', 'run.output.json']);
    expect(readdirSync(dir).sort()).toEqual(['caption.txt', 'count.json', 'run.json', 'run.output.json']);
    expect(JSON.parse(readFileSync(join(dir, 'run.output.json'), 'utf8'))).toEqual({ score: 3 });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).id).toBe('r1');
  });
});
