import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/poll';
import { FileTooLarge, readAtMost } from './read-at-most';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-read-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a file the CLI is pointed at', () => {
  it('reads a file whole up to the limit, and stops just past it', () => {
    writeFileSync(join(dir, 'small'), 'x'.repeat(1000));
    expect(readAtMost(join(dir, 'small'), 1000).toString()).toBe('x'.repeat(1000));
    expect(() => readAtMost(join(dir, 'small'), 999)).toThrow(new FileTooLarge(join(dir, 'small'), 999));
  });

  // Checked after a whole read, this filled memory until the process died.
  it.runIf(process.platform !== 'win32')('stops an endless one (/dev/zero) at the limit', () => {
    expect(() => readAtMost('/dev/zero', 3 << 20)).toThrow(FileTooLarge);
  });

  it.runIf(process.platform !== 'win32')('reads a pipe to its end (atelier run <(…))', async () => {
    const child = spawn('sh', ['-c', `mkfifo ${join(dir, 'pipe')} && printf 'from a pipe' > ${join(dir, 'pipe')}`]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until('the FIFO to be made', () => existsSync(join(dir, 'pipe')));
    expect(readAtMost(join(dir, 'pipe'), 100).toString()).toBe('from a pipe');
    await exited;
  });
});
