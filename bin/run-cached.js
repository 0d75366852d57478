// Runs a CommonJS bundle (dist/cli.cjs) with V8's code cache: the first start of a build compiles it
// and, as the process exits, keeps the code V8 compiled by then (the functions the command ran, not
// only the top level) in the OS temp dir; later starts hand that back to V8 and skip compiling.
// Node 22.8+ has such a cache built in (module.enableCompileCache), Node 20 has none for any module
// and none at all for ES modules; this one file works the same on every Node Atelier supports.
// The cache is only ever a speed-up: a missing, stale or foreign file is one V8 rejects (it checks
// the source, V8 version and flags) and the start compiles as if there were none, then writes a new
// one. NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns it off. Writing a build's cache removes
// the caches of the bundle's other builds (for the same Node), so rebuilds do not pile up in the temp dir.
const { isAscii } = require('node:buffer');
const { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir } = require('node:os');
const { basename, dirname, join } = require('node:path');
const vm = require('node:vm');

/**
 * Where the cache for `file` lives: one file per build (size and mtime), Node version, architecture
 * and `tag` (the command: `serve` and `validate` run different functions, each start gets its own).
 */
function cachePathOf(file, tag) {
  const { size, mtimeMs } = statSync(file);
  const name = [basename(file), tag.replace(/[^a-z0-9-]/gi, '_').slice(0, 32), size, Math.trunc(mtimeMs), process.version, process.arch].join('-');
  return join(tmpdir(), `atelier-compile-cache${process.getuid ? `-${process.getuid()}` : ''}`, `${name}.bin`);
}

/**
 * Code from the cache runs as this user's code, so the cache directory must be this user's own and
 * writable by nobody else (the temp dir is shared): otherwise it is not read or written.
 */
function ownDirectory(dir) {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && (!process.getuid || (stat.uid === process.getuid() && (stat.mode & 0o022) === 0));
  } catch {
    return false;
  }
}

function readCache(path) {
  if (!ownDirectory(dirname(path))) return undefined;
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Atomically (temp file + rename), so a second process starting meanwhile never reads half a cache. */
function writeCache(path, data) {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!ownDirectory(dirname(path))) return;
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, data);
    renameSync(temp, path);
    removeOtherBuilds(path);
  } catch {
    // A read-only or full temp dir: the next start compiles again, as without a cache.
  }
}

/** The part of a cache file's name that names the build: `-<size>-<mtime>` before `-<node>-<arch>.bin`. */
const BUILD_STAMP = /-\d+-\d+$/;

/**
 * Removes the caches of this bundle's other builds for this Node and architecture (another Node's
 * caches stay: CI runs several). V8 would refuse them anyway; kept, every build would leave its files.
 */
function removeOtherBuilds(path) {
  const dir = dirname(path);
  const name = basename(path);
  const suffix = `-${process.version}-${process.arch}.bin`;
  const bundle = name.slice(0, name.indexOf('-') + 1);
  const build = name.slice(0, -suffix.length).match(BUILD_STAMP)?.[0];
  if (!build || !name.endsWith(suffix)) return;
  for (const other of readdirSync(dir)) {
    if (other === name || !other.startsWith(bundle) || !other.endsWith(suffix)) continue;
    const stamp = other.slice(0, -suffix.length).match(BUILD_STAMP)?.[0];
    if (stamp && stamp !== build) {
      try {
        unlinkSync(join(dir, other));
      } catch {
        // another start removed it first
      }
    }
  }
}

/**
 * The file's text. esbuild writes ASCII (non-ASCII characters escaped), which is also Latin-1: read
 * that way it becomes V8's one-byte string without a UTF-8 decoding pass (~1.5 ms for dist/cli.cjs).
 */
function readSource(file) {
  const bytes = readFileSync(file);
  return isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.utf8Slice(0, bytes.length);
}

/** Node resolves a package from here (bin/) as from dist/: both find the project's node_modules. */
const importPackage = (specifier) => import(specifier);

/** Loads and runs `file` (a CommonJS module) as require() would, with the cache kept under `tag`; returns its exports. */
function runCached(file, tag, env = process.env) {
  const source = readSource(file);
  const cachePath = env.NODE_DISABLE_COMPILE_CACHE === '1' ? undefined : cachePathOf(file, tag);
  const cachedData = cachePath ? readCache(cachePath) : undefined;
  // The bundle's import() of a package (provider SDKs, sharp) is $import() (scripts/build.js): code
  // run from V8's cache cannot call import() itself on Node 20, so it goes through this module.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, $import) {${source}\n})`, { filename: file, cachedData });
  if (cachePath && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit, so the cache holds every function this start compiled (a server exits on SIGINT/SIGTERM).
    process.once('exit', () => writeCache(cachePath, script.createCachedData()));
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), importPackage);
  module.loaded = true;
  return module.exports;
}

module.exports = { cachePathOf, runCached };
