// What each command of the compiled CLI loads before it does anything, read from the build's own
// record (dist/meta.json, esbuild's metafile; global setup builds dist/): the npm packages reachable
// through static imports from dist/cli.js and the command's chunk. A node module that imports its SDK
// or sharp at the top, or a command that imports the server, makes every start pay for it again —
// these tests name the package and the chunk that brings it in.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface MetaOutput {
  entryPoint?: string;
  imports: Array<{ path: string; kind: string; external?: boolean }>;
  /** A `required:PKG` input is a CommonJS package the chunk loads at the top through createRequire (scripts/build.js). */
  inputs: Record<string, unknown>;
}

function readMeta(): Record<string, MetaOutput> {
  return (JSON.parse(readFileSync('dist/meta.json', 'utf8')) as { outputs: Record<string, MetaOutput> }).outputs;
}

function chunkOf(outputs: Record<string, MetaOutput>, entryPoint: string): string {
  const found = Object.keys(outputs).find((path) => outputs[path].entryPoint === entryPoint);
  if (!found) throw new Error(`dist/meta.json has no chunk for ${entryPoint}`);
  return found;
}

/** npm packages (not Node built-ins) loaded by static imports from `roots`, each with the chunk that imports it. */
function staticPackages(outputs: Record<string, MetaOutput>, roots: string[]): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const chunk = queue.shift()!;
    if (seen.has(chunk)) continue;
    seen.add(chunk);
    for (const input of Object.keys(outputs[chunk].inputs)) {
      if (input.startsWith('required:') && !packages.has(input.slice('required:'.length))) packages.set(input.slice('required:'.length), chunk);
    }
    for (const imported of outputs[chunk].imports) {
      if (imported.kind !== 'import-statement') continue;
      if (!imported.external) queue.push(imported.path);
      else if (!isBuiltin(imported.path) && !packages.has(imported.path)) packages.set(imported.path, chunk);
    }
  }
  return packages;
}

const NOT_AT_SERVE_START = ['ws', 'sharp', 'openai', '@google/genai', '@huggingface/inference', 'piscina', 'bullmq', 'ioredis', '@techstark/opencv-js'];

describe('what the compiled CLI loads at start', () => {
  it('validate loads no npm package from node_modules: no database, image library, SDK or server', () => {
    const outputs = readMeta();
    const loaded = staticPackages(outputs, ['dist/cli.js', chunkOf(outputs, 'runtime/cli/validate-command.ts')]);
    expect(Object.fromEntries(loaded)).toEqual({});
  });

  it('serve loads no provider SDK, worker pool, queue client, OpenCV or WebSocket library before it is used', () => {
    const outputs = readMeta();
    const loaded = staticPackages(outputs, ['dist/cli.js', chunkOf(outputs, 'runtime/server/serve.ts')]);
    const early = Object.fromEntries([...loaded].filter(([name]) => NOT_AT_SERVE_START.some((pkg) => name === pkg || name.startsWith(`${pkg}/`))));
    expect(early).toEqual({});
    // The server itself is there (the check reads real imports, not an empty record).
    expect([...loaded.keys()]).toContain('better-sqlite3');
  });

  it('the provider SDKs and the worker pool are still in the build, imported on demand', () => {
    const outputs = readMeta();
    const onDemand = new Set(Object.values(outputs).flatMap((output) => output.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)));
    for (const pkg of ['openai', '@google/genai', '@huggingface/inference', 'sharp']) expect(onDemand, pkg).toContain(pkg);
    expect([...onDemand].some((path) => path.includes('worker-pool'))).toBe(true);
  });

  it("dist/ carries zod's English messages only, and no source asks zod for another language", () => {
    const outputs = readMeta();
    const locales = Object.values(outputs)
      .flatMap((output) => Object.keys(output.inputs))
      .filter((input) => /zod\/v4\/locales\/[^/]+\.js$/.test(input) && !input.startsWith('zod-english:'))
      .map((input) => input.slice(input.lastIndexOf('/') + 1));
    expect(locales).toEqual(['en.js']);
    const sources = ['runtime', 'nodes', 'model'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(dir, file)),
    );
    expect(sources.length).toBeGreaterThan(50);
    const asking = sources.filter((file) => /\blocales\b|\bz\.config\(/.test(readFileSync(file, 'utf8')));
    expect(asking).toEqual([]);
  });
});
