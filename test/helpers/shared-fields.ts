import { FieldRows, NULL_FIELD, sharedBuffer } from '../../runtime/store/shared-values';

/** Rows of fields as the cache writes them: row i's fields are `fieldsOf(i)`, in shared buffers of up to 64 KiB. */
export function fieldRows(count: number, fieldsOf: (i: number) => Array<string | null>): FieldRows {
  const rows = new FieldRows(fieldsOf(0).length, count);
  let memory = sharedBuffer(0);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const fields = fieldsOf(i);
    const most = fields.reduce((bytes, text) => bytes + 4 + (text?.length ?? 0) * 3, 0);
    if (at + most > memory.length) {
      memory = sharedBuffer(Math.max(1 << 16, most));
      at = 0;
    }
    rows.add(memory.buffer as SharedArrayBuffer, at);
    for (const text of fields) {
      const length = text === null ? NULL_FIELD : memory.write(text, at + 4);
      memory.writeUInt32LE(length, at);
      at += 4 + (text === null ? 0 : length);
    }
  }
  return rows;
}
