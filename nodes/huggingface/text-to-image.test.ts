import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../api';
import { failWith, hang, json } from '../../test/fakes/http-fake';
import { startHuggingFaceFake, TOGETHER_PROVIDER_ID, type HuggingFaceFake } from '../../test/fakes/huggingface';
import { BROKEN_PNG, solidPng } from '../../test/fakes/images';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { rewriteHuggingFaceUrl } from './client';
import { hfTextToImage } from './text-to-image';

const TOKEN = 'hf_testTokenForAtelierFake';
let fake: HuggingFaceFake;
let store: ReturnType<typeof createTempStore>;
let image: Buffer;

beforeAll(async () => {
  image = await solidPng(20, 12, [255, 128, 0]);
  fake = await startHuggingFaceFake({ token: TOKEN, image, contentType: 'image/jpeg' });
});
afterAll(() => fake.close());
beforeEach(() => {
  store = createTempStore();
  fake.requests.length = 0;
  fake.options.image = image;
});
afterEach(() => store.cleanup());

const env = (token = TOKEN) => ({ HF_TOKEN: token, HF_BASE_URL: fake.url });
const context = (signal?: AbortSignal, token?: string) => createNodeContext(store, { env: env(token), signal });
const params = (extra: Record<string, unknown> = {}) => hfTextToImage.params.parse(extra);
type Out = { image: { artifact: string; mediaType: string } };

