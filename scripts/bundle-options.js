// How the sources are compiled for what ships (scripts/build.js: dist/cli.cjs and the worker entries),
// shared with bench/peer.ts so that its head-to-head figures measure that same code.
import { dirname, join } from 'node:path';

const BUNDLED = /^(zod|hono|@hono\/[^/]+|@asteasolutions\/zod-to-openapi)(\/|$)/;

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
      return { path: args.path, external: true };
    });
  },
};

/** esbuild options of the shipped bundles, for sources under `root`. */
export function productionBundle(root) {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20.19',
    plugins: [externals],
    // Less source for V8 to scan at every start; names stay, so stack traces still read (and map back).
    minifyWhitespace: true,
    minifySyntax: true,
    // esbuild's default, named because bin/run-cached.js relies on it: ASCII text reads as a one-byte
    // string without UTF-8 decoding.
    charset: 'ascii',
    logLevel: 'warning',
  };
}
