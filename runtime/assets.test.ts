import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assetFiles } from './assets';

let dir: string;
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-assets-'));
  mkdirSync(join(dir, 'assets'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('asset files', () => {
  it('hash a file as its bytes, again once it is rewritten in place', async () => {
    const files = assetFiles(join(dir, 'assets'));
    const path = join(dir, 'assets', 'a.png');
    writeFileSync(path, 'first version');
    expect(await files.sha256('a.png')).toBe(sha256('first version'));
    expect(await files.sha256('a.png')).toBe(sha256('first version'));
    writeFileSync(path, 'later version, longer');
    expect(await files.sha256('a.png')).toBe(sha256('later version, longer'));
    writeFileSync(path, 'later version, LONGER'); // the same size, likely within the same mtime tick
    expect(await files.sha256('a.png')).toBe(sha256('later version, LONGER'));
    expect(await files.read('a.png')).toEqual(readFileSync(path));
  });

  it('remember the hash of a file that has not changed for a while', async () => {
    const files = assetFiles(join(dir, 'assets'));
    const path = join(dir, 'assets', 'old.png');
    writeFileSync(path, 'settled');
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(path, longAgo, longAgo);
    expect(await files.sha256('old.png')).toBe(sha256('settled'));
    // Bytes changed behind the same size, mtime and inode: the remembered hash answers (not read again).
    writeFileSync(path, 'SETTLED');
    utimesSync(path, longAgo, longAgo);
    expect(await files.sha256('old.png')).toBe(sha256('settled'));
  });

  it('refuse what read refuses: paths, missing files, links out of the folder', async () => {
    const files = assetFiles(join(dir, 'assets'));
    writeFileSync(join(dir, 'secret.txt'), 'not an asset');
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'assets', 'link.png'));
    await expect(files.sha256('../secret.txt')).rejects.toThrow('asset must be a file name under flows/assets/');
    await expect(files.sha256('none.png')).rejects.toThrow('asset "none.png" does not exist in flows/assets/');
    await expect(files.sha256('link.png')).rejects.toThrow('links outside flows/assets/');
    await expect(files.read('link.png')).rejects.toThrow('links outside flows/assets/');
  });
});
