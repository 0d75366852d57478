import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, DataDirLocked, liveHolder, LOCK_FILE } from './lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('data dir lock', () => {
  it('records pid and port, refuses a second holder naming them, and is free again after release', () => {
    const lock = acquireLock(dir, 'serve');
    lock.setAddress('127.0.0.1', 4321);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, port: 4321, command: 'serve' });
    expect(liveHolder(dir)).toMatchObject({ pid: process.pid, port: 4321 });
    let refusal: unknown;
    try {
      acquireLock(dir, 'serve');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirLocked);
    expect((refusal as Error).message).toContain(`pid ${process.pid} on port 4321`);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(liveHolder(dir)).toBeUndefined();
    acquireLock(dir, 'run').release();
  });

  it('takes over a stale lock whose process is dead', () => {
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, command: 'serve', port: 1, startedAt: 'then' }));
    expect(liveHolder(dir)).toBeUndefined();
    const lock = acquireLock(dir, 'serve');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('lets exactly one of several processes racing for it win', async () => {
    // A winner holds the lock until the test has heard from every racer.
    const script = `
      import { acquireLock } from ${JSON.stringify(join(process.cwd(), 'runtime/store/lock.ts'))};
      try { acquireLock(${JSON.stringify(dir)}, 'serve'); process.stdout.write('won'); process.stdin.resume(); }
      catch (error) { process.stdout.write(error.name); }
    `;
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const outcomes = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            child.stdout.once('data', (chunk) => resolve(String(chunk)));
            child.once('exit', () => resolve(''));
          }),
      ),
    );
    for (const child of children) child.kill('SIGKILL');
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'DataDirLocked')).toHaveLength(3);
  });
});
