// Error messages from providers sometimes echo the key (OpenAI: "Incorrect API key provided: sk-…").
// Nothing that looks like a key, and no known secret value, may leave a node in an error.
// Shapes of the keys Atelier handles: OpenAI sk-…, Hugging Face hf_…, Google AIza… and OAuth ya29.… tokens.
const KEY_LIKE = /\b(?:sk-[A-Za-z0-9_*-]{12,}|hf_[A-Za-z0-9]{12,}|AIza[A-Za-z0-9_*-]{12,}|ya29\.[A-Za-z0-9_.-]{12,})/g;

export function redactSecrets(text: string, secrets: Array<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(KEY_LIKE, '[redacted]');
}
