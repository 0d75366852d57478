import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedFlowInPng, MAX_FLOW_CHUNK_BYTES, PngMetaError, pngWithFlowParts, readFlowFromPng } from './png-meta';
import { MAX_FLOW_JSON_BYTES } from './flow-basics';
import { pixels, readITXt } from '../test/flows/png-chunks';

const png = () => sharp({ create: { width: 5, height: 4, channels: 4, background: '#3a7' } }).png().toBuffer();

describe('atelier.flow iTXt chunk', () => {
  it('embeds UTF-8 JSON that another PNG reader finds, leaving the pixels alone', async () => {
    const source = await png();
    const data = { flow: { name: 'Hüte → 3D' }, inputs: { seed: 7 }, runId: 'r1', node: 'gen', port: 'image' };
    const out = Buffer.from(embedFlowInPng(source, data));
    expect(readITXt(out, 'atelier.flow')).toEqual(data);
    expect(pixels(out)).toEqual(pixels(source));
    expect(readFlowFromPng(out)).toEqual(data);
  });

  it('carries the flow of a 100,000-node run (~10 MiB of JSON), and refuses only past any flow that can run', async () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => ({ id: `n${i}`, type: 'image.resize', position: { x: i, y: 0 }, params: { width: 64 } }));
    const data = { flow: { format: 'atelier.flow/1', name: 'big', nodes }, inputs: {}, runId: 'r1', node: 'n99999', port: 'image' };
    const out = embedFlowInPng(await png(), data);
    expect(out.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(readFlowFromPng(out)).toEqual(data);
    const tooLarge = { flow: { name: 'x'.repeat(MAX_FLOW_CHUNK_BYTES) }, inputs: {} };
    const image = await png();
    expect(() => embedFlowInPng(image, tooLarge)).toThrow(PngMetaError);
    expect(() => embedFlowInPng(image, tooLarge)).toThrow(`at most ${MAX_FLOW_CHUNK_BYTES} fit in a PNG`);
    expect(MAX_FLOW_CHUNK_BYTES).toBeGreaterThan(MAX_FLOW_JSON_BYTES);
  });

  it('replaces an earlier chunk instead of stacking a second one', async () => {
    const once = embedFlowInPng(await png(), { flow: { n: 1 }, inputs: {} });
    const twice = Buffer.from(embedFlowInPng(once, { flow: { n: 2 }, inputs: {} }));
    expect(twice.toString('latin1').split('atelier.flow').length - 1).toBe(1);
    expect(readFlowFromPng(twice)?.flow).toEqual({ n: 2 });
  });

  it('writes the same bytes as views of the image and the new chunk, an earlier chunk anywhere left out', async () => {
    const source = await png();
    const once = Buffer.from(embedFlowInPng(source, { flow: { n: 1 }, inputs: {} }));
    // Move the flow chunk (just before IEND) to right after IHDR: the earlier chunk sits between image chunks.
    const ihdrEnd = 8 + 12 + once.readUInt32BE(8);
    const iend = once.length - 12;
    const flowStart = once.lastIndexOf(Buffer.from('iTXt')) - 4;
    const moved = Buffer.concat([once.subarray(0, ihdrEnd), once.subarray(flowStart, iend), once.subarray(ihdrEnd, flowStart), once.subarray(iend)]);
    expect(readFlowFromPng(moved)?.flow).toEqual({ n: 1 });

    const data = { flow: { n: 2 }, inputs: {} };
    const parts = pngWithFlowParts(moved, data);
    expect(parts.length).toBeLessThanOrEqual(4);
    const written = Buffer.concat(parts);
    expect(written.equals(Buffer.from(embedFlowInPng(moved, data)))).toBe(true);
    expect(written.equals(Buffer.from(embedFlowInPng(source, data)))).toBe(true); // every other chunk kept, in order
    expect(pixels(written)).toEqual(pixels(source));
  });

  it('says "none" for a plain PNG and refuses what is not one', async () => {
    expect(readFlowFromPng(await png())).toBeUndefined();
    expect(() => readFlowFromPng(new TextEncoder().encode('GIF89a....'))).toThrow(PngMetaError);
    const cut = (await png()).subarray(0, 40);
    expect(() => readFlowFromPng(cut)).toThrow(/truncated|IEND/);
  });

  it('refuses a chunk nested deeper than a request body may be (anyone can make a PNG), naming where', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { a: deep };
    const out = embedFlowInPng(await png(), { flow: { nodes: [{ params: { x: deep } }] }, inputs: {} });
    expect(() => readFlowFromPng(out)).toThrow(PngMetaError);
    expect(() => readFlowFromPng(out)).toThrow(/the atelier\.flow chunk is refused: flow\.nodes\.0\.params\.x\.a\.a.*: nested deeper than 64 levels/);
  });
});
