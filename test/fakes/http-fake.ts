// A real HTTP server on 127.0.0.1 that records every request and answers from a script:
// one-off replies queued by a test first, then the fake's default behaviour.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { until } from '../helpers/poll';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True once the client closed the connection before the reply finished (cancel, timeout). */
  aborted: boolean;
}

export type Reply = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;
type Match = (req: RecordedRequest) => boolean;

export class HttpFake {
  readonly requests: RecordedRequest[] = [];
  private readonly script: Array<{ match: Match; reply: Reply }> = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  url = '';

  constructor(private readonly defaultReply: Reply) {}

  /** Queues a reply for the next request that matches (default: any). */
  once(reply: Reply, match: Match = () => true): this {
    this.script.push({ match, reply });
    return this;
  }

  async start(): Promise<string> {
    this.server = createServer((incoming, res) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const recorded: RecordedRequest = {
          method: incoming.method ?? 'GET',
          path: incoming.url ?? '/',
          url: new URL(incoming.url ?? '/', this.url),
          headers: incoming.headers,
          body: Buffer.concat(chunks),
          aborted: false,
        };
        res.on('close', () => {
          if (!res.writableFinished) recorded.aborted = true;
        });
        this.requests.push(recorded);
        const index = this.script.findIndex((s) => s.match(recorded));
        const reply = index >= 0 ? this.script.splice(index, 1)[0].reply : this.defaultReply;
        Promise.resolve(reply(recorded, res)).catch((error: Error) => {
          if (!res.headersSent) json(res, 500, { error: { message: `fake failed: ${error.message}` } });
          else res.destroy(error);
        });
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves once `count` requests have arrived (for cancelling mid-request). */
  async waitForRequests(count: number): Promise<void> {
    await until(`${count} request(s) at the fake`, () => this.requests.length >= count, { intervalMs: 5 });
  }

  /** Resolves once the given request's connection was dropped by the client. */
  async waitForAbort(req: RecordedRequest): Promise<void> {
    await until(`the client to drop ${req.method} ${req.path}`, () => req.aborted, { intervalMs: 5 });
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function bytes(res: ServerResponse, status: number, body: Uint8Array, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': body.byteLength });
  res.end(body);
}

/** Server-sent events; `event` lines only where given. */
export async function sse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

/** Never answers; the request stays open until the client gives up or the fake closes. */
export const hang: Reply = () => {};

/** An error reply in the common `{ error: { message, ... } }` shape. */
export function failWith(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): Reply {
  return (_req, res) => json(res, status, { error: error }, headers);
}

/** Parses a multipart/form-data body with the web-standard parser. */
export async function formData(req: RecordedRequest): Promise<FormData> {
  return new Request('http://fake.local/', {
    method: 'POST',
    headers: { 'content-type': String(req.headers['content-type']) },
    body: new Uint8Array(req.body),
  }).formData();
}
