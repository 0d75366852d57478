// Test servers that live for one test: a file's `serve()` starts one, and every server it started
// is closed after each test, passed or failed.
import { afterEach } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from './server';

export function servePerTest(): (options?: TestServerOptions) => Promise<TestServer> {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return async (options = {}) => {
    const server = await startTestServer(options);
    servers.push(server);
    return server;
  };
}
