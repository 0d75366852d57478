import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closeCpuPool, cpuPool, cpuThreads, runCpuTask, workerEntry } from './worker-pool';

afterAll(() => closeCpuPool());

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not met');
}

describe('CPU worker pool', () => {
  it('runs a task off the event loop: the main thread keeps answering while it runs', async () => {
    let settled = false;
    const task = runCpuTask<number>('spin', { ms: 1500 }, new AbortController().signal).finally(() => (settled = true));
    await until(() => cpuPool().threads.length > 0 && cpuPool().queueSize === 0);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await until(() => ticks >= 5 || settled);
    clearInterval(timer);
    expect(settled).toBe(false); // five timer ticks on the main thread while the worker spins
    expect(await task).toBeGreaterThan(0);
  });

  it('cancels a running task through its signal, and the pool keeps working', async () => {
    const controller = new AbortController();
    let settled = false;
    const task = runCpuTask('spin', { ms: 120_000 }, controller.signal).finally(() => (settled = true));
    await until(() => cpuPool().threads.length > 0 && cpuPool().queueSize === 0);
    expect(settled).toBe(false);
    controller.abort(new DOMException('run cancelled', 'AbortError'));
    await expect(task).rejects.toMatchObject({ name: 'AbortError', message: 'run cancelled' });
    expect(await runCpuTask<number>('spin', { ms: 1 }, new AbortController().signal)).toBeGreaterThan(0);
  });

  it('does not start a task whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runCpuTask('spin', { ms: 1 }, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('loads compiled JavaScript when it sits next to the pool, else the tsx entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-pool-'));
    try {
      const moduleUrl = pathToFileURL(join(dir, 'worker-pool.js')).href;
      expect(() => workerEntry(moduleUrl)).toThrow(/no CPU worker entry next to/);
      writeFileSync(join(dir, 'cpu-worker-dev.mjs'), '');
      expect(workerEntry(moduleUrl)).toBe(pathToFileURL(join(dir, 'cpu-worker-dev.mjs')).href);
      writeFileSync(join(dir, 'cpu-tasks.js'), '');
      expect(workerEntry(moduleUrl)).toBe(pathToFileURL(join(dir, 'cpu-tasks.js')).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // From the sources (here), the tsx entry.
    expect(workerEntry()).toMatch(/nodes\/gpu\/cpu-worker-dev\.mjs$/);
  });
});

describe('ATELIER_CPU_THREADS', () => {
  it('sizes the pool from the environment, defaulting to all cores but one, and names the variable when it is bad', () => {
    expect(cpuThreads({})).toBe(Math.max(1, availableParallelism() - 1));
    expect(cpuThreads({ ATELIER_CPU_THREADS: '3' })).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'lots', '257']) expect(() => cpuThreads({ ATELIER_CPU_THREADS: bad })).toThrow(`ATELIER_CPU_THREADS must be an integer from 1 to 256, got "${bad}"`);
  });
});
