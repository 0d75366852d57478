// Limits on a JSON text, checked in one linear pass before it is parsed: nesting depth (a deeply
// nested body costs seconds to parse and overflows any recursive consumer), string and key length.
// The problem names the field where it occurs, e.g. "flow.nodes.0.params.text".

export const JSON_LIMITS = {
  maxDepth: 64,
  maxStringChars: 200_000,
  maxKeyChars: 1_000,
};

export interface JsonProblem {
  field: string;
  message: string;
}

interface Level {
  array: boolean;
  key: string | number;
  expectKey: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;

export function jsonProblem(text: string, limits = JSON_LIMITS): JsonProblem | undefined {
  const stack: Level[] = [];
  const path = (extra?: string | number) => {
    const parts = stack.map((level) => level.key);
    if (extra !== undefined) parts.push(extra);
    return parts.length ? parts.join('.') : '(body)';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      const start = i + 1;
      for (i = start; i < text.length && text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      const length = i - start;
      const top = stack.at(-1);
      if (top && !top.array && top.expectKey) {
        top.key = text.slice(start, Math.min(i, start + 64));
        top.expectKey = false;
        if (length > limits.maxKeyChars) return { field: path(), message: `a key longer than ${limits.maxKeyChars} characters` };
      } else if (length > limits.maxStringChars) {
        return { field: path(), message: `a string longer than ${limits.maxStringChars} characters` };
      }
    } else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (stack.length >= limits.maxDepth) return { field: path(), message: `nested deeper than ${limits.maxDepth} levels` };
      stack.push({ array: ch === 91, key: ch === 91 ? 0 : '', expectKey: ch === 123 });
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) {
      stack.pop();
    } else if (ch === 44 /* , */) {
      const top = stack.at(-1);
      if (top?.array) (top.key as number)++;
      else if (top) top.expectKey = true;
    }
  }
  return undefined;
}
