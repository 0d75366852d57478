// The flow inside the PNGs Atelier hands out: an iTXt chunk with keyword `atelier.flow` holding
// `{ flow, inputs, runId, node, port }` as UTF-8 JSON (uncompressed). Pure byte work with no Node
// APIs, so the editor reads a dropped file the same way the server does.

import { MAX_FLOW_JSON_BYTES } from './flow-basics';
import { FILE_JSON_LIMITS, jsonProblem } from './json-limits';

export const FLOW_PNG_KEYWORD = 'atelier.flow';
/**
 * A chunk beyond this is refused rather than parsed. It holds a flow (at most MAX_FLOW_JSON_BYTES, so
 * any flow that can run fits) and the run's inputs: a 100,000-node flow's PNGs carry ~20 MiB of it.
 */
export const MAX_FLOW_CHUNK_BYTES = 2 * MAX_FLOW_JSON_BYTES;

export interface EmbeddedFlow {
  /** The flow document as it was run (subflow nodes unexpanded). */
  flow: unknown;
  /** The flow inputs of that run: values, artifact hashes or artifact objects. */
  inputs: Record<string, unknown>;
  runId?: string;
  /** Which node and output port made this image. */
  node?: string;
  port?: string;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export class PngMetaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngMetaError';
  }
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

interface Chunk {
  type: string;
  /** Offset of the chunk's length field; the chunk spans start .. start + 12 + length. */
  start: number;
  length: number;
}

function chunks(png: Uint8Array): Chunk[] {
  if (!isPng(png)) throw new PngMetaError('not a PNG file (the signature is missing)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const found: Chunk[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    if (offset + 12 + length > png.length) throw new PngMetaError(`the PNG is truncated: a chunk at byte ${offset} runs past the end`);
    const type = String.fromCharCode(png[offset + 4], png[offset + 5], png[offset + 6], png[offset + 7]);
    found.push({ type, start: offset, length });
    offset += 12 + length;
    if (type === 'IEND') return found;
  }
  throw new PngMetaError('the PNG has no IEND chunk');
}

/** A copy of the PNG with `data` in an `atelier.flow` iTXt chunk (any earlier one is replaced); pixels untouched. */
export function embedFlowInPng(png: Uint8Array, data: EmbeddedFlow): Uint8Array {
  const parts = pngWithFlowParts(png, data);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * embedFlowInPng's bytes as a few views of `png` and the new chunk, written one after another: a file
 * is written from them without a copy of the image (copying 5 MB held the event loop ~20 ms here).
 */
export function pngWithFlowParts(png: Uint8Array, data: EmbeddedFlow): Uint8Array[] {
  const list = chunks(png);
  const text = new TextEncoder().encode(JSON.stringify(data));
  if (text.length > MAX_FLOW_CHUNK_BYTES) throw new PngMetaError(`the flow is ${text.length} bytes; at most ${MAX_FLOW_CHUNK_BYTES} fit in a PNG`);
  const keyword = new TextEncoder().encode(FLOW_PNG_KEYWORD);
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text
  const body = new Uint8Array(keyword.length + 5 + text.length);
  body.set(keyword, 0);
  body.set([0, 0, 0, 0, 0], keyword.length);
  body.set(text, keyword.length + 5);
  const iend = list[list.length - 1];
  // Runs of kept chunks, cut where an earlier flow chunk is left out; the new chunk goes before IEND.
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const c of list) {
    if (c === iend || (c.type === 'iTXt' && keywordOf(png, c) === FLOW_PNG_KEYWORD)) {
      if (c.start > from) parts.push(png.subarray(from, c.start));
      from = c === iend ? c.start : c.start + 12 + c.length;
    }
  }
  parts.push(makeChunk('iTXt', body), png.subarray(from, iend.start + 12 + iend.length));
  return parts;
}

/** The embedded flow, or undefined when the PNG carries none. Throws PngMetaError on a broken file or chunk. */
export function readFlowFromPng(png: Uint8Array): EmbeddedFlow | undefined {
  for (const c of chunks(png)) {
    if (c.type !== 'iTXt' || keywordOf(png, c) !== FLOW_PNG_KEYWORD) continue;
    const body = png.subarray(c.start + 8, c.start + 8 + c.length);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    if (crc32(png.subarray(c.start + 4, c.start + 8 + c.length)) !== view.getUint32(c.start + 8 + c.length)) {
      throw new PngMetaError('the atelier.flow chunk is damaged (CRC mismatch)');
    }
    let at = FLOW_PNG_KEYWORD.length + 1;
    if (body[at] !== 0) throw new PngMetaError('the atelier.flow chunk is compressed; Atelier writes it uncompressed');
    at += 2;
    at = body.indexOf(0, at) + 1; // language tag
    at = at === 0 ? -1 : body.indexOf(0, at) + 1; // translated keyword
    if (at <= 0) throw new PngMetaError('the atelier.flow chunk is malformed');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(at));
    } catch (error) {
      throw new PngMetaError(`the atelier.flow chunk is not UTF-8: ${(error as Error).message}`);
    }
    // Anyone can make a PNG: its chunk gets a request body's nesting limit.
    const problem = jsonProblem(text, FILE_JSON_LIMITS);
    if (problem) throw new PngMetaError(`the atelier.flow chunk is refused: ${problem.field}: ${problem.message}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new PngMetaError(`the atelier.flow chunk is not JSON: ${(error as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || !('flow' in parsed)) throw new PngMetaError('the atelier.flow chunk has no "flow"');
    const data = parsed as Partial<EmbeddedFlow>;
    const inputs = data.inputs && typeof data.inputs === 'object' && !Array.isArray(data.inputs) ? data.inputs : {};
    const result: EmbeddedFlow = { flow: data.flow, inputs };
    if (typeof data.runId === 'string') result.runId = data.runId;
    if (typeof data.node === 'string') result.node = data.node;
    if (typeof data.port === 'string') result.port = data.port;
    return result;
  }
  return undefined;
}

function keywordOf(png: Uint8Array, c: Chunk): string {
  const body = png.subarray(c.start + 8, c.start + 8 + Math.min(c.length, 80));
  const end = body.indexOf(0);
  return end < 0 ? '' : String.fromCharCode(...body.subarray(0, end));
}

function makeChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

let table: Uint32Array | undefined;

export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
