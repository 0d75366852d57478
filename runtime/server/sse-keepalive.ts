// Silent event streams get a comment now and then. Clients and proxies drop a response that sends
// nothing for a while (Node's fetch after 300 s between chunks, nginx after 60 s), so a node that
// works for minutes without progress (a provider's queue, a 3D model) would cut `atelier run` off.
import type { SSEStreamingApi } from 'hono/streaming';

/** Silence allowed on an SSE stream or a `?wait=1` answer, and the WebSocket ping interval. */
export const KEEP_ALIVE_MS = 15_000;

/** A replay into an SSE stream waits while this many events wait to be written (a slow reader). */
export const SSE_REPLAY_QUEUE = 2000;

/** What the routes that stream (SSE, long `?wait=1` answers) are given. */
export interface KeepAliveOptions {
  /** How long a stream may stay silent before a keep-alive (default KEEP_ALIVE_MS). */
  keepAliveMs?: number;
  /** Where a failure after the headers went out is told (default: nowhere). */
  log?: (message: string) => void;
}

/**
 * Waits until the stream's producer calls the wake function it is handed (through `setWake`), or for
 * keepAliveMs and then writes an SSE comment (which EventSource and `atelier run` skip). Either way the
 * caller looks at its queue again after it: an event that came during the write is not left waiting.
 */
export async function waitQuietly(stream: SSEStreamingApi, keepAliveMs: number, setWake: (wake: (() => void) | undefined) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const woken = await new Promise<boolean>((resolve) => {
    setWake(() => resolve(true));
    timer = setTimeout(() => resolve(false), keepAliveMs);
  });
  clearTimeout(timer);
  setWake(undefined);
  if (!woken && !stream.aborted) await stream.write(': keep-alive\n\n');
}
