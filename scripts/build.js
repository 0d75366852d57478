#!/usr/bin/env node
// `npm run build:server`: bundles the CLI (and with it the server, engine, store and nodes) into
// dist/ as plain JavaScript, so `atelier` starts without transpiling TypeScript. npm packages stay
// external (native modules such as better-sqlite3 and sharp load from node_modules as usual), except
// BUNDLED: pure-ESM packages that every start loads, spread over hundreds of small files (zod ~285,
// hono ~110) whose one-by-one loading was most of a start's cost. zod goes in together with every
// package that builds on it, so dist/ holds exactly one zod (schemas cross between them).
// Each command and each heavy subsystem is a dynamic import() in the sources, so it is a chunk of
// its own here and a command loads only the chunks it reaches.
// Worker-thread entries (piscina) are entry points of their own, emitted flat beside the bundle,
// so a pool that looks for `new URL('./cpu-tasks.js', import.meta.url)` finds it from dist/ too.
import { build } from 'esbuild';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

const WORKERS = ['nodes/gpu/cpu-tasks.ts'];
const BUNDLED = /^(zod|hono|@hono\/[^/]+|@asteasolutions\/zod-to-openapi)(\/|$)/;
// CommonJS packages that a start imports statically. An ESM `import` of CommonJS makes Node parse the
// package's source with cjs-module-lexer to find its export names (~60 ms for ws and better-sqlite3
// at every serve); require() skips that, so these load through createRequire in dist/, with the
// export names read once here at build time.
const REQUIRED = new Set(['ws', 'better-sqlite3']);
const requireHere = createRequire(import.meta.url);
// zod exports its error messages in ~50 languages (z.locales), ~290 KB of the bundle that every
// command parsed at start (~20 ms of CPU). Atelier speaks English, zod's default, and never calls
// z.config(z.locales.…), so in dist/ zod's locale index holds English only (test/cli-startup.test.ts
// checks both).
const ZOD_LOCALES = /^\.\.\/locales\/index\.js$/;
const ENGLISH_ONLY = `export { default as en } from './en.js';`;

/** Every bare import is external (resolved from node_modules at run time) unless BUNDLED names its package. */
const externals = {
  name: 'externals',
  setup(build) {
    build.onResolve({ filter: ZOD_LOCALES }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(args.resolveDir, args.path), namespace: 'zod-english' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) => ({ contents: ENGLISH_ONLY, loader: 'js', resolveDir: dirname(args.path) }));
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || BUNDLED.test(args.path)) return undefined;
      if (REQUIRED.has(args.path) && args.kind === 'import-statement') return { path: args.path, namespace: 'required' };
      return { path: args.path, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => {
      const names = Object.keys(requireHere(args.path)).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
      const lines = [
        `import { createRequire } from 'node:module';`,
        `const required = createRequire(import.meta.url)(${JSON.stringify(args.path)});`,
        `export default required;`,
        ...names.map((name) => `export const ${name} = required.${name};`),
      ];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: root };
    });
  },
};

const entryPoints = ['runtime/cli.ts', ...WORKERS.filter((file) => existsSync(join(root, file)))];
const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  plugins: [externals],
  // Less source for V8 to scan at every start; names stay, so stack traces still read (and map back).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // dist/meta.json: which chunk imports what, statically or on demand (test/cli-startup.test.ts reads it).
  metafile: true,
});
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(metafile));
console.log(`dist/: ${entryPoints.join(', ')} bundled in ${Math.round(performance.now() - started)} ms`);
