// `atelier run` on a server-held dir follows the run over SSE: a stream that breaks off is resumed
// after the last seq seen, and a server that stays away is reported, not waited for forever.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../model/events';
import { RemoteRuns, serverUrl } from './remote-run';
import { until } from '../../test/helpers/poll';

let server: Server | undefined;
afterEach(() => server?.close());

const event = (seq: number, type = 'node.started'): string =>
  `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ runId: 'r1', seq, ts: '2026-12-01T00:00:00.000Z', type, ...(type === 'run.finished' ? { status: 'succeeded', outputs: {} } : { nodeId: 'a' }) })}\n\n`;

/** An event server whose n-th stream (0-based) is answered by `streams[n]`; it records each `since`. */
async function fakeServer(streams: Array<(res: ServerResponse) => void>): Promise<{ url: string; sinces: string[] }> {
  const sinces: string[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    sinces.push(url.searchParams.get('since') ?? '');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    streams[sinces.length - 1](res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sinces };
}

describe('following a remote run', () => {
  it('resumes a stream that broke off after the last seq it saw, skipping keep-alive comments', async () => {
    const fake = await fakeServer([
      (res) => {
        res.write(event(1, 'run.queued') + ': keep-alive\n\n' + event(2));
        setImmediate(() => res.socket!.destroy());
      },
      (res) => res.end(event(3) + event(4, 'run.finished')),
    ]);
    const seen: RunEvent[] = [];
    await new RemoteRuns(fake.url, undefined).follow('r1', (e) => seen.push(e));
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(fake.sinces).toEqual(['0', '2']);
  });

  it('reads an event of ~20 MiB sent in small chunks (100,000 flow outputs), and one at once when its blank line straddles two chunks', async () => {
    const outputs = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`out-${i}`, { artifact: 'a'.repeat(64), url: `/api/artifacts/${'a'.repeat(64)}`, mediaType: 'image/png' }]));
    const finished = `id: 2\nevent: run.finished\ndata: ${JSON.stringify({ runId: 'r1', seq: 2, ts: '2026-12-01T00:00:00.000Z', type: 'run.finished', status: 'succeeded', outputs })}\n\n`;
    expect(finished.length).toBeGreaterThan(16 * 1024 * 1024);
    const seen: RunEvent[] = [];
    const fake = await fakeServer([
      (res) => {
        const first = event(1, 'run.queued');
        res.write(first.slice(0, -1));
        // The blank line's last "\n" alone, a moment later: the event is complete, and nothing follows
        // until the client has it (a reader that waited for a "\n\n" within one chunk never would).
        setTimeout(() => res.write('\n'), 50);
        void until('event 1 before anything more is sent', () => seen.length === 1, { timeoutMs: 10_000 }).then(() => {
          let at = 0;
          const next = () => {
            for (let i = 0; i < 16 && at < finished.length; i++, at += 16_384) res.write(finished.slice(at, at + 16_384));
            if (at < finished.length) setImmediate(next);
            else res.end();
          };
          next();
        }, () => res.end());
      },
    ]);
    await new RemoteRuns(fake.url, undefined).follow('r1', (e) => seen.push(e));
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(Object.keys((seen[1] as Extract<RunEvent, { type: 'run.finished' }>).outputs)).toHaveLength(100_000);
  });

  it('says it lost the server when the stream breaks off and the server stays away', async () => {
    const fake = await fakeServer([
      (res) => {
        res.write(event(1, 'run.queued'));
        setImmediate(() => {
          server!.close();
          res.socket!.destroy();
        });
      },
    ]);
    const seen: RunEvent[] = [];
    const following = new RemoteRuns(fake.url, undefined).follow('r1', (e) => seen.push(e));
    await expect(following).rejects.toThrow(new RegExp(`lost the server at ${fake.url} during run r1 after event 1 \\(.+\\)\\. .*marks the run interrupted`));
    expect(seen.map((e) => e.seq)).toEqual([1]);
  });

  it('gives up on a server that hangs: no byte for silenceMs, on the stream or the headers of a resume', async () => {
    const sinces: string[] = [];
    server = createServer((req, res) => {
      sinces.push(new URL(req.url!, 'http://x').searchParams.get('since') ?? '');
      if (sinces.length > 1) return; // hung: the socket stays open, nothing is answered
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event(1, 'run.queued'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const seen: RunEvent[] = [];
    await expect(new RemoteRuns(url, undefined, 100).follow('r1', (e) => seen.push(e))).rejects.toThrow(/after event 1 \(the server sent nothing for 0.1 s\)/);
    expect(seen.map((e) => e.seq)).toEqual([1]);
    expect(sinces).toEqual(['0', '1', '1', '1']);
    server.closeAllConnections();
  });

  it('keeps a quiet stream whose keep-alives come more often than silenceMs', async () => {
    const fake = await fakeServer([
      (res) => {
        res.write(event(1, 'run.queued'));
        const beats = setInterval(() => res.write(': keep-alive\n\n'), 30);
        setTimeout(() => {
          clearInterval(beats);
          res.end(event(2, 'run.finished'));
        }, 400);
      },
    ]);
    const seen: RunEvent[] = [];
    await new RemoteRuns(fake.url, undefined, 150).follow('r1', (e) => seen.push(e));
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(fake.sinces).toEqual(['0']);
  });
});

describe('starting a remote run on a busy server', () => {
  /** Answers POST /api/runs with 429 (Retry-After: 0) `busy` times, then 202. */
  async function busyServer(busy: number): Promise<{ url: string; posts: () => number }> {
    let posts = 0;
    server = createServer((_req, res) => {
      posts++;
      if (posts <= busy) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        return res.end(JSON.stringify({ error: { code: 'too_many_runs', message: `${posts} runs are queued or running` } }));
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ runId: 'r1' }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts: () => posts };
  }
  const request = { flow: { format: 'atelier.flow/1', name: 'f', revision: 0, inputs: {}, outputs: {}, nodes: [], edges: [] } as never, inputs: {} };

  it('asks again when the server says, until it takes the run', async () => {
    const fake = await busyServer(2);
    const waits: string[] = [];
    const runId = await new RemoteRuns(fake.url, undefined).start(request, (message, waitMs) => waits.push(`${message} (${waitMs} ms)`));
    expect(runId).toBe('r1');
    expect(waits).toEqual(['1 runs are queued or running (0 ms)', '2 runs are queued or running (0 ms)']);
    expect(fake.posts()).toBe(3);
  });

  it('gives up after busyWaitMs with the refusal of the server', async () => {
    const fake = await busyServer(Infinity);
    const start = new RemoteRuns(fake.url, undefined, undefined, 50).start(request);
    await expect(start).rejects.toMatchObject({ status: 429, code: 'too_many_runs', retryAfterMs: 0 });
    expect(fake.posts()).toBeGreaterThan(1);
  });
});

const holder = (host?: string) => ({ pid: 42, command: 'serve', startedAt: 'then', port: 8787, ...(host === undefined ? {} : { host }) });

describe('the address of the server holding a data dir (from its lock file)', () => {
  it('is loopback for a server on every interface, and any address of this machine as it is', () => {
    expect(serverUrl(holder())).toBe('http://127.0.0.1:8787');
    expect(serverUrl(holder('0.0.0.0'))).toBe('http://127.0.0.1:8787');
    expect(serverUrl(holder('::'))).toBe('http://127.0.0.1:8787');
    expect(serverUrl(holder('127.0.0.2'))).toBe('http://127.0.0.2:8787');
    expect(serverUrl(holder('::1'))).toBe('http://[::1]:8787');
    expect(serverUrl(holder('localhost'))).toBe('http://localhost:8787');
    const own = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    if (own) expect(serverUrl(holder(own.address))).toBe(`http://${own.address}:8787`);
  });

  it('is never another host: a lock naming one is refused before anything is sent', () => {
    for (const host of ['collector.example', '192.0.2.7', '2001:db8::1', '127.0.0.1.collector.example']) {
      expect(() => serverUrl(holder(host))).toThrow(`listens at ${JSON.stringify(host)}, which is no address of this machine; nothing was sent there`);
    }
  });
});
