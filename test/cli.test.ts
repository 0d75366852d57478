import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function atelier(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/atelier.js', ...args], {
      env: { ...process.env, ATELIER_DATA: join(dir, 'data') },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('atelier CLI', () => {
  it('runs the example flow, prints a line per node event and writes its outputs', async () => {
    const out = join(dir, 'o1');
    const { code, stdout } = await atelier(['run', 'flows/local-image-pipeline.json', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/load: running\n\s+load: done in [\d.]+ ms/);
    expect(stdout).toMatch(/run \S+ succeeded/);
    const cutout = await sharp(readFileSync(join(out, 'cutout.png'))).metadata();
    expect(cutout).toMatchObject({ format: 'png', width: 256, channels: 4 });
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status).toBe('succeeded');
  });

  it('re-runs nothing in a fresh process on the same data dir, and takes --input', async () => {
    const again = await atelier(['run', 'local-image-pipeline', '--out', join(dir, 'o2')]);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/: cached/g)).toHaveLength(6);
    const resized = await atelier(['run', 'local-image-pipeline', '--input', 'width=64', '--out', join(dir, 'o3')]);
    expect(resized.code).toBe(0);
    expect((await sharp(join(dir, 'o3', 'resized.png')).metadata()).width).toBe(64);
  });

  it('validates a flow and lists every problem', async () => {
    const flow = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    flow.nodes[1].params.width = 0;
    flow.edges.push({ id: 'bad', source: 'mask', sourceHandle: 'mask', target: 'crop', targetHandle: 'image' });
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(flow));
    const { code, stdout } = await atelier(['validate', file]);
    expect(code).toBe(1);
    expect(stdout).toContain('crop › width');
    expect(stdout).toContain('[type_mismatch]');
    expect(stdout).toContain('[cycle]');
    expect((await atelier(['validate', 'flows/local-image-pipeline.json'])).stdout).toContain('valid');
  });

  it('exits non-zero when the run fails or the flow is invalid', async () => {
    const flow = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    flow.nodes[0].params.asset = 'missing.png';
    const file = join(dir, 'fails.json');
    writeFileSync(file, JSON.stringify(flow));
    const failed = await atelier(['run', file, '--out', join(dir, 'o4')]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('load: FAILED: asset "missing.png" does not exist in flows/assets/');
    expect(failed.stdout).toContain('crop: skipped (upstream node load failed)');
    const invalid = await atelier(['run', 'flows/local-image-pipeline.json', '--input', 'nope=1']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('this flow has no input "nope"');
    expect(existsSync(join(dir, 'o5'))).toBe(false);
  });
});
