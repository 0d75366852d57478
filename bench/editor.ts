// Editor drawing and live-update speed in headless Chromium (Debian's /usr/bin/chromium):
// navigation until a 500-node / 600-edge flow is drawn, beside a 10-node flow in the same run
// (in the tab's renderer process, as a reload or a flow link opened in the tab is; the same in a
// freshly started renderer process is reported beside it as editor500NewProcessMs, and the page's
// main-thread CPU time for the same load, which hardly moves with the machine's load, as
// editor500CpuMs);
// applying 1,000 node status events (one per task, like WebSocket messages) on the 500-node
// flow, beside the same on the 10-node flow. Events are injected through the editor's test
// hook (window.__atelier), so only the editor is measured. Also: each shipped flow (flows/*.json) from
// navigation to drawn; editorOpenShippedMs is the slowest one's median.
import { readdirSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import type { Flow } from '../model/flow';
import { CHROMIUM, ensureEditorBuilt, hasChromium, launchBrowser } from '../test/editor/browser';
import { startTestServer } from '../test/helpers/server';
import { median, printTable } from './table';

const REPEATS = 5;

/** Column 0 loads images; every later node crops its left neighbour (500 nodes, 600 links). */
export function gridFlow(rows: number, cols: number, extraBboxLinks: number): Flow {
  const nodes: Flow['nodes'] = [];
  const edges: Flow['edges'] = [];
  const id = (r: number, c: number) => `n${r}-${c}`;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      const position = { x: c * 300, y: r * 220 };
      if (c === 0) nodes.push({ id: id(r, c), type: 'image.load', position, params: { asset: 'chelsea.png' } });
      else {
        nodes.push({ id: id(r, c), type: 'image.crop', position, params: { x: 0, y: 0, width: 64, height: 64, padding: 0 } });
        edges.push({ id: `i${r}-${c}`, source: id(r, c - 1), sourceHandle: 'image', target: id(r, c), targetHandle: 'image' });
      }
    }
  }
  for (let k = 0, c = 2; k < extraBboxLinks && c < cols; c++) {
    for (let r = 0; r < rows && k < extraBboxLinks; r++, k++) {
      edges.push({ id: `b${r}-${c}`, source: id(r, c - 1), sourceHandle: 'bbox', target: id(r, c), targetHandle: 'bbox' });
    }
  }
  return { format: 'atelier.flow/1', name: `Bench ${nodes.length} nodes`, revision: 0, inputs: {}, outputs: {}, nodes, edges };
}

/**
 * Waits for the page's drawnAt over a bare CDP Runtime.evaluate: page.waitForFunction first
 * evaluates Playwright's injected script in the page (~50 ms of main-thread work, more under
 * load), which landed inside the very load it was waiting for and was timed with it.
 */
