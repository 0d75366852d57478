// flows/hat-to-3d.json end to end through the Atelier server, against the OpenAI and Gemini fakes
// (real SDKs over HTTP) and the local segmentation and 3D backends, at image sizes other than 1024²:
// the crown click is a fraction of the image, so it lands on the crown whatever size comes back.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPly } from '../../model/ply';
import { startGoogleFake, type GoogleFake } from '../fakes/google';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai';
import { SECRETS } from '../providers/harness';
import { startTestServer } from '../helpers/server';

/** A red felt hat on a pale backdrop; with `crown`, a golden crown on top (centred at y ≈ 0.29). */
async function hatPicture(width: number, height: number, crown: boolean): Promise<Buffer> {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const grain = ((x * 7919 + y * 104729) % 23) - 11;
      let colour = [205 + grain / 2, 210 + grain / 2, 222];
      const brim = ((u - 0.5) / 0.36) ** 2 + ((v - 0.72) / 0.1) ** 2 <= 1;
      const body = Math.abs(u - 0.5) <= 0.2 && v >= 0.42 && v <= 0.72;
      if (brim || body) colour = [178 + grain, 28, 32];
      const crownBand = Math.abs(u - 0.5) <= 0.16 && v >= 0.2 && v < 0.42;
      const crownPoint = Math.abs(u - 0.5) <= 0.16 && v >= 0.12 && v < 0.2 && Math.abs(((u - 0.34) / 0.08) % 1 - 0.5) < 0.25;
      if (crown && (crownBand || crownPoint)) colour = [232 + grain / 2, 186, 40];
      rgb.set(colour.map((c) => Math.max(0, Math.min(255, Math.round(c)))), (y * width + x) * 3);
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

describe.each([
  { width: 640, height: 427 },
  { width: 144, height: 96 },
])('flows/hat-to-3d.json at $width×$height', ({ width, height }) => {
  let openai: OpenAIFake;
  let google: GoogleFake;
  beforeAll(async () => {
    openai = await startOpenAIFake({ apiKey: SECRETS.OPENAI_API_KEY, image: await hatPicture(width, height, false) });
    google = await startGoogleFake({ apiKey: SECRETS.GEMINI_API_KEY, image: await hatPicture(width, height, true) });
  });
  afterAll(async () => {
    await Promise.all([openai?.close(), google?.close()]);
  });

  it('generates, crowns, selects the crown from its fraction click and lifts it to 3D', async () => {
    const atelier = await startTestServer({
      env: {
        OPENAI_API_KEY: SECRETS.OPENAI_API_KEY,
        OPENAI_BASE_URL: `${openai.url}/v1`,
        GEMINI_API_KEY: SECRETS.GEMINI_API_KEY,
        GOOGLE_GEMINI_BASE_URL: google.url,
      },
    });
    try {
      const response = await fetch(`${atelier.url}/api/runs?wait=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ flowId: 'hat-to-3d' }),
      });
      expect(response.status).toBe(200);
      const run = await response.json();
      expect(run.status, JSON.stringify(run.nodes, null, 1)).toBe('succeeded');
      expect(openai.requests.some((r) => r.url.pathname === '/v1/images/generations')).toBe(true);
      expect(google.requests.length).toBeGreaterThan(0);
      expect(run.nodes.segment.backend).toBe('local');
      expect(run.nodes.lgm.backend).toBe('local');

      const download = async (url: string) => Buffer.from(await (await fetch(`${atelier.url}${url}`)).arrayBuffer());
      const { mask, model, placement } = run.outputs;
      const maskPixels = await sharp(await download(mask.url)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect(maskPixels.info).toMatchObject({ width, height });
      // The click (0.5, 0.29) became this image's pixels and the mask holds the crown there, not the hat.
      const at = (u: number, v: number) => maskPixels.data[Math.floor(v * height) * width + Math.floor(u * width)];
      expect(at(0.5, 0.29)).toBe(255);
      expect(at(0.5, 0.6)).toBe(0);
      expect(at(0.05, 0.05)).toBe(0);
      expect(placement.imageWidth).toBe(width);
      expect(placement.bbox.y + placement.bbox.height).toBeLessThanOrEqual(Math.ceil(0.45 * height));
      expect(readPly(await download(model.url)).count).toBe(run.nodes.lgm.meta.gaussians);
    } finally {
      await atelier.close();
    }
  });
});
