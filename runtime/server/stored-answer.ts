// Answers whose JSON is already at hand as stored text (a finished run's record or flow) are sent as
// they are: parsing a 100,000-node record and serialising it again held the server ~0.5 s per GET.
// A deflated one is inflated as the client reads it: such a record is 52 MB, and 40 clients asking for
// it at once held it whole in memory twice each (1.8 GB).
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type { Context } from 'hono';
import { MAX_INFLATED_BYTES } from '../store/stored-json';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Stored JSON (a deflated blob, or the text itself when small), with a field added to it when given. */
export class StoredJson implements JsonSource {
  constructor(
    readonly stored: string | Uint8Array,
    readonly field?: { key: string; value: number | string },
  ) {}

  /** Its bytes, inflated as they are read; an error (a damaged row) ends the stream with it. */
  stream(): Readable {
    const source = typeof this.stored === 'string' ? Readable.from([Buffer.from(this.stored)]) : pipeline(Readable.from([this.stored]), createInflateRaw(), () => {});
    if (!this.field) return pipeline(source, limitBytes(), () => {});
    return pipeline(source, limitBytes(), withField(this.field.key, this.field.value), () => {});
  }
}

/** JSON made as it is read: stored (StoredJson) or a live record serialised in turns (LiveRecordJson). */
export interface JsonSource {
  stream(): Readable;
}

/**
 * Sends JSON as its source makes it. Its first bytes are made before the status goes out, so a stored
 * row damaged from its start is an error answer; damage further in ends the body early (and the
 * client's parse fails).
 */
export async function sendJsonStream(c: Context, json: JsonSource, what: string, log: (message: string) => void): Promise<Response> {
  const chunks = json.stream()[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const first = await chunks.next();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(first.value);
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        log(`${what} could not be read to its end; the answer was cut off: ${(error as Error).message}`);
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  return c.body(body, 200, { 'content-type': 'application/json' });
}

/** Ends the stream with an error past MAX_INFLATED_BYTES (a blob that inflates without end). */
function limitBytes(): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      total += chunk.length;
      if (total > MAX_INFLATED_BYTES) return done(new Error(`stored JSON inflates past ${MAX_INFLATED_BYTES} bytes`));
      done(null, chunk);
    },
  });
}

/** `{...object, [key]: value}` from an object's JSON bytes: its last byte, the closing brace, is held back until the end. */
export function withField(key: string, value: number | string): Transform {
  let first = true;
  let held: number | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (chunk.length === 0) return done();
      if (first && chunk[0] !== OPEN_BRACE) return done(new Error('stored JSON is not an object'));
      first = false;
      const body = held === undefined ? chunk.subarray(0, -1) : Buffer.concat([Buffer.of(held), chunk.subarray(0, -1)]);
      held = chunk[chunk.length - 1];
      done(null, body);
    },
    flush(done: TransformCallback) {
      if (held !== CLOSE_BRACE) return done(new Error('stored JSON is not an object'));
      done(null, Buffer.from(`,${JSON.stringify(key)}:${JSON.stringify(value)}}`));
    },
  });
}
