// `--sweep name=VALUES`: 1..8 (integers, inclusive; 0..1:0.25 with a step), @file (one value per
// non-empty line), a JSON array ([1, "x"]), or a comma list (a,b,c).
import { MAX_BATCH_RUNS } from '../batches/expand';
import type { Flow } from '../../model/flow';
import { FileTooLarge, readAtMost } from './read-at-most';
import type { SweepRunOptions } from './run-sweep';

/** A file of values (one per line) for at most MAX_BATCH_RUNS runs: prompts, seeds. */
const MAX_VALUES_FILE_BYTES = 16 * 1024 * 1024;

export function parseSweeps(specs: string[]): Record<string, unknown[]> {
  const sweep: Record<string, unknown[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--sweep expects name=values, got "${spec}"`);
    const name = spec.slice(0, eq);
    if (name in sweep) throw new Error(`--sweep ${name} is given twice`);
    sweep[name] = parseValues(name, spec.slice(eq + 1));
  }
  return sweep;
}

function parseValues(name: string, text: string): unknown[] {
  const fail = (why: string): never => {
    throw new Error(`--sweep ${name}=${text}: ${why}`);
  };
  let values: unknown[];
  const range = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(text);
  if (text.startsWith('@')) {
    let content: string;
    try {
      content = readAtMost(text.slice(1), MAX_VALUES_FILE_BYTES).toString('utf8');
    } catch (error) {
      if (error instanceof FileTooLarge) return fail(`files of values are limited to ${MAX_VALUES_FILE_BYTES / 2 ** 20} MiB`);
      return fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message);
    }
    values = content.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  } else if (range) {
    const [from, to, step] = [Number(range[1]), Number(range[2]), range[3] ? Number(range[3]) : 1];
    if (!(step > 0)) return fail('the step must be positive');
    const count = Math.floor(Math.abs(to - from) / step + 1e-9) + 1;
    if (count > MAX_BATCH_RUNS) return fail(`${count} values; at most ${MAX_BATCH_RUNS}`);
    const sign = to >= from ? 1 : -1;
    values = Array.from({ length: count }, (_, i) => Math.round((from + sign * i * step) * 1e9) / 1e9);
  } else if (text.startsWith('[')) {
    try {
      values = JSON.parse(text);
    } catch (error) {
      return fail(`not a JSON array: ${(error as Error).message}`);
    }
    if (!Array.isArray(values)) return fail('not a JSON array');
  } else values = text.split(',').map((v) => v.trim()).filter(Boolean);
  if (values.length === 0) fail('no values');
  if (values.length > MAX_BATCH_RUNS) fail(`${values.length} values; at most ${MAX_BATCH_RUNS}`);
  return values;
}

/** The batch the CLI runs: inputs a loaded PNG carried give way to swept ones; --input may not name a swept input. */
export function sweepOptions(
  loaded: { flow: Flow; flowId?: string; inputs?: Record<string, unknown> },
  given: Record<string, unknown>,
  specs: string[],
  modeFlag: string | undefined,
  outDir: string,
): SweepRunOptions {
  const sweep = parseSweeps(specs);
  const mode = modeFlag ?? 'product';
  if (mode !== 'product' && mode !== 'zip') throw new Error(`--mode is product or zip, got "${mode}"`);
  const carried = Object.fromEntries(Object.entries(loaded.inputs ?? {}).filter(([name]) => !(name in sweep)));
  return { flow: loaded.flow, flowId: loaded.flowId, inputs: { ...carried, ...given }, sweep, mode, outDir, print: (line) => console.log(line) };
}
