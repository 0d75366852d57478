import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../api';
import { startGoogleFake, type GoogleFake } from '../../test/fakes/google';
import { failWith, hang, sse } from '../../test/fakes/http-fake';
import { solidJpeg, solidPng } from '../../test/fakes/images';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { googleGemini } from './gemini';

const KEY = 'AIza-test-gemini-key';
let fake: GoogleFake;
let store: ReturnType<typeof createTempStore>;
let image: Buffer;

beforeAll(async () => {
  image = await solidPng(16, 16, [30, 60, 90]);
  fake = await startGoogleFake({ apiKey: KEY, image, text: 'Here is the cat at night.' });
});
afterAll(() => fake.close());
beforeEach(() => {
  store = createTempStore();
  fake.requests.length = 0;
});
afterEach(() => store.cleanup());

const geminiEnv = (key = KEY) => ({ GEMINI_API_KEY: key, GOOGLE_GEMINI_BASE_URL: fake.url });
const context = (env: Record<string, string> = geminiEnv(), signal?: AbortSignal) => createNodeContext(store, { env, signal });
const params = (extra: Record<string, unknown> = {}) => googleGemini.params.parse(extra);
type Out = { image: { artifact: string }; text: string };

describe('google.gemini', () => {
  it('generates from a prompt over the streaming Gemini API, outputting image and text', async () => {
    const ctx = context();
    const out = (await googleGemini.run(ctx, { prompt: 'a cat' }, params({ aspectRatio: '16:9' }))) as Out;
    expect(await store.artifacts.read(out.image.artifact)).toEqual(image);
    expect(out.text).toBe('Here is the cat at night.');
    const req = fake.requests[0];
    expect(req.path).toBe('/v1beta/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse');
    expect(req.headers['x-goog-api-key']).toBe(KEY);
    expect(JSON.parse(req.body.toString())).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a cat' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
    expect(ctx.progressCalls.map((p) => p.message)).toEqual(['Gemini: Here is the c', 'Gemini: Here is the cat at night.']);
    expect(ctx.galleryEntries).toEqual([
      { artifact: out.image, prompt: 'a cat', provider: 'google', model: 'gemini-2.5-flash-image', text: 'Here is the cat at night.' },
    ]);
  });

  it('iterates: sends the previous image as inline data and records it as the parent', async () => {
    const previousBytes = await solidJpeg(16, 16, [200, 200, 200]);
    const previous = await store.artifacts.put(previousBytes);
    const ctx = context();
    const out = (await googleGemini.run(ctx, { prompt: 'make it night', image: previous }, params())) as Out;
    const body = JSON.parse(fake.requests[0].body.toString());
    expect(body.contents[0].parts).toEqual([{ inlineData: { mimeType: 'image/jpeg', data: previousBytes.toString('base64') } }, { text: 'make it night' }]);
    expect(ctx.galleryEntries[0].parent).toBe(previous.artifact);
    expect(store.gallery.list().entries[0]).toMatchObject({ parent: previous.artifact, artifact: { artifact: out.image.artifact } });
  });

  it('uses Vertex AI when GOOGLE_GENAI_USE_VERTEXAI is true', async () => {
    const ctx = context({ GOOGLE_GENAI_USE_VERTEXAI: 'true', GOOGLE_API_KEY: KEY, GOOGLE_VERTEX_BASE_URL: fake.url });
    await googleGemini.run(ctx, { prompt: 'a cat' }, params({ seed: 7 }));
    expect(fake.requests[0].path).toBe('/v1beta1/publishers/google/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse');
    expect(JSON.parse(fake.requests[0].body.toString()).generationConfig.seed).toBe(7);
    expect(ctx.meta).toEqual({
      backend: 'Vertex AI (express mode)',
      usage: { provider: 'google', model: 'gemini-2.5-flash-image', images: 1, inputTokens: 5, outputTokens: 1290 },
    });
  });

  it('says the API key was rejected (Google answers 400), naming the variable', async () => {
    const error = await googleGemini.run(context(geminiEnv('AIza-wrong-key-000000')), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^Gemini rejected the API key \(400\): API key not valid.*GEMINI_API_KEY/);
    expect((error as Error).message).not.toContain('AIza-wrong');
    expect(error).not.toBeInstanceOf(RetryableError);
  });

  it('reports a blocked prompt with the reason', async () => {
    fake.once((_req, res) => sse(res, [{ data: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT', blockReasonMessage: 'The prompt was blocked.' } } }]));
    const error = await googleGemini.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect((error as Error).message).toBe('Gemini blocked the prompt (PROHIBITED_CONTENT): The prompt was blocked.');
  });

  it('reports an image withheld for safety', async () => {
    fake.once((_req, res) =>
      sse(res, [{ data: { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'IMAGE_SAFETY', finishMessage: 'Unable to show the generated image.' }] } }]),
    );
    const error = await googleGemini.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    // The SDK drops finishMessage on the Gemini API; the finish reason is what reaches the user.
    expect((error as Error).message).toBe('Gemini refused to make the image for safety reasons (IMAGE_SAFETY)');
  });

  it('turns 500 into a RetryableError and 404 into a clear model error', async () => {
    fake.once(failWith(500, { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' }));
    const server = await googleGemini.run(context(), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(server).toBeInstanceOf(RetryableError);
    expect((server as Error).message).toBe('Gemini server error (500): Internal error encountered.');

    fake.once(failWith(404, { code: 404, message: 'models/gemini-9 is not found for API version v1beta', status: 'NOT_FOUND' }));
    const unknown = await googleGemini.run(context(), { prompt: 'x' }, params({ model: 'gemini-9' })).catch((e: Error) => e);
    expect((unknown as Error).message).toMatch(/^Gemini does not know model "gemini-9" \(404\)/);
  });

  it('times out into a RetryableError and aborts the request on cancel', async () => {
    fake.once(hang);
    const timedOut = await googleGemini.run(context(), { prompt: 'x' }, params({ timeoutSeconds: 0.3 })).catch((e: Error) => e);
    expect(timedOut).toBeInstanceOf(RetryableError);
    await fake.waitForAbort(fake.requests[0]);

    fake.once(hang);
    const controller = new AbortController();
    const running = googleGemini.run(context(geminiEnv(), controller.signal), { prompt: 'x' }, params()).catch((e: Error) => e);
    await fake.waitForRequests(2);
    controller.abort();
    expect(((await running) as Error).name).toBe('AbortError');
    await fake.waitForAbort(fake.requests[1]);
  });

  it('preflight names GEMINI_API_KEY when nothing is configured', () => {
    expect(googleGemini.preflight!(params(), { get: () => undefined })).toEqual([
      { field: 'credentials', message: expect.stringMatching(/^GEMINI_API_KEY is not set/) },
    ]);
    const vertex: Record<string, string> = { GOOGLE_GENAI_USE_VERTEXAI: 'true' };
    expect(googleGemini.preflight!(params(), { get: (n) => vertex[n] })[0].message).toMatch(/^GOOGLE_CLOUD_PROJECT is not set/);
    expect(googleGemini.preflight!(params(), { get: (n) => (n === 'GOOGLE_API_KEY' ? KEY : undefined) })).toEqual([]);
  });
});
