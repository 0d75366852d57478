// Limits on a JSON text, checked in one linear pass before it is parsed: nesting depth (a deeply
// nested body costs seconds to parse and overflows any recursive consumer), string and key length,
// and no "__proto__" key.
// The problem names the field where it occurs, e.g. "flow.nodes.0.params.text".

export const JSON_LIMITS = {
  maxDepth: 64,
  maxStringChars: 200_000,
  maxKeyChars: 1_000,
};

/**
 * For files (flow files, a PNG's flow chunk): their size is bounded where they are read, and a flow
 * file may hold a prompt longer than a request's string limit; nesting and "__proto__" are refused.
 */
export const FILE_JSON_LIMITS = {
  ...JSON_LIMITS,
  maxStringChars: Number.MAX_SAFE_INTEGER,
  maxKeyChars: Number.MAX_SAFE_INTEGER,
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
/** JSON.parse keeps "__proto__" as an own key, which a careless consumer would turn into a prototype. */
const FORBIDDEN_KEYS = new Set(['__proto__']);

function decodeKey(quoted: string): string {
  if (!quoted.includes('\\')) return quoted.slice(1, -1);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return '';
  }
}
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
        if (length <= 64 && FORBIDDEN_KEYS.has(decodeKey(text.slice(start - 1, i + 1)))) {
          return { field: path(), message: 'the key "__proto__" is not allowed' };
        }
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
