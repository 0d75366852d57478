// `npm run bench`: every benchmark module in turn; the last line is one JSON object of all keys. The
// engine's module runs as the server runs (bench/compiled.ts: compiled, with the start script's Node
// flags, in a process of its own); the others run here, through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledBench, serverNodeFlags, splitLastJson } from './compiled';

const MODULES = ['engine', 'segment', 'inflate', 'artifacts', 'large-body', 'flow-list', 'run-rows', 'writer-thread', 'upload', 'editor', 'startup', 'scale'];

/** Modules with an entry `<name>-main.ts` that prints their keys as JSON last. */
const AS_THE_SERVER_RUNS = new Set(['engine']);

const repo = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const results: Record<string, number> = {};
for (const name of MODULES) {
  if (only.length && !only.includes(name)) continue;
  if (AS_THE_SERVER_RUNS.has(name)) {
    Object.assign(results, await benchAsTheServerRuns(name));
    continue;
  }
  const path = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(path)) continue;
  const module = (await import(path)) as { bench(): Promise<Record<string, number>> };
  Object.assign(results, await module.bench());
}
const rounded = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
console.log(JSON.stringify(rounded));

async function benchAsTheServerRuns(name: string): Promise<Record<string, number>> {
  const flags = serverNodeFlags(repo);
  const compiled = await compiledBench(repo, `bench/${name}-main.ts`, name);
  try {
    const { json, before } = splitLastJson<Record<string, number>>(compiled.run(flags));
    process.stdout.write(`${before}(${name}: compiled as shipped, run with ${flags.length ? `node ${flags.join(' ')}` : "Node's defaults, as npm start runs the server"})\n`);
    return json;
  } finally {
    compiled.remove();
  }
}
