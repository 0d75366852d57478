// A store in a temporary data dir for each test of a file, closed and removed after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openStore, type Store } from '../../runtime/store';

export function storePerTest(prefix: string): { readonly store: Store; readonly dir: string } {
  let current: { store: Store; dir: string } | undefined;
  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    current = { dir, store: openStore(dir) };
  });
  afterEach(() => {
    current?.store.close();
    if (current) rmSync(current.dir, { recursive: true, force: true });
    current = undefined;
  });
  return {
    get store() {
      return current!.store;
    },
    get dir() {
      return current!.dir;
    },
  };
}
