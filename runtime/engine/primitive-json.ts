// JSON.stringify of one primitive, for code that writes JSON a value at a time (cache keys). Each
// JSON.stringify call enters V8's C++ side (~60 ns for a short string or a number here, ~25 ns
// written in JS) and a cache key makes six of them per node. The text is always JSON.stringify's.

/** What JSON.stringify writes escaped: quote, backslash, control characters; and surrogates, left to it whole. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Longer strings go to JSON.stringify: the gain shrinks with length (measured: none left at 4,096 characters), and keys are short. */
const SHORT_STRING = 256;

/** True when JSON.stringify writes the string as it is between quotes (and it is short enough to be worth asking). */
export function needsNoEscape(value: string): boolean {
  return value.length <= SHORT_STRING && !NEEDS_ESCAPE.test(value);
}

export function primitiveJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return needsNoEscape(value) ? `"${value}"` : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : JSON.stringify(value);
  }
}
