// What each command of the compiled CLI loads before it does anything, read from the build's own
// record (dist/meta.json, esbuild's metafile; global setup builds dist/): the npm packages reachable
// through static imports from runtime/cli.ts and the command's module. dist/cli.cjs is one bundle in
// which a module reached only through import() is evaluated on first use, together with what it
// imports statically (scripts/build.js). A node module that imports its SDK or sharp at the top, or
// a command that imports the server, makes every start pay for it again — these tests name the
// package and the source file that brings it in.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index';
import { makeParamsSnapshot, PARAMS_SNAPSHOT_FILE, type ParamsSnapshot } from '../runtime/params-snapshot';

interface MetaInput {
  imports: Array<{ path: string; kind: string; external?: boolean }>;
}

interface Meta {
  inputs: Record<string, MetaInput>;
}

function readMeta(): Meta {
  return JSON.parse(readFileSync('dist/meta.json', 'utf8')) as Meta;
}

/** npm packages (not Node built-ins) loaded by static imports from the source files `roots`, each with the file that imports it. */
function staticPackages(meta: Meta, roots: string[]): Map<string, string> {
  for (const root of roots) if (!meta.inputs[root]) throw new Error(`dist/meta.json has no input ${root}`);
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of meta.inputs[file].imports) {
      if (imported.kind !== 'import-statement' && imported.kind !== 'require-call') continue;
      if (!imported.external) queue.push(imported.path);
      else if (!isBuiltin(imported.path) && !packages.has(imported.path)) packages.set(imported.path, file);
    }
  }
  return packages;
}

const NOT_AT_SERVE_START = ['ws', 'sharp', 'openai', '@google/genai', '@huggingface/inference', 'piscina', 'bullmq', 'ioredis', '@techstark/opencv-js'];

describe('what the compiled CLI loads at start', () => {
  it('validate loads no npm package from node_modules: no database, image library, SDK or server', () => {
    const loaded = staticPackages(readMeta(), ['runtime/cli.ts', 'runtime/cli/validate-command.ts']);
    expect(Object.fromEntries(loaded)).toEqual({});
  });

  it('serve loads no provider SDK, worker pool, queue client, OpenCV or WebSocket library before it is used', () => {
    const loaded = staticPackages(readMeta(), ['runtime/cli.ts', 'runtime/server/serve.ts']);
    const early = Object.fromEntries([...loaded].filter(([name]) => NOT_AT_SERVE_START.some((pkg) => name === pkg || name.startsWith(`${pkg}/`))));
    expect(early).toEqual({});
    // The server itself is there (the check reads real imports, not an empty record).
    expect([...loaded.keys()]).toContain('better-sqlite3');
  });

  it('the provider SDKs and the worker pool are still in the build, imported on demand', () => {
    const onDemand = new Set(Object.values(readMeta().inputs).flatMap((input) => input.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)));
    for (const pkg of ['openai', '@google/genai', '@huggingface/inference', 'sharp']) expect(onDemand, pkg).toContain(pkg);
    expect([...onDemand].some((path) => path.includes('worker-pool'))).toBe(true);
  });

  it("dist/ carries zod's English messages only, and no source asks zod for another language", () => {
    const locales = Object.keys(readMeta().inputs)
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

  it('dist/params-schemas.json is what the sources compute for the built-in nodes, tagged with the build of dist/cli.cjs', () => {
    const snapshot = JSON.parse(readFileSync(join('dist', PARAMS_SNAPSHOT_FILE), 'utf8')) as ParamsSnapshot;
    expect(snapshot.nodes).toEqual(JSON.parse(JSON.stringify(makeParamsSnapshot(snapshot.build, builtinNodes).nodes)));
    expect(Object.keys(snapshot.nodes)).toHaveLength(builtinNodes.length);
    // runtime/params-snapshot.ts uses it only under this id, which the build wrote into the bundle.
    expect(snapshot.build).toMatch(/^[a-z0-9]+-[0-9a-f]{12}$/);
    expect(readFileSync('dist/cli.cjs', 'utf8')).toContain(JSON.stringify(snapshot.build));
  });
});
