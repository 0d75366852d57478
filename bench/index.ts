// `npm run bench`: every benchmark module in turn; the last line is one JSON object of all keys.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MODULES = ['engine', 'segment', 'inflate', 'artifacts', 'large-body', 'flow-list', 'run-rows', 'writer-thread', 'upload', 'editor', 'startup', 'scale'];

const only = process.argv.slice(2);
const results: Record<string, number> = {};
for (const name of MODULES) {
  if (only.length && !only.includes(name)) continue;
  const path = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(path)) continue;
  const module = (await import(path)) as { bench(): Promise<Record<string, number>> };
  Object.assign(results, await module.bench());
}
const rounded = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
console.log(JSON.stringify(rounded));
