// A client that vanished without closing (a laptop that slept, a dropped network) leaves a socket
// that never closes by itself, holding its subscriptions; a proxy closes a socket that stays idle for
// its read timeout (nginx: 60 s). Pinging every client each interval answers both: a client that did
// not answer the previous ping is dropped, and the pings are traffic the proxy sees.
import type { WebSocket, WebSocketServer } from 'ws';

/** Starts pinging; the returned function stops it. */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number): () => void {
  const answered = new WeakSet<WebSocket>();
  wss.on('connection', (socket: WebSocket) => {
    answered.add(socket);
    socket.on('pong', () => answered.add(socket));
  });
  const timer = setInterval(() => {
    for (const socket of wss.clients) {
      if (!answered.delete(socket)) socket.terminate();
      else if (socket.readyState === socket.OPEN) socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
