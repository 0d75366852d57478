// Error messages from providers sometimes echo the key (OpenAI: "Incorrect API key provided: sk-…").
// Nothing that looks like a key, and no known secret value, may leave a node in an error.
const KEY_LIKE = /\b(?:sk|hf|AIza|ya29|gsk|r8|fal)[-_.A-Za-z0-9*]{8,}/g;

export function redactSecrets(text: string, secrets: Array<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(KEY_LIKE, '[redacted]');
}