async function waitDrawn(cdp: CDPSession): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { result } = await cdp.send('Runtime.evaluate', { expression: 'window.__atelier?.store.getState().drawnAt', returnByValue: true });
    if (result.value !== undefined) return;
    if (Date.now() > deadline) throw new Error('bench/editor: the flow was not drawn within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Navigation to drawn. The previous page is left first, so unloading it (a big flow) is not
 * timed. By default the page itself goes to about:blank: a blank page opened by the page stays
 * in its renderer process, so the timed load measures the editor. A browser-initiated
 * about:blank (page.goto, `newProcess`) makes Chromium start a fresh renderer process for the
 * blank page and another for the editor on every sample: 300–700 ms of process start-up and a
 * cold script cache that the editor does not control and that swings with the machine's load.
 */
async function timeDraw(page: Page, url: string, { newProcess = false } = {}): Promise<number> {
  await leavePage(page, newProcess);
  const cdp = await page.context().newCDPSession(page);
  await page.goto(url);
  await waitDrawn(cdp);
  await cdp.detach();
  return checkedDrawnAt(page, url);
}

async function leavePage(page: Page, newProcess: boolean): Promise<void> {
  if (newProcess || !page.url().startsWith('http')) await page.goto('about:blank');
  else {
    await page.evaluate(() => {
      location.href = 'about:blank';
    });
    await page.waitForURL('about:blank');
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
}

/**
 * The page's main-thread CPU time from navigation to drawn (same renderer process, as timeDraw):
 * the thread time of its top-level tasks in a Chromium trace. Unlike the wall-clock figure it
 * hardly moves with the machine's load (time spent waiting for a core is not thread time), so
 * it tells an editor change from a busy machine. Not taken in the timed loads: tracing costs.
 */
async function cpuToDraw(page: Page, url: string): Promise<number> {
  await leavePage(page, false);
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', { categories: 'toplevel,blink.user_timing', transferMode: 'ReportEvents' });
  await page.goto(url);
  await waitDrawn(cdp);
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  const drawnAt = await checkedDrawnAt(page, url);
  const mark = events.find((e) => e.name === 'atelier:drawn');
  if (!mark) throw new Error('bench/editor: the trace has no atelier:drawn mark');
  const navigationStart = mark.ts - drawnAt * 1000;
  const tasks = events
    .filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.ts >= navigationStart && e.ts <= mark.ts)
    .sort((a, b) => a.ts - b.ts);
  let cpu = 0;
  let end = -Infinity;
  for (const task of tasks) {
    if (task.ts < end) continue; // a task run inside another (nested loop) is in its time already
    end = task.ts + (task.dur ?? 0);
    cpu += (task.tdur ?? 0) / 1000;
  }
  if (!cpu) throw new Error('bench/editor: the trace has no main-thread task time');
  return Math.round(cpu * 10) / 10;
}

async function checkedDrawnAt(page: Page, url: string): Promise<number> {
  const { drawnAt, nodes, rendered } = await page.evaluate(() => ({
    drawnAt: window.__atelier!.store.getState().drawnAt!,
    nodes: window.__atelier!.store.getState().nodes.length,
    rendered: document.querySelectorAll('.react-flow__node').length,
  }));
  if (!nodes || !rendered) throw new Error(`bench/editor: the flow at ${url} drew no nodes`);
  return drawnAt; // ms since navigation start (performance.now() in the page)
}

/** Applies node.started + node.finished for nodes in turn until 1,000 events, one event per task. */
async function timeEvents(page: Page, count: number): Promise<number> {
  return page.evaluate(async (count) => {
    const hook = window.__atelier!;
    const ids = hook.store.getState().nodes.map((n) => n.id);
    const runId = `bench-${Math.random().toString(36).slice(2)}`;
    hook.showRun(runId);
    const events: any[] = [];
    for (let seq = 1; events.length < count; ) {
      for (const nodeId of ids) {
        if (events.length >= count) break;
        events.push({ runId, seq: seq++, ts: '', type: 'node.started', nodeId });
        if (events.length >= count) break;
        events.push({ runId, seq: seq++, ts: '', type: 'node.finished', nodeId, cached: false, durationMs: 1, outputs: {} });
      }
    }
    const channel = new MessageChannel();
    const start = performance.now();
    await new Promise<void>((resolve) => {
      let i = 0;
      channel.port1.onmessage = () => {
        hook.applyEvents([events[i++]]);
        if (i < events.length) channel.port2.postMessage(0);
        else resolve();
      };
      channel.port2.postMessage(0);
    });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const elapsed = performance.now() - start;
    const done = document.querySelectorAll('[data-status="succeeded"]').length;
    if (!done) throw new Error('bench/editor: no node shows succeeded after the events');
    return elapsed;
  }, count);
}

export async function bench(): Promise<Record<string, number>> {
  if (!hasChromium) {
    console.log(`\nEditor benchmark skipped: ${CHROMIUM} not found`);
    return {};
  }
  await ensureEditorBuilt();
  const server = await startTestServer();
  const browser = await launchBrowser();
  try {
    const post = async (flow: Flow) => {
      const res = await fetch(`${server.url}/api/flows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flow) });
      if (!res.ok) throw new Error(`bench/editor: POST /api/flows answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    const big = gridFlow(20, 25, 120);
    const small = gridFlow(2, 5, 0);
    if (big.nodes.length !== 500 || big.edges.length !== 600 || small.nodes.length !== 10) throw new Error('bench/editor: flow sizes are off');
    const bigId = await post(big);
    const smallId = await post(small);

    const page = await browser.context.newPage();
    await timeDraw(page, `${server.url}/?flow=${smallId}`); // warm-up: browser caches, JIT
    await timeDraw(page, `${server.url}/?flow=${bigId}`);
    const draw10: number[] = [];
    const draw500: number[] = [];
    const cpu10: number[] = [];
    const cpu500: number[] = [];
    const draw10NewProcess: number[] = [];
    const draw500NewProcess: number[] = [];
    const events10: number[] = [];
    const events500: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      draw10.push(await timeDraw(page, `${server.url}/?flow=${smallId}`));
      events10.push(await timeEvents(page, 1000));
      draw500.push(await timeDraw(page, `${server.url}/?flow=${bigId}`));
      events500.push(await timeEvents(page, 1000));
    }
    for (let i = 0; i < REPEATS; i++) {
      cpu10.push(await cpuToDraw(page, `${server.url}/?flow=${smallId}`));
      cpu500.push(await cpuToDraw(page, `${server.url}/?flow=${bigId}`));
    }
    // After the loops above, so their loads never run in a just-started process.
    for (let i = 0; i < REPEATS; i++) {
      draw10NewProcess.push(await timeDraw(page, `${server.url}/?flow=${smallId}`, { newProcess: true }));
      draw500NewProcess.push(await timeDraw(page, `${server.url}/?flow=${bigId}`, { newProcess: true }));
    }
    const rendered = await page.evaluate(() => document.querySelectorAll('.react-flow__node').length);
    const shipped = readdirSync('flows').filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    const openShipped: Array<[string, number]> = [];
    for (const id of shipped) {
      await timeDraw(page, `${server.url}/?flow=${id}`); // warm-up
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) times.push(await timeDraw(page, `${server.url}/?flow=${id}`));
      openShipped.push([id, median(times)]);
    }
    const slowest = openShipped.reduce((a, b) => (b[1] > a[1] ? b : a));
    const result = {
      editor500Ms: median(draw500),
      editor10Ms: median(draw10),
      editorEvents1000Ms: median(events500),
      editorEvents1000On10Ms: median(events10),
      editorOpenShippedMs: slowest[1],
      editor500NewProcessMs: median(draw500NewProcess),
      editor10NewProcessMs: median(draw10NewProcess),
      editor500CpuMs: median(cpu500),
      editor10CpuMs: median(cpu10),
    };
    printTable(`Editor (headless Chromium, median of ${REPEATS}; 500-node flow shows ${rendered} node elements at fit zoom)`, [
      { name: 'draw 500 nodes / 600 links', value: result.editor500Ms, unit: 'ms', baseline: { name: '10 nodes', value: result.editor10Ms }, target: '≤ 1000 ms' },
      { name: '1,000 status events, 500-node flow', value: result.editorEvents1000Ms, unit: 'ms', baseline: { name: 'same on 10 nodes', value: result.editorEvents1000On10Ms } },
      { name: 'draw 500 nodes: page main-thread CPU', value: result.editor500CpuMs, unit: 'ms', baseline: { name: '10 nodes', value: result.editor10CpuMs } },
      { name: 'draw 500 nodes in a new renderer process', value: result.editor500NewProcessMs, unit: 'ms', baseline: { name: '10 nodes', value: result.editor10NewProcessMs } },
      { name: `open slowest shipped flow (${slowest[0]})`, value: result.editorOpenShippedMs, unit: 'ms', baseline: { name: '10 nodes', value: result.editor10Ms } },
    ]);
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
