import { NULL_FIELD, SharedFields, sharedBuffer } from '../../runtime/store/shared-values';

/** Fields as a cache row holds them (shared-values.ts: SharedFields), after a few bytes of something else. */
export function sharedFields(texts: Array<string | null>): SharedFields {
  const memory = sharedBuffer(1 << 12);
  let at = 3;
  for (const text of texts) {
    if (text === null) {
      memory.writeUInt32LE(NULL_FIELD, at);
      at += 4;
    } else {
      const length = memory.write(text, at + 4);
      memory.writeUInt32LE(length, at);
      at += 4 + length;
    }
  }
  return new SharedFields(memory.buffer as SharedArrayBuffer, 3, texts.length);
}
