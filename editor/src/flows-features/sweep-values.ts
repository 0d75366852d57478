// Sweep values as typed in the values editor: one value per line, or an integer range `1..8`.

/** The server's cap on runs in one batch. */
export const MAX_SWEEP_RUNS = 256;

const RANGE = /^(-?\d+)\s*\.\.\s*(-?\d+)$/;

function parseValue(text: string): unknown {
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? number : text;
}

/**
 * One value per line (numbers stay numbers), or a single integer range `1..8`. Blank lines are
 * skipped. Throws an Error naming the problem (a range beyond the run cap, nothing given).
 */
export function parseSweepValues(text: string): unknown[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const range = lines.length === 1 ? RANGE.exec(lines[0]) : null;
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    const count = Math.abs(to - from) + 1;
    if (count > MAX_SWEEP_RUNS) throw new Error(`the range ${lines[0]} has ${count} values; a sweep runs at most ${MAX_SWEEP_RUNS}`);
    const step = to >= from ? 1 : -1;
    return Array.from({ length: count }, (_, i) => from + i * step);
  }
  if (lines.length > MAX_SWEEP_RUNS) throw new Error(`${lines.length} values; a sweep runs at most ${MAX_SWEEP_RUNS}`);
  return lines.map(parseValue);
}
