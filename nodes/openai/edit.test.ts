import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { leftHalfMask, solidJpeg, solidPng } from '../../test/fakes/images';
import { startOpenAIFake, type OpenAIFake } from '../../test/fakes/openai';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { openaiEdit } from './edit';

const KEY = 'sk-test-openai-secret-key';
let fake: OpenAIFake;
let store: ReturnType<typeof createTempStore>;
let edited: Buffer;

beforeAll(async () => {
  edited = await solidPng(40, 20, [0, 120, 255]);
  fake = await startOpenAIFake({ apiKey: KEY, image: edited, partials: [await solidPng(40, 20, [1, 2, 3])] });
});
afterAll(() => fake.close());
beforeEach(() => {
  store = createTempStore();
  fake.requests.length = 0;
});
afterEach(() => store.cleanup());

const context = () => createNodeContext(store, { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1` } });

describe('openai.edit', () => {
  it('sends the upstream image bytes and the mask in OpenAI alpha convention; records the parent', async () => {
    const sourceBytes = await solidJpeg(40, 20, [250, 250, 0]);
    const source = await store.artifacts.put(sourceBytes);
    const mask = await store.artifacts.put(await leftHalfMask(40, 20));
    const ctx = context();
    const { image } = (await openaiEdit.run(ctx, { image: source, prompt: 'paint it blue', mask }, openaiEdit.params.parse({ partialImages: 1 }))) as {
      image: { artifact: string };
    };

    expect(await store.artifacts.read(image.artifact)).toEqual(edited);
    const form = await fake.editForm(fake.requests[0]);
    expect(form.prompt).toBe('paint it blue');
    expect(form.image).toEqual(sourceBytes);
    expect(form.fields).toMatchObject({ model: 'gpt-image-1.5', stream: 'true', partial_images: '1' });

    // White (change) in the Atelier mask → fully transparent for OpenAI; black (keep) → opaque.
    const { data, info } = await sharp(form.mask).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 40, height: 20, channels: 4 });
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect(alphaAt(5, 10)).toBe(0);
    expect(alphaAt(35, 10)).toBe(255);

    expect(ctx.progressCalls.filter((p) => p.preview)).toHaveLength(1);
    expect(ctx.galleryEntries).toEqual([{ artifact: image, prompt: 'paint it blue', provider: 'openai', model: 'gpt-image-1.5', parent: source.artifact }]);
    expect(store.gallery.list().entries[0].parent).toBe(source.artifact);
  });

  it('edits without a mask', async () => {
    const source = await store.artifacts.put(await solidPng(40, 20, [9, 9, 9]));
    await openaiEdit.run(context(), { image: source, prompt: 'brighter' }, openaiEdit.params.parse({ n: 1 }));
    const form = await fake.editForm(fake.requests[0]);
    expect(form.mask).toBeUndefined();
    expect(form.image).toEqual(await store.artifacts.read(source));
  });

  it('refuses an image format OpenAI cannot edit, naming the field', async () => {
    const gif = await store.artifacts.put(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).gif().toBuffer());
    await expect(openaiEdit.run(context(), { image: gif, prompt: 'x' }, openaiEdit.params.parse({}))).rejects.toMatchObject({ field: 'image' });
    expect(fake.requests).toHaveLength(0);
  });
});
