// `npm run fuzz -- --runs N [--seed S] [--only name]`: the suite's fuzz properties, run longer against a fresh server.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { startTestServer } from '../helpers/server';
import { fuzzProperties } from './fuzz-properties';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '500' }, seed: { type: 'string' }, only: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;

const server = await startTestServer();
let failed = 0;
try {
  for (const { name, property } of fuzzProperties(server)) {
    if (values.only && !name.includes(values.only)) continue;
    const started = performance.now();
    const result = await fc.check(property, { seed, numRuns: runs, endOnFailure: true });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (result.failed) {
      failed++;
      const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      console.log(`✗ ${name} (${seconds} s): ${error.slice(0, 1000)}\n  seed ${result.seed}, path "${result.counterexamplePath}"; counterexample: ${JSON.stringify(result.counterexample).slice(0, 500)}`);
    } else console.log(`✓ ${name}: ${result.numRuns} runs, seed ${seed} (${seconds} s)`);
  }
  const alive = await fetch(`${server.url}/api/nodes`);
  if (alive.status !== 200) throw new Error(`the server stopped answering: HTTP ${alive.status}`);
} finally {
  await server.close();
}
process.exit(failed ? 1 : 0);
