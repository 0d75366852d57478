import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../api';
import { bearerClaims, startGoogleFake, type GoogleFake } from '../../test/fakes/google';
import { writeServiceAccountFile, type ServiceAccountFile } from '../../test/fakes/google-credentials';
import { failWith, json } from '../../test/fakes/http-fake';
import { BROKEN_PNG, solidPng } from '../../test/fakes/images';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { googleImagen } from './imagen';

const KEY = 'AIza-test-vertex-express-key';
let fake: GoogleFake;
let store: ReturnType<typeof createTempStore>;
let image: Buffer;
let keyDir: string;
let serviceAccount: ServiceAccountFile;

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'atelier-sa-'));
  serviceAccount = writeServiceAccountFile(keyDir, 'atelier-proj');
  image = await solidPng(24, 24, [0, 200, 100]);
  fake = await startGoogleFake({ apiKey: KEY, image, serviceAccountPublicKey: serviceAccount.publicKey });
});
afterAll(async () => {
  await fake.close();
  rmSync(keyDir, { recursive: true, force: true });
});
beforeEach(() => {
  store = createTempStore();
  fake.requests.length = 0;
  fake.options.image = image;
});
afterEach(() => store.cleanup());

const express = () => ({ GOOGLE_API_KEY: KEY, GOOGLE_VERTEX_BASE_URL: fake.url });
const project = () => ({
  GOOGLE_CLOUD_PROJECT: 'atelier-proj',
  GOOGLE_CLOUD_LOCATION: 'europe-west4',
  GOOGLE_APPLICATION_CREDENTIALS: serviceAccount.path,
  GOOGLE_VERTEX_BASE_URL: fake.url,
});
const params = (extra: Record<string, unknown> = {}) => googleImagen.params.parse(extra);

describe('google.imagen', () => {
  it('runs on Vertex AI express mode with the API key and stores the returned bytes', async () => {
    const ctx = createNodeContext(store, { env: express() });
    const out = (await googleImagen.run(ctx, { prompt: 'a green tile' }, params({ aspectRatio: '16:9', negativePrompt: 'text' }))) as {
      image: { artifact: string };
    };
    expect(await store.artifacts.read(out.image.artifact)).toEqual(image);
    const req = fake.requests[0];
    expect(fake.parse(req)).toMatchObject({ api: 'vertex', auth: 'api-key', model: 'imagen-4.0-generate-001', method: 'predict' });
    expect(req.headers['x-goog-api-key']).toBe(KEY);
    expect(JSON.parse(req.body.toString())).toEqual({
      instances: [{ prompt: 'a green tile' }],
      parameters: { sampleCount: 1, aspectRatio: '16:9', negativePrompt: 'text', includeRaiReason: true },
    });
    expect(ctx.galleryEntries).toEqual([
      { artifact: out.image, prompt: 'a green tile', provider: 'google', model: 'imagen-4.0-generate-001', text: 'a green tile, enhanced' },
    ]);
    expect(ctx.meta).toEqual({ backend: 'Vertex AI (express mode)', usage: { provider: 'google', model: 'imagen-4.0-generate-001', images: 1 } });
  });

  it('runs in project mode with Application Default Credentials from GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const ctx = createNodeContext(store, { env: project() });
    await googleImagen.run(ctx, { prompt: 'tiles' }, params({ numberOfImages: 2 }));
    const req = fake.requests[0];
    expect(fake.parse(req)).toMatchObject({ project: 'atelier-proj', location: 'europe-west4', auth: 'bearer', method: 'predict' });
    expect(bearerClaims(req)).toMatchObject({ iss: serviceAccount.clientEmail, sub: serviceAccount.clientEmail });
    expect(req.headers['x-goog-api-key']).toBeUndefined();
    expect(ctx.galleryEntries).toHaveLength(2);
    expect(ctx.meta).toEqual({ backend: 'Vertex AI', usage: { provider: 'google', model: 'imagen-4.0-generate-001', images: 2 } });
  });

  it('is deterministic only with a pinned seed, which it sends with the watermark off', async () => {
    expect(googleImagen.deterministic instanceof Function && googleImagen.deterministic(params())).toBe(false);
    expect(googleImagen.deterministic instanceof Function && googleImagen.deterministic(params({ seed: 42 }))).toBe(true);
    await googleImagen.run(createNodeContext(store, { env: express() }), { prompt: 'x' }, params({ seed: 42 }));
    expect(JSON.parse(fake.requests[0].body.toString()).parameters).toMatchObject({ seed: 42, addWatermark: false });
  });

  it('reports a safety filter with the provider reason', async () => {
    fake.once((_req, res) =>
      json(res, 200, { predictions: [{ raiFilteredReason: "Your current safety filter threshold filtered out the generated image. Code 58061214" }] }),
    );
    const error = await googleImagen.run(createNodeContext(store, { env: express() }), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^Imagen refused the prompt for safety reasons: .*Code 58061214/);
    expect(error).not.toBeInstanceOf(RetryableError);
  });

  it('retries 429 after the delay the server gave in RetryInfo', async () => {
    fake.once(
      failWith(429, {
        code: 429,
        message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
      }),
    );
    const error = await googleImagen.run(createNodeContext(store, { env: express() }), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(7000);
    expect((error as Error).message).toMatch(/Imagen rate limited \(429\): Quota exceeded/);
  });

  it('names a model Vertex does not know', async () => {
    fake.once(failWith(404, { code: 404, message: 'Publisher Model `imagen-9` was not found.', status: 'NOT_FOUND' }));
    const error = await googleImagen.run(createNodeContext(store, { env: express() }), { prompt: 'x' }, params({ model: 'imagen-9' })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^Imagen does not know model "imagen-9" \(404\)/);
  });

  it('fails clearly on undecodable image bytes', async () => {
    fake.options.image = BROKEN_PNG;
    const error = await googleImagen.run(createNodeContext(store, { env: express() }), { prompt: 'x' }, params()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/Google returned image bytes that cannot be decoded/);
  });

  it('preflight names what is missing: Imagen needs Vertex AI', () => {
    const none = googleImagen.preflight!(params(), { get: () => undefined });
    expect(none).toEqual([{ field: 'credentials', message: expect.stringMatching(/^GOOGLE_CLOUD_PROJECT is not set: Imagen runs on Vertex AI.*GOOGLE_API_KEY/) }]);
    const env: Record<string, string> = { GOOGLE_CLOUD_PROJECT: 'p', GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' };
    expect(googleImagen.preflight!(params(), { get: (n) => env[n] })[0].message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS names a file that does not exist/);
    expect(googleImagen.preflight!(params(), { get: (n) => express()[n as keyof ReturnType<typeof express>] })).toEqual([]);
  });
});
