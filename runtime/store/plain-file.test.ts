import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureFolder, NotAPlainFile, readPlainText } from './plain-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-plain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform !== 'win32')('reading a file found in a folder', () => {
  it('reads a plain file, and through a link unless told not to follow one', () => {
    writeFileSync(join(dir, 'a.json'), '{"a":1}');
    symlinkSync(join(dir, 'a.json'), join(dir, 'link.json'));
    expect(readPlainText(join(dir, 'a.json'))).toBe('{"a":1}');
    expect(readPlainText(join(dir, 'link.json'))).toBe('{"a":1}');
    expect(() => readPlainText(join(dir, 'link.json'), { followLinks: false })).toThrow(new NotAPlainFile(join(dir, 'link.json'), 'a symbolic link'));
    expect(readPlainText(join(dir, 'absent.json'))).toBeUndefined();
    expect(readPlainText(join(dir, 'a.json', 'below.json'))).toBeUndefined();
  });

  it('refuses a FIFO at once (a read would wait for a writer) and a directory, saying what each is', () => {
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    mkdirSync(join(dir, 'folder.json'));
    expect(() => readPlainText(join(dir, 'fifo.json'))).toThrow(`${join(dir, 'fifo.json')} is a FIFO, not a file`);
    expect(() => readPlainText(join(dir, 'folder.json'))).toThrow(`${join(dir, 'folder.json')} is a directory, not a file`);
  });
});

describe('the folders the runtime keeps its files in', () => {
  it('are made with their parents, and a file in the place of one is said as such, with where it is set', () => {
    ensureFolder(join(dir, 'a', 'b'), 'the data dir');
    ensureFolder(join(dir, 'a', 'b'), 'the data dir');
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensureFolder(join(dir, 'file'), 'the data dir (--data DIR or ATELIER_DATA)')).toThrow(`the data dir (--data DIR or ATELIER_DATA) ${join(dir, 'file')} is a file, not a folder`);
    expect(() => ensureFolder(join(dir, 'file', 'below'), 'the flows dir')).toThrow(/ENOTDIR/);
  });
});
