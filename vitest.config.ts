import { configDefaults, defineConfig } from 'vitest/config';

// Two projects: "browser" (the suites that drive Chromium against a built editor) and "node"
// (everything else — what .ci/run also runs on Node 22 and 24: `vitest run --project node`).
// Each project's globalSetup builds what it needs once, and only when that project has test files
// in the run.
const BROWSER_SUITES = ['test/editor/**/*.test.ts', 'test/workspace/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['model/**/*.test.ts', 'runtime/**/*.test.ts', 'nodes/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'], exclude: [...configDefaults.exclude, ...BROWSER_SUITES], globalSetup: ['test/global-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'browser', include: BROWSER_SUITES, globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
