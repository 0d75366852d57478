import { describe, expect, it } from 'vitest';
import { jsonProblem } from './json-limits';

describe('jsonProblem', () => {
  it('accepts ordinary JSON, including strings that look like structure', () => {
    expect(jsonProblem('{"a":[1,{"b":"[[[{{{\\"}}}"}],"c":null}')).toBeUndefined();
    expect(jsonProblem(`{"deep":${'['.repeat(63)}${']'.repeat(63)}}`)).toBeUndefined();
  });

  it('names the field where nesting passes the limit', () => {
    expect(jsonProblem(`{"flow":{"nodes":[{"params":{"x":1,"text":${'['.repeat(100)}`)).toEqual({
      field: `flow.nodes.0.params.text${'.0'.repeat(59)}`,
      message: 'nested deeper than 64 levels',
    });
  });

  it('names the field of an overlong string or key, and of a __proto__ key however it is spelt', () => {
    expect(jsonProblem(JSON.stringify({ a: [0, 'ok', 'x'.repeat(11)] }), { maxDepth: 64, maxStringChars: 10, maxKeyChars: 5 })).toEqual({ field: 'a.2', message: 'a string longer than 10 characters' });
    expect(jsonProblem(JSON.stringify({ a: { longkey: 1 } }), { maxDepth: 64, maxStringChars: 10, maxKeyChars: 5 })?.field).toBe('a.longkey');
    expect(jsonProblem('{"params":{"__proto__":{}}}')?.field).toBe('params.__proto__');
    expect(jsonProblem('{"params":{"\\u005f_proto__":{}}}')?.message).toContain('__proto__');
    expect(jsonProblem('{"params":{"proto":"__proto__"}}')).toBeUndefined();
  });
});