describe('hf.text-to-image', () => {
  it('looks the model up on the hub and runs hf-inference, all through HF_BASE_URL; the media type comes from the bytes', async () => {
    const ctx = context();
    const out = (await hfTextToImage.run(ctx, { prompt: 'an orange card' }, params({ width: 512, height: 256, steps: 4, seed: 3, negativePrompt: 'blur' }))) as Out;
    expect(await store.artifacts.read(out.image.artifact)).toEqual(image);
    expect(out.image.mediaType).toBe('image/png'); // the fake claimed image/jpeg

    const inference = fake.inferenceRequests();
    expect(inference).toHaveLength(1);
    expect(inference[0].path).toBe('/hf-inference/models/black-forest-labs/FLUX.1-schnell');
    expect(inference[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(inference[0].body.toString())).toEqual({
      inputs: 'an orange card',
      parameters: { width: 512, height: 256, num_inference_steps: 4, seed: 3, negative_prompt: 'blur' },
    });
    // The SDK caches the mapping per process: the lookup happened here or in an earlier test of this file.
    expect(ctx.galleryEntries).toEqual([{ artifact: out.image, prompt: 'an orange card', provider: 'huggingface', model: 'black-forest-labs/FLUX.1-schnell' }]);
    expect(ctx.meta).toEqual({
      backend: 'hf-inference',
      usage: { provider: 'huggingface', model: 'black-forest-labs/FLUX.1-schnell', images: 1, inferenceProvider: 'hf-inference', size: '512x256' },
    });
  });

  it('sends the mapping lookup to the hub path on HF_BASE_URL', async () => {
    await hfTextToImage.run(context(), { prompt: 'x' }, params({ model: 'stabilityai/stable-diffusion-xl-base-1.0' }));
    const lookup = fake.requests.find((r) => r.url.pathname.startsWith('/api/models/'));
    expect(lookup?.path).toBe('/api/models/stabilityai/stable-diffusion-xl-base-1.0?expand[]=inferenceProviderMapping');
    expect(fake.inferenceRequests()[0].path).toBe('/hf-inference/models/stabilityai/stable-diffusion-xl-base-1.0');
  });

  it('runs through the together provider (JSON with base64) using the mapped provider model id', async () => {
    const out = (await hfTextToImage.run(context(), { prompt: 'x' }, params({ provider: 'together', steps: 4 }))) as Out;
    expect(await store.artifacts.read(out.image.artifact)).toEqual(image);
    const req = fake.inferenceRequests()[0];
    expect(req.path).toBe('/together/v1/images/generations');
    expect(JSON.parse(req.body.toString())).toMatchObject({
      prompt: 'x',
      model: TOGETHER_PROVIDER_ID('black-forest-labs/FLUX.1-schnell'),
      response_format: 'base64',
      steps: 4,
    });
  });

  it('with provider "auto" takes the first provider the hub maps the model to', async () => {
    await hfTextToImage.run(context(), { prompt: 'x' }, params({ provider: 'auto' }));
    expect(fake.inferenceRequests()[0].path).toBe('/hf-inference/models/black-forest-labs/FLUX.1-schnell');
  });

  it('is deterministic only with a pinned seed', () => {
    const deterministic = hfTextToImage.deterministic as (p: unknown) => boolean;
    expect(deterministic(params())).toBe(false);
    expect(deterministic(params({ seed: 1 }))).toBe(true);
  });

  it('says the token was rejected on 401', async () => {
    const error = await hfTextToImage.run(context(undefined, 'hf_wrongTokenXXXXXXXX'), { prompt: 'x' }, params({ model: 'black-forest-labs/FLUX.1-schnell' })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/rejected the API key \(401\).*HF_TOKEN/);
    expect((error as Error).message).not.toContain('hf_wrong');
    expect(error).not.toBeInstanceOf(RetryableError);
  });

  it('turns 429 into a RetryableError honouring retry-after (an HTTP date), then succeeds', async () => {
    const later = new Date(Date.now() + 30_000).toUTCString();
    fake.once(failWith(429, { message: 'rate limited' }, { 'retry-after': later }), (r) => r.method === 'POST');
    const error = await hfTextToImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBeGreaterThan(20_000);
    const out = (await hfTextToImage.run(context(), { prompt: 'x' }, params())) as Out;
    expect(await store.artifacts.read(out.image.artifact)).toEqual(image);
  });

  it('turns 503 (model loading) into a RetryableError instead of the SDK retrying forever', async () => {
    fake.once((_req, res) => json(res, 503, { error: 'Model is currently loading', estimated_time: 20 }), (r) => r.method === 'POST');
    const error = await hfTextToImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/server error \(503\): Model is currently loading/);
    expect(fake.inferenceRequests()).toHaveLength(1);
  });

  it('names an unknown model and reports exhausted credits without retrying', async () => {
    const unknown = await hfTextToImage.run(context(), { prompt: 'x' }, params({ model: 'nobody/nothing' })).catch((e: Error) => e);
    expect((unknown as Error).message).toMatch(/does not know model "nobody\/nothing" \(404\)/);

    fake.once((_req, res) => json(res, 402, { error: 'You have exceeded your monthly included credits for Inference Providers.' }), (r) => r.method === 'POST');
    const credits = await hfTextToImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(credits).not.toBeInstanceOf(RetryableError);
    expect((credits as Error).message).toMatch(/quota or credit exhausted \(402\)/);
  });

  it('fails clearly on undecodable bytes', async () => {
    fake.options.image = BROKEN_PNG;
    const error = await hfTextToImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/Hugging Face returned image bytes that cannot be decoded/);
  });

  it('times out into a RetryableError, and cancel aborts the request', async () => {
    fake.once(hang, (r) => r.method === 'POST');
    const timedOut = await hfTextToImage.run(context(), { prompt: 'x' }, params({ timeoutSeconds: 0.3 })).catch((e: Error) => e);
    expect(timedOut).toBeInstanceOf(RetryableError);
    await fake.waitForAbort(fake.inferenceRequests()[0]);

    fake.once(hang, (r) => r.method === 'POST');
    const controller = new AbortController();
    const running = hfTextToImage.run(context(controller.signal), { prompt: 'x' }, params()).catch((e: Error) => e);
    while (fake.inferenceRequests().length < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(((await running) as Error).name).toBe('AbortError');
    await fake.waitForAbort(fake.inferenceRequests()[1]);
  });

  it('preflight names HF_TOKEN', () => {
    expect(hfTextToImage.preflight!(params(), { get: () => undefined })).toEqual([
      { field: 'credentials', message: expect.stringMatching(/^HF_TOKEN is not set/) },
    ]);
  });

  it('rewrites only hub and router URLs', () => {
    expect(rewriteHuggingFaceUrl('https://router.huggingface.co/together/v1/x', 'http://h:1/')).toBe('http://h:1/together/v1/x');
    expect(rewriteHuggingFaceUrl('https://huggingface.co/api/models/a/b?expand[]=x', 'http://h:1')).toBe('http://h:1/api/models/a/b?expand[]=x');
    expect(rewriteHuggingFaceUrl('https://api.together.xyz/v1/x', 'http://h:1')).toBe('https://api.together.xyz/v1/x');
    expect(rewriteHuggingFaceUrl('https://huggingface.co.evil/x', 'http://h:1')).toBe('https://huggingface.co.evil/x');
    expect(rewriteHuggingFaceUrl('https://router.huggingface.co/x', undefined)).toBe('https://router.huggingface.co/x');
  });
});
