// A sweep → the inputs of each run: every combination of the axes (product) or the axes side by side (zip).
export type SweepMode = 'product' | 'zip';

export interface SweepAxis {
  name: string;
  values: unknown[];
}

export const MAX_BATCH_RUNS = 256;

export class SweepError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'SweepError';
  }
}

/** The runs' sweep values in order; product varies the last axis fastest (row-major: first axis = rows). */
export function expandSweep(sweep: Record<string, unknown[]>, mode: SweepMode = 'product'): { axes: SweepAxis[]; combos: Array<Record<string, unknown>> } {
  const axes = Object.entries(sweep).map(([name, values]) => ({ name, values }));
  if (axes.length === 0) throw new SweepError('sweep needs at least one input with a list of values', 'sweep');
  for (const axis of axes) {
    if (!Array.isArray(axis.values) || axis.values.length === 0) throw new SweepError(`sweep.${axis.name}: give a non-empty list of values`, `sweep.${axis.name}`);
    if (axis.values.length > MAX_BATCH_RUNS) throw new SweepError(`sweep.${axis.name}: at most ${MAX_BATCH_RUNS} values`, `sweep.${axis.name}`);
  }
  if (mode === 'zip') {
    const length = axes[0].values.length;
    const odd = axes.find((a) => a.values.length !== length);
    if (odd) throw new SweepError(`zip mode pairs values by position: sweep.${odd.name} has ${odd.values.length} values, sweep.${axes[0].name} has ${length}`, `sweep.${odd.name}`);
    return { axes, combos: axes[0].values.map((_, i) => Object.fromEntries(axes.map((a) => [a.name, a.values[i]]))) };
  }
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_BATCH_RUNS) throw new SweepError(`the sweep makes ${total} runs; a batch holds at most ${MAX_BATCH_RUNS}`, 'sweep');
  const combos: Array<Record<string, unknown>> = [];
  for (let index = 0; index < total; index++) {
    const combo: Record<string, unknown> = {};
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const { name, values } = axes[a];
      combo[name] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    combos.push(Object.fromEntries(axes.map((a) => [a.name, combo[a.name]])));
  }
  return { axes, combos };
}
