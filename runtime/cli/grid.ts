// The contact sheet of a sweep (grid.png): the first axis down the rows, the other axes across the
// columns (one axis, or zip mode: a single row), each labelled with its values.
import sharp, { type OverlayOptions } from 'sharp';

const CELL = 256;
const GAP = 8;
const HEADER = 36;
const MAX_LABEL = 34;

export interface SheetRun {
  sweep: Record<string, unknown>;
  /** The run's first image output; absent when the run made none (it failed). */
  image?: Buffer;
}

export async function contactSheet(axes: Array<{ name: string; values: unknown[] }>, runs: SheetRun[], mode: 'product' | 'zip'): Promise<Buffer> {
  const byRows = mode === 'product' && axes.length >= 2;
  const cols = byRows ? runs.length / axes[0].values.length : runs.length;
  const rows = byRows ? axes[0].values.length : 1;
  const labelWidth = byRows ? 200 : 0;
  const width = labelWidth + cols * (CELL + GAP) + GAP;
  const height = HEADER + rows * (CELL + GAP) + GAP;
  const layers: OverlayOptions[] = [];
  for (let c = 0; c < cols; c++) {
    const sweep = runs[c].sweep;
    const text = byRows ? valuesLabel(sweep, axes.slice(1)) : valuesLabel(sweep, axes);
    layers.push({ input: label(text, CELL, HEADER), left: labelWidth + GAP + c * (CELL + GAP), top: 0 });
  }
  for (let r = 0; r < rows; r++) {
    if (byRows) layers.push({ input: label(valuesLabel(runs[r * cols].sweep, axes.slice(0, 1)), labelWidth, CELL), left: 0, top: HEADER + r * (CELL + GAP) });
    for (let c = 0; c < cols; c++) {
      const run = runs[r * cols + c];
      const cell = run.image ? await fit(run.image) : await missing();
      layers.push({ input: cell, left: labelWidth + GAP + c * (CELL + GAP), top: HEADER + r * (CELL + GAP) });
    }
  }
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(layers).png().toBuffer();
}

function valuesLabel(sweep: Record<string, unknown>, axes: Array<{ name: string }>): string {
  return axes.map((a) => `${a.name}=${valueText(sweep[a.name])}`).join(' · ');
}

function fit(image: Buffer): Promise<Buffer> {
  return sharp(image).resize(CELL, CELL, { fit: 'contain', background: '#f2f2f2' }).flatten({ background: '#f2f2f2' }).png().toBuffer();
}

function missing(): Promise<Buffer> {
  return sharp({ create: { width: CELL, height: CELL, channels: 3, background: '#e6e6e6' } })
    .composite([{ input: label('no image', CELL, CELL), left: 0, top: 0 }])
    .png()
    .toBuffer();
}

function label(text: string, width: number, height: number): Buffer {
  const shown = text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
  const escaped = shown.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="${width / 2}" y="${height / 2}" font-family="sans-serif" font-size="14" fill="#222" text-anchor="middle" dominant-baseline="middle">${escaped}</text></svg>`,
  );
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
