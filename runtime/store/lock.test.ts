import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, DataDirLocked, liveHolder, LOCK_FILE, NotALockFile } from './lock';
import { until } from '../../test/helpers/poll';

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

  // Linux only: elsewhere there is no /proc to tell a reused pid from its first owner.
  describe.runIf(process.platform === 'linux')('a pid that no longer names the holder', () => {
    const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const startTicks = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    };
    const writeLock = (fields: Record<string, unknown>) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ command: 'serve', port: 1, startedAt: 'then', ...fields }));

    it('records the boot and the start tick, so its own live lock still refuses', () => {
      const lock = acquireLock(dir, 'serve');
      expect(lock.info).toMatchObject({ bootId: bootId(), startTicks: startTicks(process.pid) });
      expect(() => acquireLock(dir, 'serve')).toThrow(DataDirLocked);
      lock.release();
    });

    it("takes over a lock naming this process's pid from an earlier process (a restarted container's server)", () => {
      writeLock({ pid: process.pid, bootId: bootId(), startTicks: String(Number(startTicks(process.pid)) - 1) });
      expect(liveHolder(dir)).toBeUndefined();
      acquireLock(dir, 'serve').release();
    });

    it('takes over a lock whose pid now belongs to another process, or that was taken before a reboot', () => {
      const other = spawn('sleep', ['30']);
      try {
        writeLock({ pid: other.pid, bootId: bootId(), startTicks: String(Number(startTicks(other.pid!)) + 1) });
        expect(liveHolder(dir)).toBeUndefined();
        writeLock({ pid: other.pid, bootId: 'another-boot', startTicks: startTicks(other.pid!) });
        expect(liveHolder(dir)).toBeUndefined();
        writeLock({ pid: other.pid, bootId: bootId(), startTicks: startTicks(other.pid!) });
        expect(liveHolder(dir)).toMatchObject({ pid: other.pid });
        writeLock({ pid: other.pid }); // a lock written before locks had these fields: the pid decides
        expect(liveHolder(dir)).toMatchObject({ pid: other.pid });
      } finally {
        other.kill('SIGKILL');
      }
    });

    it('takes over a lock whose holder exited but was not reaped yet (a zombie)', async () => {
      // The shell starts a short child, then becomes `sleep`, which never waits for it: a zombie for 30 s.
      const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk) => resolve(String(chunk)))));
        await until(`process ${zombie} to be a zombie`, () => {
          const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
          return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
        });
        writeLock({ pid: zombie });
        expect(liveHolder(dir)).toBeUndefined();
        acquireLock(dir, 'serve').release();
      } finally {
        parent.kill('SIGKILL');
      }
    });
  });

  describe('something other than a lock file in its place', () => {
    const refusal = (take: () => unknown): Error => {
      try {
        take();
      } catch (error) {
        return error as Error;
      }
      throw new Error('it was not refused');
    };

    it('a directory: refused, naming it, and left where it is (it was moved aside as stale, then could not be removed)', () => {
      const path = join(dir, LOCK_FILE);
      mkdirSync(path);
      writeFileSync(join(path, 'inside'), 'kept');
      for (const take of [() => acquireLock(dir, 'serve'), () => liveHolder(dir)]) {
        const error = refusal(take);
        expect(error).toBeInstanceOf(NotALockFile);
        expect(error.message).toBe(`${path} is not a lock file (it is a directory); remove it, or choose another data dir (--data DIR or ATELIER_DATA)`);
      }
      expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    });

    // A FIFO: reading it waited for a writer, so every command on the data dir hung.
    it.runIf(process.platform !== 'win32')('a FIFO: refused at once instead of waiting on its read', () => {
      const path = join(dir, LOCK_FILE);
      execFileSync('mkfifo', [path]);
      expect(refusal(() => acquireLock(dir, 'run')).message).toContain('(it is a FIFO)');
      expect(refusal(() => liveHolder(dir)).message).toContain('(it is a FIFO)');
      expect(lstatSync(path).isFIFO()).toBe(true);
    });

    it.runIf(process.platform !== 'win32')('a symbolic link: refused, not followed', () => {
      const path = join(dir, LOCK_FILE);
      const elsewhere = join(dir, 'elsewhere.json');
      writeFileSync(elsewhere, JSON.stringify({ pid: deadPid(), command: 'serve', startedAt: 'then' }));
      symlinkSync(elsewhere, path);
      expect(refusal(() => acquireLock(dir, 'serve')).message).toContain('(it is a symbolic link)');
      expect(lstatSync(path).isSymbolicLink()).toBe(true);
      expect(existsSync(elsewhere)).toBe(true);
    });
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
