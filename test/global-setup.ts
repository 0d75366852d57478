// Vitest global setup, once per run and project, before any test file starts: the builds the
// tests run against. The "browser" project needs the editor bundle; the "node" project the
// compiled CLI (test/cli.test.ts and test/server/kill.test.ts run bin/atelier.js, i.e. dist/).
import type { TestProject } from 'vitest/node';
import { buildIfStale, EDITOR_BUILD, SERVER_BUILD } from './helpers/builds';

export default function setup(project: TestProject): void {
  const build = project.name === 'browser' ? EDITOR_BUILD : SERVER_BUILD;
  console.log(`[global setup: ${project.name}] ${buildIfStale(build)}`);
}
