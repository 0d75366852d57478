import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpFake, failWith, hang, json } from '../../test/fakes/http-fake';
import { GpuServiceClient, GpuServiceError, type RetryNotice } from './service-client';

const health = { service: 'sam2', model: 'fake', device: 'cpu', ready: true };

describe('GpuServiceClient', () => {
  let fake: HttpFake;
  beforeEach(async () => {
    fake = new HttpFake((req, res) => (req.url.pathname === '/health' ? json(res, 200, health) : json(res, 200, { ok: true })));
    await fake.start();
  });
  afterEach(() => fake.close());

  const client = (retry = {}) => new GpuServiceClient({ name: 'SAM2', baseUrl: fake.url, retry: { baseDelayMs: 1, maxDelayMs: 5, ...retry } });
  const options = (extra: Partial<{ signal: AbortSignal; timeoutMs: number; deadline: number; onRetry: (n: RetryNotice) => void }> = {}) => ({
    signal: new AbortController().signal,
    timeoutMs: 5_000,
    deadline: Date.now() + 30_000,
    ...extra,
  });

  it('waits out 503 not_ready twice, honouring Retry-After, then answers the 200', async () => {
    const notReady = (after: string) => failWith(503, { code: 'not_ready', message: 'loading weights' }, { 'retry-after': after });
    fake.once(notReady('1')).once(notReady('0'));
    const notices: RetryNotice[] = [];
    // One attempt for other failures: not_ready must not use attempts up.
    const response = await client({ attempts: 1 }).request('POST', 'segment', '{}', options({ onRetry: (n) => notices.push(n) }));
    expect(await response.json()).toEqual({ ok: true });
    expect(fake.requests.map((r) => r.path)).toEqual(['/segment', '/segment', '/segment']);
    expect(notices.map((n) => [n.attempt, n.delayMs, n.error.code])).toEqual([
      [1, 1000, 'not_ready'],
      [2, 0, 'not_ready'],
    ]);
    expect(fake.requests.every((r) => r.body.toString() === '{}')).toBe(true);
  });

  it('retries 429 and 5xx with backoff, then fails naming the attempts and the service message', async () => {
    fake.once(failWith(429, { code: 'busy', message: 'queue full' })).once(failWith(502, { message: 'bad gateway' }));
    const ok = await client().request('POST', 'segment', '{}', options());
    expect(ok.status).toBe(200);
    expect(fake.requests).toHaveLength(3);

    for (let i = 0; i < 4; i++) fake.once(failWith(500, { code: 'model_error', message: 'CUDA error' }));
    const failing = client().request('POST', 'segment', '{}', options());
    await expect(failing).rejects.toBeInstanceOf(GpuServiceError);
    await expect(failing).rejects.toMatchObject({
      message: 'SAM2 service POST /segment answered HTTP 500 model_error: CUDA error (after 4 attempts)',
      retryable: true,
      status: 500,
    });
  });

  it('does not retry a 400, and hands on the field the service named', async () => {
    fake.once(failWith(400, { code: 'bad_request', message: 'points[0] outside the image', field: 'points' }));
    const failing = client().request('POST', 'segment', '{}', options());
    await expect(failing).rejects.toMatchObject({ retryable: false, status: 400, field: 'points', message: expect.stringContaining('points[0] outside the image') });
    expect(fake.requests).toHaveLength(1);
  });

  it('passes statuses the caller handles (404) through untouched', async () => {
    fake.once(failWith(404, { code: 'unknown_image', message: 'send the image' }));
    await expect(client().request('POST', 'segment', '{}', options())).rejects.toMatchObject({ status: 404, code: 'unknown_image', retryable: false });
    fake.once(failWith(404, { code: 'unknown_image', message: 'send the image' }));
    const passed = await client().request('POST', 'segment', '{}', { ...options(), passStatuses: [404] });
    expect(passed.status).toBe(404);
  });

  it('retries connection errors, and says so when they persist', async () => {
    const url = fake.url;
    await fake.close();
    const down = new GpuServiceClient({ name: 'LGM', baseUrl: url, retry: { baseDelayMs: 1, maxDelayMs: 2, attempts: 3 } });
    const notices: RetryNotice[] = [];
    await expect(down.request('POST', 'reconstruct', '{}', options({ onRetry: (n) => notices.push(n) }))).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/^LGM service POST \/reconstruct failed: ECONNREFUSED \(after 3 attempts\)$/),
    });
    expect(notices).toHaveLength(2);
  });

  it('stops at the deadline instead of sleeping past it', async () => {
    fake.once(failWith(503, { code: 'not_ready', message: 'loading' }, { 'retry-after': '60' }));
    const started = Date.now();
    await expect(client().request('POST', 'segment', '{}', options({ deadline: Date.now() + 2_000 }))).rejects.toMatchObject({
      message: expect.stringContaining('the service was still not ready at the deadline'),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('does not retry a request that timed out, and a cancel rejects with the abort', async () => {
    fake.once(hang);
    await expect(client().request('POST', 'segment', '{}', options({ timeoutMs: 100 }))).rejects.toMatchObject({
      retryable: false,
      message: 'SAM2 service did not answer POST /segment within 0 s',
    });
    expect(fake.requests).toHaveLength(1);

    fake.once(failWith(503, { code: 'not_ready', message: 'loading' }, { 'retry-after': '30' }));
    const controller = new AbortController();
    const waiting = client().request('POST', 'segment', '{}', options({ signal: controller.signal, deadline: Date.now() + 120_000, onRetry: () => controller.abort() }));
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('probes /health: ready, warming, broken, absent', async () => {
    const signal = new AbortController().signal;
    expect(await client().probe(signal)).toEqual({ state: 'ready', health });
    fake.once((_req, res) => json(res, 200, { ...health, ready: false }));
    expect(await client().probe(signal)).toMatchObject({ state: 'warming', reason: 'not ready (fake still loading)' });
    fake.once((_req, res) => json(res, 200, { ...health, ready: false, error: 'no weights at /models' }));
    expect(await client().probe(signal)).toMatchObject({ state: 'broken', reason: 'loading fake failed: no weights at /models' });
    fake.once((_req, res) => json(res, 200, { hello: 'world' }));
    expect(await client().probe(signal)).toMatchObject({ state: 'broken', reason: expect.stringContaining('without {service, model, device, ready}') });
    await fake.close();
    expect(await client().probe(signal)).toMatchObject({ state: 'absent', reason: expect.stringMatching(/^unreachable \(/) });
  });
});
