import { describe, expect, it } from 'vitest';
import { Utf8Text } from './shared-values';

describe('Utf8Text', () => {
  it('keeps every text whole across slabs, multi-byte characters included, and a large one on its own', () => {
    const texts = Array.from({ length: 2000 }, (_, i) => `{"name":"flow ${i} — 節点 🌍 ${'x'.repeat(i % 700)}"}`);
    const held = texts.map((text) => Utf8Text.of(text)); // ~1.2 MB: several slabs
    held.forEach((utf8, i) => {
      expect(utf8.toString()).toBe(texts[i]);
      expect(utf8.byteLength).toBe(Buffer.byteLength(texts[i]));
    });
    const large = 'ü'.repeat(100_000);
    expect(Utf8Text.of(large).toString()).toBe(large);
    expect(Utf8Text.of('').toString()).toBe('');
  });
});
