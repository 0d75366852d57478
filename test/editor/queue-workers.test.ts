// Queue mode in the editor: with a real API and a real worker process on Redis, the Runs tab's queue
// panel names the worker that executes a running run (from GET /api/workers), and Cancel reaches it.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server';
import { buildFlow } from '../helpers/flow-builder';
import { poll, redisAvailable, startProc, startRedis, tempRoot, type Proc, type RedisProcess } from '../scale/harness';
import { hasChromium, launchBrowser, screenshot } from './browser';
import { api, nodeEl, openEditor, type Harness } from './harness';

const enabled = hasChromium && redisAvailable();

describe.skipIf(!enabled)('run queue in queue mode', () => {
  const dir = tempRoot();
  let redis: RedisProcess;
  let apiProc: Proc;
  let worker: Proc;
  let h: Harness;

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      ATELIER_REDIS_URL: redis.url,
      ATELIER_DATA: join(dir.root, 'data'),
      ATELIER_FLOWS: dir.flowsDir,
      ATELIER_WORKER_HEARTBEAT_MS: '300',
      ATELIER_TEST_COUNT_FILE: join(dir.root, 'count.log'),
    };
    [apiProc, worker] = await Promise.all([startProc('api', env), startProc('worker', env)]);
    const browser = await launchBrowser();
    h = { server: { url: apiProc.ready } as TestServer, context: browser.context, close: browser.close };
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await Promise.all([worker?.kill('SIGKILL'), apiProc?.kill('SIGKILL')]);
    await redis?.dispose();
    dir.remove();
  });

  it('shows which worker runs a running run, and cancels it there', async () => {
    const flow = buildFlow([['slow', 'test.count', { ms: 60_000, salt: `panel-${Date.now()}` }]], [], { name: 'Slow on a worker' });
    const { json: created } = await api<{ id: string }>(h, 'POST', '/api/flows', flow);
    const page = await openEditor(h, `?flow=${created.id}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => nodeEl(page, 'slow').getAttribute('data-status'), { timeout: 30_000 }).toBe('running');
    const runId = await page.evaluate(() => window.__atelier!.store.getState().run!.id);

    await page.getByRole('tab', { name: 'Runs' }).click();
    const row = page.getByRole('region', { name: 'Run queue' }).locator(`[data-queue-run="${runId}"]`);
    await expect.poll(() => row.getAttribute('data-run-status'), { timeout: 15_000 }).toBe('running');
    const named = row.locator('[data-run-worker]');
    await expect.poll(() => named.getAttribute('data-run-worker'), { timeout: 15_000 }).toBe(worker.ready);
    expect(await named.textContent()).toContain(`on ${worker.ready}`);
    await screenshot(page, 'queue-workers-01-running-on-worker');

    await row.getByRole('button', { name: `Cancel run ${runId}` }).click();
    const done = await poll('the cancelled run', async () => {
      const { json } = await api<{ status: string }>(h, 'GET', `/api/runs/${runId}`);
      return json.status === 'running' || json.status === 'queued' ? undefined : json;
    });
    expect(done.status).toBe('cancelled');
    expect(page.errors).toEqual([]);
  }, 120_000);
});
