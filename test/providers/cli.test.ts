// The `atelier` CLI runs the provider flows against the fakes, with keys only in its environment.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS, startProviderFakes, type ProviderFakes } from './harness';
import { pixels, readITXt } from '../flows/png-chunks';

const exec = promisify(execFile);
let fakes: ProviderFakes;
let dir: string;

beforeAll(async () => {
  fakes = await startProviderFakes();
  dir = mkdtempSync(join(tmpdir(), 'atelier-cli-providers-'));
});
afterAll(async () => {
  await fakes?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Only what a shell needs plus the given variables: no provider key leaks in from the test process. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ATELIER_DATA: join(dir, 'data'), ATELIER_FLOWS: 'flows', ...extra };
}

async function atelier(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await exec('node_modules/.bin/tsx', ['runtime/cli.ts', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('atelier CLI with provider flows', () => {
  it('runs compare-providers and writes the bytes each provider returned', async () => {
    const out = join(dir, 'out');
    const result = await atelier(['run', 'compare-providers', '--input', 'prompt=a lighthouse', '--out', out], cliEnv(fakes.env));
    expect(result.code, result.stderr).toBe(0);
    // The only stderr line is @google/genai's one-time notice that generateImages (Imagen) is deprecated.
    expect(result.stderr.trim().split('\n').filter((line) => !line.includes('generateImages method is deprecated'))).toEqual([]);
    // Output PNGs are the providers' pixels plus the iTXt atelier.flow chunk that leads back to the flow.
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    for (const [file, image] of [['openai', fakes.images.openai], ['imagen', fakes.images.google], ['gemini', fakes.images.google], ['flux', fakes.images.hf]] as const) {
      const written = readFileSync(join(out, `${file}.png`));
      expect(pixels(written)).toEqual(pixels(image));
      expect(readITXt(written, 'atelier.flow')).toMatchObject({ runId: run.id, inputs: { prompt: 'a lighthouse' } });
    }
    for (const secret of Object.values(SECRETS)) {
      expect(result.stdout + result.stderr).not.toContain(secret);
      expect(readFileSync(join(out, 'run.json'), 'utf8')).not.toContain(secret);
    }
  });

  it('validate names the missing variables instead of crashing', async () => {
    const result = await atelier(['validate', 'generate-and-iterate'], cliEnv({}));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('OPENAI_API_KEY is not set');
    expect(result.stdout).toContain('GEMINI_API_KEY is not set');
  });
});
