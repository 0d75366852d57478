// A queued run that waits for its turn (a batch runs its runs one after another): resolves when
// `after` settles either way, or at once when the run is cancelled meanwhile.
export function untilTurn(after: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    after.then(done, done);
  });
}
