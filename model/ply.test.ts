import { describe, expect, it } from 'vitest';
import { LGM_PROPERTIES, SH_C0, allocateGaussians, readPly, readPlyHeader, writePly, type Gaussians } from './ply';

function sample(count: number): Gaussians {
  const g = allocateGaussians(count);
  for (let i = 0; i < count; i++) {
    g.positions.set([i * 0.01, -i * 0.02, 0.5 - i * 0.001], i * 3);
    g.colors.set([0.1 + (i % 8) * 0.1, 0.5, 0.9], i * 3);
    g.opacities[i] = 0.2 + (i % 5) * 0.15;
    g.scales.set([0.004, 0.005 + i * 1e-5, 0.006], i * 3);
    g.rotations.set([1, 0, 0, 0], i * 4);
  }
  return g;
}

function closeArrays(a: Float32Array, b: Float32Array, digits = 5) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], digits);
}

const encoder = new TextEncoder();

/** Builds a PLY from a header text and rows of numbers, each row written with the given types. */
function handMade(headerLines: string[], rows: number[][], types: string[]): Uint8Array {
  const header = encoder.encode(['ply', 'format binary_little_endian 1.0', ...headerLines, 'end_header', ''].join('\n'));
  const size = (t: string) => (t === 'double' ? 8 : t === 'uchar' ? 1 : 4);
  const stride = types.reduce((s, t) => s + size(t), 0);
  const out = new Uint8Array(header.length + rows.length * stride);
  out.set(header);
  const view = new DataView(out.buffer, header.length);
  let at = 0;
  for (const row of rows) {
    row.forEach((v, k) => {
      if (types[k] === 'double') view.setFloat64(at, v, true);
      else if (types[k] === 'uchar') view.setUint8(at, v);
      else view.setFloat32(at, v, true);
      at += size(types[k]);
    });
  }
  return out;
}

describe('writePly', () => {
  it("writes LGM's header: binary little endian, 14 float properties in LGM's order", () => {
    const bytes = writePly(sample(3));
    const text = new TextDecoder().decode(bytes.subarray(0, 400));
    const header = text.slice(0, text.indexOf('end_header'));
    expect(header.split('\n')).toEqual([
      'ply',
      'format binary_little_endian 1.0',
      'element vertex 3',
      ...LGM_PROPERTIES.map((p) => `property float ${p}`),
      '',
    ]);
    expect(bytes.length).toBe(readPlyHeader(bytes).bodyOffset + 3 * 14 * 4);
  });

  it('stores opacity as logit, scale as log and colour as SH DC', () => {
    const g = allocateGaussians(1);
    g.colors.set([1, 0.5, 0]);
    g.opacities[0] = 0.75;
    g.scales.set([Math.E, 1, 0.5]);
    g.rotations.set([0.5, 0.5, 0.5, 0.5]);
    const bytes = writePly(g);
    const view = new DataView(bytes.buffer, readPlyHeader(bytes).bodyOffset);
    const f = (k: number) => view.getFloat32(k * 4, true);
    expect(f(3)).toBeCloseTo(0.5 / SH_C0, 5);
    expect(f(4)).toBeCloseTo(0, 6);
    expect(f(5)).toBeCloseTo(-0.5 / SH_C0, 5);
    expect(f(6)).toBeCloseTo(Math.log(3), 5);
    expect(f(7)).toBeCloseTo(1, 5);
    expect(f(8)).toBeCloseTo(0, 5);
    expect(f(9)).toBeCloseTo(Math.log(0.5), 5);
    expect([f(10), f(11), f(12), f(13)]).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});

describe('readPly', () => {
  it('reads back what writePly wrote', () => {
    const g = sample(257);
    const back = readPly(writePly(g));
    expect(back.count).toBe(257);
    closeArrays(back.positions, g.positions);
    closeArrays(back.colors, g.colors);
    closeArrays(back.opacities, g.opacities);
    closeArrays(back.scales, g.scales);
    closeArrays(back.rotations, g.rotations);
  });

  it('reads an empty model', () => {
    expect(readPly(writePly(allocateGaussians(0))).count).toBe(0);
  });

  it('reads the 3DGS layout in any property order, with normals, f_rest and a double', () => {
    const names = ['nx', 'ny', 'nz', 'rot_3', 'rot_2', 'rot_1', 'rot_0', 'f_rest_0', 'f_rest_1', 'z', 'y', 'x',
      'scale_2', 'scale_1', 'scale_0', 'opacity', 'f_dc_2', 'f_dc_1', 'f_dc_0', 'red'];
    const types = names.map((n) => (n === 'x' ? 'double' : n === 'red' ? 'uchar' : 'float'));
    const headerLines = ['comment made by hand', 'element vertex 2', ...names.map((n, k) => `property ${types[k]} ${n}`)];
    const row = (x: number) => [0, 0, 1, 0.4, 0.3, 0.2, 0.1, 9, 9, 3, 2, x, Math.log(0.03), Math.log(0.02), Math.log(0.01), 0, 1, 0, -1, 200];
    const g = readPly(handMade(headerLines, [row(1), row(-1)], types));
    expect(g.count).toBe(2);
    expect(Array.from(g.positions)).toEqual([1, 2, 3, -1, 2, 3]);
    closeArrays(g.scales, new Float32Array([0.01, 0.02, 0.03, 0.01, 0.02, 0.03]));
    closeArrays(g.rotations, new Float32Array([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4]));
    closeArrays(g.opacities, new Float32Array([0.5, 0.5]));
    closeArrays(g.colors, new Float32Array([0.5 - SH_C0, 0.5, 0.5 + SH_C0, 0.5 - SH_C0, 0.5, 0.5 + SH_C0]));
  });

  it('rejects a file without the ply magic', () => {
    expect(() => readPly(encoder.encode('plx\nformat binary_little_endian 1.0\nend_header\n'))).toThrow(/missing "ply" magic/);
  });

  it('rejects ascii and big-endian PLY', () => {
    expect(() => readPly(encoder.encode('ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nend_header\n'))).toThrow(/ascii PLY is not supported/);
    expect(() => readPly(encoder.encode('ply\nformat binary_big_endian 1.0\nelement vertex 0\nend_header\n'))).toThrow(/binary_big_endian.*not supported/);
  });

  it('rejects a header without end_header', () => {
    expect(() => readPly(encoder.encode('ply\nformat binary_little_endian 1.0\nelement vertex 1\n'))).toThrow(/no "end_header"/);
  });

  it('names missing properties', () => {
    const lines = ['element vertex 1', ...LGM_PROPERTIES.filter((p) => p !== 'opacity' && p !== 'rot_3').map((p) => `property float ${p}`)];
    const bytes = handMade(lines, [new Array(12).fill(0)], new Array(12).fill('float'));
    expect(() => readPly(bytes)).toThrow(/missing vertex properties: opacity, rot_3/);
  });

  it('rejects a truncated body', () => {
    const bytes = writePly(sample(10));
    expect(() => readPly(bytes.subarray(0, bytes.length - 5))).toThrow(/truncated body: 10 vertices of 56 bytes need 560 bytes, found 555/);
  });

  it('rejects a body longer than the vertex count says', () => {
    const bytes = writePly(sample(10));
    const longer = new Uint8Array(bytes.length + 56);
    longer.set(bytes);
    expect(() => readPly(longer)).toThrow(/vertex count mismatch: header says 10 vertices/);
  });

  it('reads a PLY that sits inside a larger buffer (Node Buffer pool)', () => {
    const bytes = writePly(sample(4));
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 13);
    expect(readPly(big.subarray(13)).count).toBe(4);
  });
});
