import { describe, expect, it } from 'vitest';
import { inflate, type InflateInput } from './inflate';
import { LGM_OBJECT_EXTENT, maskBoundingBox } from '../../model/placement';
import type { Gaussians } from '../../model/ply';

function scene(width: number, height: number, inside: (x: number, y: number) => boolean, colour = [200, 40, 20]): InflateInput {
  const rgba = new Uint8Array(width * height * 4);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const on = inside(x, y);
      mask[i] = on ? 255 : 0;
      rgba.set(on ? [...colour, 255] : [0, 255, 0, 255], i * 4);
    }
  }
  return { rgba, mask, width, height, bbox: maskBoundingBox(mask, width, height)! };
}

function range(g: Gaussians, axis: number) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = axis; i < g.positions.length; i += 3) {
    min = Math.min(min, g.positions[i]);
    max = Math.max(max, g.positions[i]);
  }
  return { min, max };
}

describe('inflate', () => {
  const disc = scene(512, 512, (x, y) => (x - 300) ** 2 + (y - 200) ** 2 <= 150 ** 2);
  const g = inflate(disc);

  it('turns a 512² disc mask into a ball of tens of thousands of Gaussians', () => {
    expect(g.count).toBeGreaterThan(20_000);
    expect(g.count).toBeLessThan(150_000);
  });

  it("centres the object at the origin with LGM's extent, y up", () => {
    const x = range(g, 0);
    const y = range(g, 1);
    const z = range(g, 2);
    const half = LGM_OBJECT_EXTENT / 2;
    expect(x.min).toBeCloseTo(-half, 1);
    expect(x.max).toBeCloseTo(half, 1);
    expect(y.min).toBeCloseTo(-half, 1);
    expect(y.max).toBeCloseTo(half, 1);
    // a disc inflates to (nearly) a sphere
    expect(z.max).toBeGreaterThan(half * 0.9);
    expect(z.min).toBeLessThan(-half * 0.9);
  });

  it('colours the front from the image and the back darker, ignoring background pixels', () => {
    let front = 0;
    let back = 0;
    let green = 0;
    for (let i = 0; i < g.count; i++) {
      green = Math.max(green, g.colors[i * 3 + 1]);
      if (g.positions[i * 3 + 2] > 0.3) front = Math.max(front, g.colors[i * 3]);
      if (g.positions[i * 3 + 2] < -0.3) back = Math.max(back, g.colors[i * 3]);
    }
    expect(green).toBeLessThan(0.2); // no green background bleeding in
    expect(front).toBeCloseTo(200 / 255, 2);
    expect(back).toBeLessThan(front * 0.8);
  });

  it('closes the volume: along every column the Gaussians leave no gap wider than a working pixel', () => {
    const columns = new Map<string, number[]>();
    for (let i = 0; i < g.count; i++) {
      const key = `${g.positions[i * 3].toFixed(5)},${g.positions[i * 3 + 1].toFixed(5)}`;
      const list = columns.get(key) ?? [];
      list.push(g.positions[i * 3 + 2]);
      columns.set(key, list);
    }
    const sigma = g.scales[0];
    const pixel = sigma / 0.6;
    let rimColumns = 0;
    for (const zs of columns.values()) {
      zs.sort((a, b) => a - b);
      expect(zs[0]).toBeCloseTo(-zs[zs.length - 1], 5);
      if (zs.length > 3) rimColumns++;
      // each column's front chain runs from its height down to its lowest neighbour's (to 0 at the rim),
      // the back chain mirrors it; flat interior columns have only their front and back Gaussian
      const upper = zs.filter((z) => z >= 0);
      for (let k = 1; k < upper.length; k++) expect(upper[k] - upper[k - 1]).toBeLessThanOrEqual(pixel * 1.001);
    }
    expect(rimColumns).toBeGreaterThan(100);
  });

  it('keeps a thin bar thin instead of blowing it up to the size of the ball', () => {
    const shape = scene(400, 200, (x, y) => (x - 100) ** 2 + (y - 100) ** 2 <= 80 ** 2 || (x > 150 && x < 390 && Math.abs(y - 100) <= 8));
    const out = inflate(shape);
    const unitsPerPx = LGM_OBJECT_EXTENT / shape.bbox.width;
    let barDepth = 0;
    for (let i = 0; i < out.count; i++) {
      const px = out.positions[i * 3] / unitsPerPx + shape.bbox.width / 2 + shape.bbox.x;
      if (px > 300) barDepth = Math.max(barDepth, out.positions[i * 3 + 2] / unitsPerPx);
    }
    expect(barDepth).toBeGreaterThan(5);
    expect(barDepth).toBeLessThan(12);
  });

  it('gives more Gaussians to a tiny object by working above the source resolution', () => {
    const tiny = scene(64, 64, (x, y) => (x - 32) ** 2 + (y - 32) ** 2 <= 10 ** 2);
    expect(inflate(tiny).count).toBeGreaterThan(10 * 314);
  });

  it('rejects an empty mask', () => {
    const empty = scene(8, 8, () => false);
    expect(() => inflate({ ...empty, bbox: { x: 0, y: 0, width: 8, height: 8 } })).toThrow(/mask is empty/);
  });
});
