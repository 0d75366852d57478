import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileDurable } from './atomic-write';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-durable-'));
  dirs.push(dir);
  return dir;
}

describe('writeFileDurable', () => {
  it('writes the bytes, replaces an older file whole, and leaves no temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'artifact');
    await writeFileDurable(path, Buffer.from('first version'));
    await writeFileDurable(path, Buffer.from('second'));
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['artifact']);
  });

  it('rejects with the cause when the file cannot be written, and leaves nothing behind', async () => {
    const dir = tempDir();
    await expect(writeFileDurable(join(dir, 'missing', 'artifact'), Buffer.from('x'))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a directory where the file goes', () => {
  it('fails the write with EISDIR and leaves no temp file beside it (both ways of writing)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken'));
    expect(() => writeFileAtomic(join(dir, 'taken'), 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    await expect(writeFileDurable(join(dir, 'taken'), Buffer.from('x'))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
