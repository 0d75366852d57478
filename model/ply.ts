// Gaussian-splat PLY: writes LGM's layout, reads LGM's and the ordinary 3DGS layout (by property name).
//
// LGM's `save_ply(compatible=True)` writes one `vertex` element of float32 properties
//   x y z f_dc_0 f_dc_1 f_dc_2 opacity scale_0 scale_1 scale_2 rot_0 rot_1 rot_2 rot_3
// with opacity stored as a logit, scale as log, colour as the SH DC coefficient (rgb - 0.5) / C0
// and the rotation quaternion w first. The 3DGS training code adds nx ny nz and f_rest_*.
// In memory the values are activated (opacity 0..1, linear scale, rgb 0..1), as LGM keeps them.

export const SH_C0 = 0.28209479177387814;

export const LGM_PROPERTIES = [
  'x', 'y', 'z',
  'f_dc_0', 'f_dc_1', 'f_dc_2',
  'opacity',
  'scale_0', 'scale_1', 'scale_2',
  'rot_0', 'rot_1', 'rot_2', 'rot_3',
] as const;

/** Struct-of-arrays Gaussians with activated values. */
export interface Gaussians {
  count: number;
  /** xyz per Gaussian (3·count). */
  positions: Float32Array;
  /** rgb in 0..1 per Gaussian (3·count). */
  colors: Float32Array;
  /** 0..1 per Gaussian. */
  opacities: Float32Array;
  /** Linear standard deviations along the local axes (3·count). */
  scales: Float32Array;
  /** Quaternion w, x, y, z per Gaussian (4·count). */
  rotations: Float32Array;
}

export class PlyFormatError extends Error {
  constructor(message: string) {
    super(`invalid PLY: ${message}`);
    this.name = 'PlyFormatError';
  }
}

export function allocateGaussians(count: number): Gaussians {
  return {
    count,
    positions: new Float32Array(count * 3),
    colors: new Float32Array(count * 3),
    opacities: new Float32Array(count),
    scales: new Float32Array(count * 3),
    rotations: new Float32Array(count * 4),
  };
}

// Keeps logit/log finite for values at the ends of their range.
const EPS = 1e-7;

/** Binary little-endian PLY in LGM's layout. */
export function writePly(g: Gaussians): Uint8Array {
  const header =
    'ply\nformat binary_little_endian 1.0\n' +
    `element vertex ${g.count}\n` +
    LGM_PROPERTIES.map((name) => `property float ${name}\n`).join('') +
    'end_header\n';
  const headerBytes = new TextEncoder().encode(header);
  const stride = LGM_PROPERTIES.length * 4;
  const out = new Uint8Array(headerBytes.length + g.count * stride);
  out.set(headerBytes, 0);
  const view = new DataView(out.buffer, headerBytes.length);
  const { positions: p, colors: c, opacities: o, scales: s, rotations: r } = g;
  for (let i = 0, at = 0; i < g.count; i++) {
    const i3 = i * 3;
    const i4 = i * 4;
    const alpha = Math.min(Math.max(o[i], EPS), 1 - EPS);
    view.setFloat32(at, p[i3], true);
    view.setFloat32(at + 4, p[i3 + 1], true);
    view.setFloat32(at + 8, p[i3 + 2], true);
    view.setFloat32(at + 12, (c[i3] - 0.5) / SH_C0, true);
    view.setFloat32(at + 16, (c[i3 + 1] - 0.5) / SH_C0, true);
    view.setFloat32(at + 20, (c[i3 + 2] - 0.5) / SH_C0, true);
    view.setFloat32(at + 24, Math.log(alpha / (1 - alpha)), true);
    view.setFloat32(at + 28, Math.log(s[i3] + 1e-8), true);
    view.setFloat32(at + 32, Math.log(s[i3 + 1] + 1e-8), true);
    view.setFloat32(at + 36, Math.log(s[i3 + 2] + 1e-8), true);
    view.setFloat32(at + 40, r[i4], true);
    view.setFloat32(at + 44, r[i4 + 1], true);
    view.setFloat32(at + 48, r[i4 + 2], true);
    view.setFloat32(at + 52, r[i4 + 3], true);
    at += stride;
  }
  return out;
}

const TYPE_SIZES: Record<string, number> = {
  char: 1, int8: 1, uchar: 1, uint8: 1,
  short: 2, int16: 2, ushort: 2, uint16: 2,
  int: 4, int32: 4, uint: 4, uint32: 4,
  float: 4, float32: 4, double: 8, float64: 8,
};

interface PlyProperty {
  name: string;
  type: string;
  offset: number;
}

export interface PlyHeader {
  vertexCount: number;
  properties: PlyProperty[];
  stride: number;
  bodyOffset: number;
}

const MAX_HEADER_BYTES = 64 * 1024;

