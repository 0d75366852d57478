import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/poll';
import { BACKGROUND_NICE_STEPS } from './background-priority';
import { openStore, type Store } from './index';

let dir: string;
let store: Store | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-priority-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Each thread's nice value, by thread id (Linux: field 19 of /proc/<pid>/task/<tid>/stat). */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nice.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return nice;
}

describe.runIf(process.platform === 'linux')('background threads', () => {
  it('the writer and checkpoint threads run below the event loop, which keeps its own priority', async () => {
    const mainNice = niceByThread().get(process.pid)!;
    const lowered = () => [...niceByThread().values()].filter((nice) => nice === Math.min(19, mainNice + BACKGROUND_NICE_STEPS)).length;
    const before = lowered();
    store = openStore(dir);
    await until('the writer thread and the checkpointer (started after 1 s) to lower their priority', () => lowered() >= before + 2, { timeoutMs: 10_000 });
    expect(niceByThread().get(process.pid)).toBe(mainNice);
  });
});
