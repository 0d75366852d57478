import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeContext, createTempStore } from '../../test/helpers/node-context';
import { maskApply } from './mask-apply';

const store = createTempStore();
afterAll(() => store.cleanup());

const W = 8;
const H = 4;
/** Left half white (keep), right half black; drawn at half size to check it is scaled to the image. */
const maskPng = () => {
  const px = Buffer.alloc((W / 2) * (H / 2));
  for (let y = 0; y < H / 2; y++) for (let x = 0; x < W / 2; x++) px[y * (W / 2) + x] = x < W / 4 ? 255 : 0;
  return sharp(px, { raw: { width: W / 2, height: H / 2, channels: 1 } }).png().toBuffer();
};

async function cutout(image: Buffer, invert = false): Promise<{ data: Buffer; channels: number }> {
  const out = await maskApply.run(createNodeContext(store), { image: await store.artifacts.put(image), mask: await store.artifacts.put(await maskPng()) }, { invert });
  const { data, info } = await sharp(await store.artifacts.read(out.cutout)).raw().toBuffer({ resolveWithObject: true });
  expect(info).toMatchObject({ width: W, height: H });
  return { data, channels: info.channels };
}

describe('mask.apply', () => {
  it('keeps the image where the mask is white and makes the rest transparent', async () => {
    const image = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();
    const { data, channels } = await cutout(image);
    expect(channels).toBe(4);
    expect([...data.subarray(0, 4)]).toEqual([200, 100, 50, 255]);
    expect([...data.subarray((W - 1) * 4, W * 4)]).toEqual([200, 100, 50, 0]);
    const inverted = await cutout(image, true);
    expect(inverted.data[3]).toBe(0);
    expect(inverted.data[(W - 1) * 4 + 3]).toBe(255);
  });

  it('cuts a greyscale photo out as RGBA with its grey in all three colours', async () => {
    const grey = await sharp(Buffer.alloc(W * H, 90), { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
    const { data, channels } = await cutout(grey);
    expect(channels).toBe(4);
    expect([...data.subarray(0, 4)]).toEqual([90, 90, 90, 255]);
    expect([...data.subarray((W * H - 1) * 4)]).toEqual([90, 90, 90, 0]);
  });
});
