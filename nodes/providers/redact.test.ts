import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('removes known secret values and anything shaped like a key', () => {
    expect(redactSecrets('key my-own-secret-value failed', ['my-own-secret-value'])).toBe('key [redacted] failed');
    expect(redactSecrets('Incorrect API key provided: sk-proj-********************abcd.')).toBe('Incorrect API key provided: [redacted].');
    expect(redactSecrets('token hf_abcdefghijklmnopqrstuvwxyz0123 rejected')).toBe('token [redacted] rejected');
    expect(redactSecrets('key AIzaSyA1234567890abcdefghijklmnopqrstu')).toBe('key [redacted]');
  });

  it('leaves ordinary words alone', () => {
    const text = 'Hugging Face (hf-inference) rate limited (429); task-specific sk-ill';
    expect(redactSecrets(text)).toBe(text);
  });
});
