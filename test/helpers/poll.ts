// Waiting for a condition in tests: poll it until it holds or a deadline passes — never sleep a
// fixed time and hope the thing happened.
export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves with the probe's first value that is neither undefined nor false; throws naming `what` at the deadline. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: PollOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 20 } = options;
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
