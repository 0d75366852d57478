// bin/atelier.js runs dist/cli.cjs through bin/run-cached.js: the first start of a command keeps
// V8's compiled code in $TMPDIR/atelier-compile-cache-<uid>/, later starts use it, and a cache that is
// damaged or switched off never changes what the command does. Each test has its own TMPDIR.
import { isAscii } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const { runCached } = createRequire(import.meta.url)('../bin/run-cached.js') as { runCached: (file: string, tag: string, env?: NodeJS.ProcessEnv) => unknown };
const FLOW = 'flows/local-image-pipeline.json';
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-compile-cache-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function validate(temp: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['bin/atelier.js', 'validate', FLOW], {
    env: { ...process.env, NODE_OPTIONS: '', NODE_DISABLE_COMPILE_CACHE: '', TMPDIR: temp, ...env },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain(`${FLOW}: valid`);
  return result.stdout;
}

const CACHE_DIR = `atelier-compile-cache${process.getuid ? `-${process.getuid()}` : ''}`;

function cacheFiles(temp: string): string[] {
  try {
    return readdirSync(join(temp, CACHE_DIR)).map((name) => join(temp, CACHE_DIR, name));
  } catch {
    return [];
  }
}

describe('the compiled CLI keeps V8 code cache', () => {
  it('the first start writes the cache for its command, the second uses it as it is', () => {
    const temp = tempDir();
    const first = validate(temp);
    const files = cacheFiles(temp);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/cli\.cjs-validate-.*\.bin$/);
    const written = readFileSync(files[0]);
    expect(written.length).toBeGreaterThan(10_000);
    const { mtimeMs } = statSync(files[0]);

    expect(validate(temp)).toBe(first);
    // V8 accepted it: nothing was compiled afresh, so nothing was written again.
    expect(cacheFiles(temp)).toEqual(files);
    expect(statSync(files[0]).mtimeMs).toBe(mtimeMs);
    expect(readFileSync(files[0]).equals(written)).toBe(true);
  });

  it("writing a build's cache removes the bundle's caches of other builds for this Node, and keeps other Nodes' and other files", () => {
    const temp = tempDir();
    const dir = join(temp, CACHE_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const here = `-${process.version}-${process.arch}.bin`;
    const stale = [`cli.cjs-validate-1234-5678${here}`, `cli.cjs-serve-1234-5678${here}`];
    const kept = [`cli.cjs-validate-1234-5678-v99.0.0-${process.arch}.bin`, 'other-tool-1-2.bin'];
    for (const name of [...stale, ...kept]) writeFileSync(join(dir, name), 'an old cache');
    validate(temp);
    const left = readdirSync(dir);
    for (const name of stale) expect(left).not.toContain(name);
    for (const name of kept) expect(left).toContain(name);
    expect(left.filter((name) => /^cli\.cjs-validate-.*\.bin$/.test(name) && name.endsWith(here))).toHaveLength(1);
  });

  it('keeps one cache per command, and one for anything else however many words are typed', () => {
    const temp = tempDir();
    for (const word of ['frobnicate', 'nonsense', '--version']) {
      const result = spawnSync(process.execPath, ['bin/atelier.js', word], { env: { ...process.env, NODE_OPTIONS: '', NODE_DISABLE_COMPILE_CACHE: '', TMPDIR: temp }, encoding: 'utf8' });
      expect(result.status).toBe(2);
    }
    const names = cacheFiles(temp).map((file) => file.slice(file.lastIndexOf('/') + 1));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^cli\.cjs-other-/);
  });

  it('a damaged cache file is refused by V8, the command runs as without one and writes a good one', () => {
    const temp = tempDir();
    const expected = validate(temp);
    const [file] = cacheFiles(temp);
    writeFileSync(file, Buffer.from('not V8 code cache'));
    expect(validate(temp)).toBe(expected);
    const rewritten = readFileSync(file);
    expect(rewritten.length).toBeGreaterThan(10_000);
    // The new one is accepted: the next start leaves it as it is.
    expect(validate(temp)).toBe(expected);
    expect(readFileSync(file).equals(rewritten)).toBe(true);
  });

  it('NODE_DISABLE_COMPILE_CACHE=1 writes no cache and changes no output', () => {
    const temp = tempDir();
    const withCache = validate(tempDir());
    expect(validate(temp, { NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(withCache);
    expect(cacheFiles(temp)).toEqual([]);
  });

  it('an unwritable cache location leaves the command working', () => {
    const temp = tempDir();
    // A file where the cache directory should be: mkdir fails, the start goes on without a cache.
    writeFileSync(join(temp, CACHE_DIR), 'in the way');
    validate(temp);
    validate(temp);
  });

  it('a cache directory others may write is neither read nor written', () => {
    const temp = tempDir();
    mkdirSync(join(temp, CACHE_DIR), { mode: 0o777 });
    chmodSync(join(temp, CACHE_DIR), 0o777);
    validate(temp);
    expect(cacheFiles(temp)).toEqual([]);
  });

  it('reads dist/cli.cjs, which is ASCII, as one-byte text, and any other file as UTF-8, to the same result', () => {
    expect(isAscii(readFileSync('dist/cli.cjs'))).toBe(true);
    const temp = tempDir();
    const ascii = join(temp, 'ascii.cjs');
    const utf8 = join(temp, 'utf8.cjs');
    writeFileSync(ascii, "module.exports = 'Gr\\u00fc\\u00dfe \\u2192 \\ud83c\\udfa8';");
    writeFileSync(utf8, "module.exports = 'Grüße → 🎨';");
    const off = { NODE_DISABLE_COMPILE_CACHE: '1' };
    expect(runCached(ascii, 'test', off)).toBe('Grüße → 🎨');
    expect(runCached(utf8, 'test', off)).toBe('Grüße → 🎨');
  });
});
