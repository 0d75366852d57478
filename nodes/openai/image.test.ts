import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../api';
import { BROKEN_PNG, solidPng } from '../../test/fakes/images';
import { failWith, hang } from '../../test/fakes/http-fake';
import { startOpenAIFake, type OpenAIFake } from '../../test/fakes/openai';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { openaiImage } from './image';

const KEY = 'sk-test-openai-secret-key';
let fake: OpenAIFake;
let store: ReturnType<typeof createTempStore>;
let finalImage: Buffer;
let partials: Buffer[];

beforeAll(async () => {
  finalImage = await solidPng(32, 32, [200, 30, 30]);
  partials = [await solidPng(32, 32, [10, 10, 10]), await solidPng(32, 32, [90, 90, 90])];
  fake = await startOpenAIFake({ apiKey: KEY, image: finalImage, partials, revisedPrompt: 'a crimson square' });
});
afterAll(() => fake.close());
beforeEach(() => {
  store = createTempStore();
  fake.requests.length = 0;
  fake.options.image = finalImage;
});
afterEach(() => store.cleanup());

function context(signal?: AbortSignal, env: Record<string, string> = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1` }) {
  return createNodeContext(store, { env, signal });
}
const params = (extra: Record<string, unknown> = {}) => openaiImage.params.parse(extra);

describe('openai.image', () => {
  it('streams partial images as previews and outputs the bytes the server returned', async () => {
    const ctx = context();
    const { image } = (await openaiImage.run(ctx, { prompt: 'a red square' }, params())) as { image: { artifact: string } };
    expect(await store.artifacts.read(image.artifact)).toEqual(finalImage);

    const body = JSON.parse(fake.requests[0].body.toString());
    expect(body).toMatchObject({ model: 'gpt-image-1.5', prompt: 'a red square', stream: true, partial_images: 2, n: 1 });
    expect(fake.requests[0].body.toString()).not.toContain(KEY);

    const previews = ctx.progressCalls.filter((p) => p.preview);
    expect(previews).toHaveLength(2);
    expect(await store.artifacts.read(previews[0].preview!)).toEqual(partials[0]);
    expect(await store.artifacts.read(previews[1].preview!)).toEqual(partials[1]);
    expect(previews[0].fraction).toBeLessThan(previews[1].fraction);

    expect(ctx.galleryEntries).toEqual([{ artifact: image, prompt: 'a red square', provider: 'openai', model: 'gpt-image-1.5' }]);
    expect(store.gallery.list().entries[0].fileName).toMatch(/^a-red-square__\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.png$/);
  });

  it('asks for n images without streaming and puts each in the gallery with the revised prompt', async () => {
    const ctx = context();
    await openaiImage.run(ctx, { prompt: 'squares' }, params({ n: 2, model: 'gpt-image-2', size: '1536x1024' }));
    const body = JSON.parse(fake.requests[0].body.toString());
    expect(body).toMatchObject({ model: 'gpt-image-2', n: 2, size: '1536x1024' });
    expect(body.stream).toBeUndefined();
    expect(ctx.galleryEntries.map((e) => e.text)).toEqual(['a crimson square', 'a crimson square']);
  });

  it('says the key was rejected on 401, without retrying and without the key in the message', async () => {
    const ctx = context(undefined, { OPENAI_API_KEY: 'sk-wrong-key-123456789', OPENAI_BASE_URL: `${fake.url}/v1` });
    const error = await openaiImage.run(ctx, { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^OpenAI rejected the API key \(401\).*OPENAI_API_KEY/);
    expect((error as Error).message).not.toContain('sk-wrong');
  });

  it('turns 429 into a RetryableError honouring retry-after, and succeeds on the next attempt', async () => {
    fake.once(failWith(429, { message: 'Rate limit reached for images', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after': '2' }));
    const ctx = context();
    const error = await openaiImage.run(ctx, { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(2000);
    expect((error as Error).message).toContain('Rate limit reached');
    // The engine runs the node again; the SDK itself did not retry (maxRetries: 0).
    expect(fake.requests).toHaveLength(1);
    const { image } = (await openaiImage.run(ctx, { prompt: 'x' }, params())) as { image: { artifact: string } };
    expect(await store.artifacts.read(image.artifact)).toEqual(finalImage);
  });

  it('does not retry an exhausted quota', async () => {
    fake.once(failWith(429, { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' }));
    const error = await openaiImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/OpenAI quota or credit exhausted \(429\): You exceeded your current quota/);
  });

  it('turns 500 into a RetryableError', async () => {
    fake.once(failWith(500, { message: 'The server had an error', type: 'server_error' }));
    const error = await openaiImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/OpenAI server error \(500\)/);
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up on a request after timeoutSeconds with a RetryableError and drops the connection', async () => {
    fake.once(hang);
    const error = await openaiImage.run(context(), { prompt: 'x' }, params({ timeoutSeconds: 0.3 })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/did not answer within 0.3 s/);
    await fake.waitForAbort(fake.requests[0]);
  });

  it('reports a safety refusal with the provider reason', async () => {
    fake.once(failWith(400, { message: 'Your request was rejected by the safety system. safety_violations=[violence].', type: 'image_generation_user_error', code: 'moderation_blocked' }));
    const error = await openaiImage.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/OpenAI refused the request for safety reasons \(400\): .*safety_violations=\[violence\]/);
  });

  it('names an unknown model', async () => {
    fake.once(failWith(400, { message: 'The model `gpt-image-9` does not exist.', type: 'invalid_request_error', code: 'model_not_found' }));
    const error = await openaiImage.run(context(), { prompt: 'x' }, params({ model: 'gpt-image-9' })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/OpenAI does not know model "gpt-image-9"/);
  });

  it('fails clearly when the server returns bytes that are no decodable image', async () => {
    fake.options.image = BROKEN_PNG;
    const error = await openaiImage.run(context(), { prompt: 'x' }, params({ partialImages: 0 })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/OpenAI returned image bytes that cannot be decoded/);
    expect(store.gallery.list().total).toBe(0);
  });

  it('aborts the HTTP request when the run is cancelled', async () => {
    fake.once(hang);
    const controller = new AbortController();
    const running = openaiImage.run(context(controller.signal), { prompt: 'x' }, params()).catch((e: Error) => e);
    await fake.waitForRequests(1);
    controller.abort();
    const error = await running;
    expect((error as Error).name).toBe('AbortError');
    expect(error).not.toBeInstanceOf(RetryableError);
    await fake.waitForAbort(fake.requests[0]);
  });

  it('rejects an empty prompt naming the field', async () => {
    await expect(openaiImage.run(context(), { prompt: '  ' }, params())).rejects.toMatchObject({ field: 'prompt' });
  });

  it('preflight names the missing variable; the node is never deterministic', () => {
    expect(openaiImage.preflight!(params(), { get: () => undefined })).toEqual([
      { field: 'credentials', message: expect.stringMatching(/^OPENAI_API_KEY is not set/) },
    ]);
    expect(openaiImage.preflight!(params(), { get: (n) => (n === 'OPENAI_API_KEY' ? KEY : undefined) })).toEqual([]);
    expect(openaiImage.deterministic).toBe(false);
    expect(openaiImage.concurrency).toEqual({ key: 'openai', limit: 4 });
  });
});
