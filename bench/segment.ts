// The local segmentation backend (GrabCut at a bounded working size + guided-filter edge refinement)
// beside plain full-resolution GrabCut with the same initialisation, on composites whose masks are
// known exactly (see bench/segment-cases.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeCpuPool } from '../nodes/gpu/worker-pool';
import { segmentOnCpu } from '../nodes/segment/local-pool';
import { startServer } from '../runtime/server/serve';
import { segmentLocally, type LocalSegmentOptions } from '../nodes/segment/local-grabcut';
import { maskIoU } from '../nodes/segment/mask-ops';
import type { SegmentPrompt } from '../nodes/segment/types';
import { CASE_METHOD, buildSegmentCases, type SegmentCase } from './segment-cases';
import { median, printTable } from './table';

const PLAIN_GRABCUT: LocalSegmentOptions = { workingSize: Infinity, refine: false, iterations: 5 };

interface Measure {
  ms: number[];
  iou: number[];
}

async function measure(cases: SegmentCase[], prompt: (c: SegmentCase) => SegmentPrompt, options: LocalSegmentOptions = {}): Promise<Measure> {
  const out: Measure = { ms: [], iou: [] };
  for (const c of cases) {
    const start = performance.now();
    const result = await segmentLocally(c.image, prompt(c), options);
    out.ms.push(performance.now() - start);
    out.iou.push(maskIoU(result.candidates[0].mask, c.truth));
  }
  return out;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const boxAndClick = (c: SegmentCase): SegmentPrompt => ({ points: c.boxPoints, box: c.box, multimask: false, salient: false });
const clicksOnly = (c: SegmentCase): SegmentPrompt => ({ points: c.points, multimask: false, salient: false });

/**
 * The API's p99 latency (GET /api/nodes on a real server in this process, one request after another)
 * while two 1024² local segmentations run: on the worker pool, and — the baseline — on the main thread.
 */
export async function apiLatencyDuringSegmentation(cases: SegmentCase[]): Promise<{ pool: number[]; mainThread: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
  const server = await startServer({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), port: 0, env: {}, log: () => {} });
  try {
    const pair = cases.slice(0, 2);
    const signal = new AbortController().signal;
    // Warm both worker threads (OpenCV.js loads once per thread) and the route.
    await Promise.all(pair.map((c) => segmentOnCpu(c.image, boxAndClick(c), signal)));
    await (await fetch(`${server.url}/api/nodes`)).arrayBuffer();
    const during = async (work: () => Promise<unknown>) => {
      const latencies: number[] = [];
      let done = false;
      const finished = work().finally(() => (done = true));
      while (!done) {
        const start = performance.now();
        await (await fetch(`${server.url}/api/nodes`)).arrayBuffer();
        latencies.push(performance.now() - start);
      }
      await finished;
      return latencies;
    };
    const pool = await during(() => Promise.all(pair.map((c) => segmentOnCpu(c.image, boxAndClick(c), signal))));
    // Started one after the other from a timer, as two node runs would be: each holds the loop while it runs.
    const mainThread = await during(() =>
      Promise.all(pair.map((c) => new Promise((resolve) => setTimeout(resolve, 1)).then(() => segmentLocally(c.image, boxAndClick(c))))),
    );
    return { pool, mainThread };
  } finally {
    await server.close();
    await closeCpuPool();
    rmSync(dir, { recursive: true, force: true });
  }
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

export async function bench(): Promise<Record<string, number>> {
  const read = (name: string) => readFile(new URL(`../flows/assets/${name}`, import.meta.url));
  const cases1024 = await buildSegmentCases(read, 1024);
  const cases512 = await buildSegmentCases(read, 512);
  await measure(cases512.slice(0, 1), boxAndClick); // warm-up: loads OpenCV.js

  const local1024 = await measure(cases1024, boxAndClick);
  const plain1024 = await measure(cases1024, boxAndClick, PLAIN_GRABCUT);
  const local512 = await measure(cases512, boxAndClick);
  const plain512 = await measure(cases512, boxAndClick, PLAIN_GRABCUT);
  const clicks1024 = await measure(cases1024, clicksOnly);
  const api = await apiLatencyDuringSegmentation(cases1024);

  console.log(`\nSegmentation (local CPU backend), ${cases1024.length} composites; ${CASE_METHOD}.`);
  console.log('Prompts: box+click = the true box grown by ~5 px plus one interior click; clicks = two interior clicks.');
  console.log('Baseline: plain GrabCut at full resolution, 5 iterations, same initialisation, no refinement (box+click only: it takes seconds per click-only image).');
  const row = (name: string, value: number, unit: string, baseline: number, target?: string) => ({ name, value, unit, baseline: { name: 'plain GrabCut', value: baseline }, target });
  printTable('Local segmentation (median time, mean IoU)', [
    row('time 1024², box+click', median(local1024.ms), 'ms', median(plain1024.ms), '≤ 1000 ms'),
    row('time 512², box+click', median(local512.ms), 'ms', median(plain512.ms)),
    { name: 'time 1024², clicks', value: median(clicks1024.ms), unit: 'ms' },
    row('IoU 1024², box+click', mean(local1024.iou), '', mean(plain1024.iou), '≥ 0.9'),
    row('IoU 512², box+click', mean(local512.iou), '', mean(plain512.iou)),
    { name: 'IoU 1024², clicks', value: mean(clicks1024.iou), unit: '' },
  ]);
  printTable('API latency while two 1024² local segmentations run (GET /api/nodes, p99)', [
    {
      name: `worker pool (${api.pool.length} requests)`,
      value: p99(api.pool),
      unit: 'ms',
      baseline: { name: `main thread (${api.mainThread.length} requests)`, value: p99(api.mainThread) },
      target: '< 50 ms',
    },
  ]);
  console.log('\nper image (1024²)      local box+click      plain GrabCut        local clicks');
  cases1024.forEach((c, i) => {
    const cell = (m: Measure) => `${m.iou[i].toFixed(3)} / ${m.ms[i].toFixed(0).padStart(4)} ms`.padEnd(21);
    console.log(`${c.name.padEnd(40).slice(0, 22)} ${cell(local1024)}${cell(plain1024)}${cell(clicks1024)}`);
  });

  return {
    segmentMs1024: median(local1024.ms),
    segmentIoU: mean(local1024.iou),
    segmentMs512: median(local512.ms),
    segmentIoUClicks: mean(clicks1024.iou),
    grabcutMs1024: median(plain1024.ms),
    grabcutIoU: mean(plain1024.iou),
    apiP99DuringSegmentMs: p99(api.pool),
    apiP99DuringSegmentMainThreadMs: p99(api.mainThread),
  };
}
