import { describe, expect, it } from 'vitest';
import { fillSmallHoles, keepPromptedComponents, maskBBox, maskIoU, resizeBilinear } from './mask-ops';

function draw(width: number, height: number, rects: Array<[number, number, number, number, number]>): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const [x0, y0, x1, y1, v] of rects) for (let y = y0; y < y1; y++) mask.fill(v, y * width + x0, y * width + x1);
  return mask;
}

describe('mask ops', () => {
  it('bbox is tight, and empty for an empty mask', () => {
    expect(maskBBox(draw(20, 10, [[3, 2, 8, 5, 255], [15, 9, 16, 10, 255]]), 20, 10)).toEqual({ x: 3, y: 2, width: 13, height: 8 });
    expect(maskBBox(new Uint8Array(200), 20, 10)).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });

  it('keeps the clicked region, or with no click the large ones', () => {
    const blobs = () => draw(30, 10, [[0, 0, 10, 10, 255], [12, 0, 14, 2, 255], [20, 0, 30, 10, 255]]);
    const clicked = blobs();
    keepPromptedComponents(clicked, 30, 10, [{ x: 25, y: 5 }]);
    expect(maskBBox(clicked, 30, 10)).toEqual({ x: 20, y: 0, width: 10, height: 10 });
    const boxOnly = blobs();
    keepPromptedComponents(boxOnly, 30, 10, []);
    expect(boxOnly[12]).toBe(0); // the 2×2 speck goes
    expect(boxOnly[0]).toBe(255);
    expect(boxOnly[29]).toBe(255);
  });

  it('fills small enclosed holes only', () => {
    const mask = draw(20, 20, [[2, 2, 18, 18, 255], [8, 8, 10, 10, 0], [0, 5, 3, 7, 0]]);
    fillSmallHoles(mask, 20, 20, 0.05);
    expect(mask[9 * 20 + 9]).toBe(255);
    expect(mask[6 * 20 + 2]).toBe(0); // a notch open to the outside stays
  });

  it('bilinear upscaling keeps flat areas and blends at edges', () => {
    const up = resizeBilinear(draw(4, 1, [[0, 0, 2, 1, 255]]), 4, 1, 8, 1, 1 / 255);
    expect(up[0]).toBe(1);
    expect(up[7]).toBe(0);
    expect(up[3]).toBeGreaterThan(0.5);
    expect(up[4]).toBeLessThan(0.5);
  });

  it('IoU', () => {
    expect(maskIoU(draw(4, 1, [[0, 0, 2, 1, 255]]), draw(4, 1, [[1, 0, 3, 1, 255]]))).toBeCloseTo(1 / 3);
  });
});