export function readPlyHeader(bytes: Uint8Array): PlyHeader {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, MAX_HEADER_BYTES)));
  if (!/^ply\r?\n/.test(head)) throw new PlyFormatError('missing "ply" magic at the start of the file');
  const end = head.search(/end_header\r?\n/);
  if (end < 0) throw new PlyFormatError('no "end_header" line in the first 64 KiB');
  const bodyOffset = end + head.slice(end).indexOf('\n') + 1;
  const lines = head.slice(0, end).split(/\r?\n/).slice(1).map((l) => l.trim()).filter(Boolean);

  let format: string | undefined;
  let vertexCount = -1;
  let currentElement: string | undefined;
  let elementsBeforeVertex = 0;
  const properties: PlyProperty[] = [];
  let stride = 0;
  for (const line of lines) {
    const words = line.split(/\s+/);
    if (words[0] === 'comment' || words[0] === 'obj_info') continue;
    if (words[0] === 'format') {
      format = words[1];
    } else if (words[0] === 'element') {
      currentElement = words[1];
      const n = Number(words[2]);
      if (!Number.isInteger(n) || n < 0) throw new PlyFormatError(`bad element count in "${line}"`);
      if (currentElement === 'vertex') vertexCount = n;
      else if (vertexCount < 0 && n > 0) elementsBeforeVertex++;
    } else if (words[0] === 'property') {
      if (currentElement !== 'vertex') continue;
      if (words[1] === 'list') throw new PlyFormatError(`list property in the vertex element is not supported: "${line}"`);
      const size = TYPE_SIZES[words[1]];
      if (!size || !words[2]) throw new PlyFormatError(`unknown property type in "${line}"`);
      properties.push({ name: words[2], type: words[1], offset: stride });
      stride += size;
    } else {
      throw new PlyFormatError(`unexpected header line "${line}"`);
    }
  }
  if (format === 'ascii') throw new PlyFormatError('ascii PLY is not supported; expected format binary_little_endian 1.0');
  if (format !== 'binary_little_endian') throw new PlyFormatError(`format "${format ?? '(none)'}" is not supported; expected binary_little_endian`);
  if (vertexCount < 0) throw new PlyFormatError('no "element vertex" in the header');
  if (elementsBeforeVertex > 0) throw new PlyFormatError('elements before "vertex" are not supported');
  return { vertexCount, properties, stride, bodyOffset };
}

const REQUIRED = LGM_PROPERTIES;

/** Reads LGM's layout or the ordinary 3DGS layout (normals and f_rest_* are ignored). */
export function readPly(bytes: Uint8Array): Gaussians {
  const header = readPlyHeader(bytes);
  const byName = new Map(header.properties.map((p) => [p.name, p]));
  const missing = REQUIRED.filter((name) => !byName.has(name));
  if (missing.length) throw new PlyFormatError(`missing vertex properties: ${missing.join(', ')}`);

  const { vertexCount: n, stride, bodyOffset } = header;
  const bodyLength = bytes.length - bodyOffset;
  const expected = n * stride;
  if (bodyLength < expected) {
    throw new PlyFormatError(`truncated body: ${n} vertices of ${stride} bytes need ${expected} bytes, found ${bodyLength}`);
  }
  if (bodyLength > expected) {
    throw new PlyFormatError(`vertex count mismatch: header says ${n} vertices (${expected} bytes) but the body has ${bodyLength} bytes`);
  }

  const g = allocateGaussians(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset + bodyOffset, expected);
  const column = (name: string, target: Float32Array, width: number, lane: number, map: (v: number) => number) => {
    const prop = byName.get(name)!;
    const get = getter(view, prop.type);
    for (let i = 0, at = prop.offset; i < n; i++, at += stride) target[i * width + lane] = map(get(at));
  };
  const same = (v: number) => v;
  column('x', g.positions, 3, 0, same);
  column('y', g.positions, 3, 1, same);
  column('z', g.positions, 3, 2, same);
  for (let k = 0; k < 3; k++) {
    column(`f_dc_${k}`, g.colors, 3, k, (v) => v * SH_C0 + 0.5);
    column(`scale_${k}`, g.scales, 3, k, Math.exp);
  }
  column('opacity', g.opacities, 1, 0, (v) => 1 / (1 + Math.exp(-v)));
  for (let k = 0; k < 4; k++) column(`rot_${k}`, g.rotations, 4, k, same);
  return g;
}

function getter(view: DataView, type: string): (at: number) => number {
  switch (type) {
    case 'float': case 'float32': return (at) => view.getFloat32(at, true);
    case 'double': case 'float64': return (at) => view.getFloat64(at, true);
    case 'char': case 'int8': return (at) => view.getInt8(at);
    case 'uchar': case 'uint8': return (at) => view.getUint8(at);
    case 'short': case 'int16': return (at) => view.getInt16(at, true);
    case 'ushort': case 'uint16': return (at) => view.getUint16(at, true);
    case 'int': case 'int32': return (at) => view.getInt32(at, true);
    default: return (at) => view.getUint32(at, true);
  }
}
