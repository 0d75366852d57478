// Cache key = sha256(node type + version + params + input values, artifacts by hash only), plus what
// the node's own `cacheKey` says its result depends on (e.g. the backend that will serve).
import { hash } from 'node:crypto';
import { isArtifact } from '../../model/artifact';
import { writeUtf8 } from '../store/shared-values';
import { needsNoEscape, primitiveJson } from './primitive-json';

/** Deeper values are refused (a cyclic value would be infinitely deep). The server caps JSON at 64. */
export const MAX_KEY_DEPTH = 10_000;

export function cacheKey(type: string, version: number, params: unknown, inputs: Record<string, unknown>, extra?: string): string {
  // The UTF-8 of stableJson([type, version, params, inputs(, extra)]), written straight into a scratch
  // buffer (params and inputs are mostly flat records, and this runs once per node) and hashed as
  // bytes: building it as strings made ~15 short strings per node (~1.2 KB, an eighth of what a
  // ten-node run allocated), which SHA-256 then had to encode again. Without `extra` the key is what
  // it always was.
  const text = KeyText.take();
  try {
    text.ascii('[');
    text.primitive(type);
    text.ascii(',');
    text.primitive(version);
    text.ascii(',');
    text.record(params);
    text.ascii(',');
    text.record(inputs);
    if (extra !== undefined) {
      text.ascii(',');
      text.primitive(extra);
    }
    text.ascii(']');
    // The one-shot hash (Node 20.12+) costs half of createHash's object, update and digest.
    return hash('sha256', text.bytes(), 'hex');
  } finally {
    text.release();
  }
}

/** The most scratch kept between keys. */
const KEPT_BYTES = 64 << 10;
/** Keys' texts shorter than this many bytes (most) are hashed through a view made once per length. */
const VIEWS_KEPT = 512;

/** A key's text as UTF-8, written a value at a time into a buffer kept between keys. */
class KeyText {
  private static idle: KeyText | undefined = new KeyText();

  private buffer: Buffer = Buffer.allocUnsafeSlow(512);
  private length = 0;
  /** Views of the buffer's first n bytes, by n, made once: a view costs more to make than the key's text to write. */
  private views: Buffer[] = [];

  /** The kept writer, or a new one when it is in use (a getter of a param computing another key). */
  static take(): KeyText {
    const text = KeyText.idle ?? new KeyText();
    KeyText.idle = undefined;
    text.length = 0;
    return text;
  }

  release(): void {
    if (this.buffer.length > KEPT_BYTES) this.grown(Buffer.allocUnsafeSlow(512)); // a long prompt's key once
    KeyText.idle = this;
  }

  bytes(): Buffer {
    if (this.length >= VIEWS_KEPT) return this.buffer.subarray(0, this.length);
    return (this.views[this.length] ??= this.buffer.subarray(0, this.length));
  }

  /** Text known to be ASCII (brackets, commas, numbers' digits). */
  ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.length++] = text.charCodeAt(i);
  }

  /** Any text, as UTF-8 (JSON written by stableJson or JSON.stringify). */
  utf8(text: string): void {
    this.room(text.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.length += writeUtf8(this.buffer, this.length, text);
  }

  /** primitiveJson(value), as the template literal that wrote it wrote it ("undefined" for what JSON cannot say); a plain string without its quoted copy. */
  primitive(value: unknown): void {
    if (typeof value === 'string' && needsNoEscape(value)) {
      this.ascii('"');
      this.utf8(value);
      this.ascii('"');
    } else this.utf8(`${primitiveJson(value)}`);
  }

  /** stableJson of a record whose values are mostly primitives or artifacts; anything deeper goes to stableJson. */
  record(value: unknown): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || isArtifact(value)) return this.utf8(stableJson(value));
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length > 1) keys.sort();
    this.ascii('{');
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) this.ascii(',');
      first = false;
      this.primitive(key);
      this.ascii(':');
      if (item === null || typeof item !== 'object') this.primitive(item);
      else if (isArtifact(item)) {
        this.ascii('{"artifact":');
        this.primitive(item.artifact);
        this.ascii('}');
      } else this.utf8(stableJson(item));
    }
    this.ascii('}');
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.grown(grown);
  }

  private grown(buffer: Buffer): void {
    this.buffer = buffer;
    this.views = [];
  }
}

/** Text written as is between values (brackets, commas, keys). */
class Raw {
  constructor(readonly text: string) {}
}
const CLOSE_ARRAY = new Raw(']');
const CLOSE_OBJECT = new Raw('}');
const COMMA = new Raw(',');

/**
 * JSON with sorted keys; an artifact handle stands for its hash alone (its URL may differ by host).
 * Iterative (an explicit stack of pending items), so a deeply nested value cannot overflow the call stack.
 */
export function stableJson(value: unknown): string {
  let out = '';
  // Pairs of (item, depth), popped from the end: items are pushed in reverse of their output order.
  const stack: unknown[] = [value, 0];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const item = stack.pop();
    if (item instanceof Raw) {
      out += item.text;
      continue;
    }
    if (item === undefined) {
      out += 'null';
      continue;
    }
    if (item === null || typeof item !== 'object') {
      out += primitiveJson(item);
      continue;
    }
    if (depth >= MAX_KEY_DEPTH) throw new Error(`value nested deeper than ${MAX_KEY_DEPTH} levels`);
    if (Array.isArray(item)) {
      stack.push(CLOSE_ARRAY, 0);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i], depth + 1);
        if (i > 0) stack.push(COMMA, 0);
      }
      out += '[';
      continue;
    }
    if (isArtifact(item)) {
      out += `{"artifact":${primitiveJson(item.artifact)}}`;
      continue;
    }
    const record = item as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    stack.push(CLOSE_OBJECT, 0);
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push(record[keys[i]], depth + 1);
      stack.push(new Raw(`${i > 0 ? ',' : ''}${primitiveJson(keys[i])}:`), 0);
    }
    out += '{';
  }
  return out;
}
