#!/usr/bin/env node
// `npm run build:server`: bundles the CLI (and with it the server, engine, store and nodes) into
// dist/cli.cjs, one plain-JavaScript file, so `atelier` starts without transpiling TypeScript. npm
// packages stay external (native modules such as better-sqlite3 and sharp load from node_modules as
// usual), except BUNDLED (scripts/bundle-options.js): pure-ESM packages that every start loads, spread over hundreds of small
// files (zod ~285, hono ~110) whose one-by-one loading was most of a start's cost; dist/ holds one zod.
// One file, not ES module chunks: Node 20's ES module loader cannot use V8's code cache, and resolving,
// reading and linking ~20 chunks cost a serve start more than compiling one file. bin/atelier.js runs
// it through bin/run-cached.js, which keeps V8's compiled code of what a start ran, so later starts
// skip compiling it. The bundle stays lazy: each command and each heavy subsystem is a dynamic
// import() in the sources, which esbuild keeps as a function evaluated on first use, and an external
// package is required where its importer is first evaluated (test/cli-startup.test.ts reads
// dist/meta.json to check what a command loads at start).
// Worker-thread entries (piscina) are ES module bundles of their own, emitted flat beside the CLI,
// so a pool that looks for `new URL('./cpu-tasks.js', import.meta.url)` finds it from dist/ too.
import { build } from 'esbuild';
import { productionBundle } from './bundle-options.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

const WORKERS = ['nodes/gpu/cpu-tasks.ts'];
// In the CommonJS bundle import.meta.url is the bundle's own URL, as it was for an ES module chunk in dist/.
const MODULE_URL = '__atelierModuleUrl';
const MODULE_URL_BANNER = `var ${MODULE_URL} = require('node:url').pathToFileURL(__filename).href;`;
// The packages the sources import() on demand (provider SDKs, sharp, bullmq) load as ES modules, as
// from the sources. Code compiled through node:vm cannot call import() by itself (Node 20's way to
// allow it, vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER, is experimental, warns, and is lost when
// the code comes from the cache: "A dynamic import callback was not specified"), so in the bundle
// `import("pkg")` becomes `$import("pkg")` (as long, so the source map stays right): a function
// bin/run-cached.js passes in, which imports from an ES module (the CLI tests run flows that load
// sharp this way).
const DYNAMIC_IMPORT = /(?<![\w$.])import\("((?:@[\w.-]+\/)?[\w.-]+(?:\/[\w.-]+)*)"\)/g;
const IMPORTER = '$import';

/** Rewrites each import() of an external package to $import(); any other import() left fails the build. */
function routeDynamicImports(file, metafile) {
  const expected = new Set(
    Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path)),
  );
  const code = readFileSync(file, 'utf8');
  if (code.includes(IMPORTER)) throw new Error(`${file} already uses the name ${IMPORTER}`);
  const routed = code.replace(DYNAMIC_IMPORT, (call, specifier) => (expected.has(specifier) ? `${IMPORTER}(${JSON.stringify(specifier)})` : call));
  const left = routed.match(/(?<![\w$.])import\(/g);
  if (left) throw new Error(`${file}: ${left.length} import() call(s) left that bin/run-cached.js could not serve`);
  writeFileSync(file, routed);
}
/**
 * dist/params-schemas.json (runtime/params-snapshot.ts): the built-in nodes' params as JSON Schema,
 * computed here by the same sources, bundled the same way, and tagged with this build's id.
 */
async function writeParamsSnapshot(buildId) {
  const temp = mkdtempSync(join(tmpdir(), 'atelier-build-'));
  try {
    const script = join(temp, 'params-snapshot.cjs');
    await build({
      ...common,
      sourcemap: false,
      metafile: false,
      stdin: {
        contents: `import { builtinNodes } from './nodes/index';
import { makeParamsSnapshot } from './runtime/params-snapshot';
process.stdout.write(JSON.stringify(makeParamsSnapshot(${JSON.stringify(buildId)}, builtinNodes)));`,
        resolveDir: root,
        loader: 'ts',
      },
      outfile: script,
      format: 'cjs',
      banner: { js: MODULE_URL_BANNER },
      define: { 'import.meta.url': MODULE_URL },
    });
    const json = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(join(outdir, 'params-schemas.json'), `${JSON.stringify(JSON.parse(json))}\n`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

const workers = WORKERS.filter((file) => existsSync(join(root, file)));
// Ties dist/params-schemas.json to the dist/cli.cjs of the same build.
const buildId = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
const common = {
  ...productionBundle(root),
  sourcemap: 'linked',
  // dist/meta.json: which source imports what, statically or on demand (test/cli-startup.test.ts reads it).
  metafile: true,
};
const [cli, pool] = await Promise.all([
  build({
    ...common,
    entryPoints: ['runtime/cli.ts'],
    outfile: join(outdir, 'cli.cjs'),
    format: 'cjs',
    banner: { js: MODULE_URL_BANNER },
    define: { 'import.meta.url': MODULE_URL, __ATELIER_BUILD_ID__: JSON.stringify(buildId) },
  }),
  build({ ...common, entryPoints: workers, outdir, entryNames: '[name]', format: 'esm' }),
  writeParamsSnapshot(buildId),
]);
routeDynamicImports(join(outdir, 'cli.cjs'), cli.metafile);
const metafile = { inputs: { ...pool.metafile.inputs, ...cli.metafile.inputs }, outputs: { ...cli.metafile.outputs, ...pool.metafile.outputs } };
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(metafile));
console.log(`dist/: runtime/cli.ts, ${workers.join(', ')} bundled in ${Math.round(performance.now() - started)} ms`);
