// The fuzz properties, seeded and short enough for every `npm test`; `npm run fuzz -- --runs N` runs them longer.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';
import { fuzzProperties } from './fuzz-properties';

const SEED = 20261130;
const RUNS = 40;

describe('fuzzing a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  for (const { name, property } of fuzzProperties({ get url() { return server.url; } })) {
    it(`${name}: never a 5xx, every 4xx says what was wrong`, async () => {
      await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
      expect((await fetch(`${server.url}/api/nodes`)).status).toBe(200);
    }, 60_000);
  }
});
