import { expect, it } from 'vitest';
import type { GalleryEntryInput } from '../../nodes/api';
import { until } from '../../test/helpers/poll';
import { RunNodeContext } from './node-context';

const entry: GalleryEntryInput = { artifact: { artifact: 'a'.repeat(64), url: '/api/artifacts/x', mediaType: 'image/png' }, prompt: 'a hat' };

function contextWhoseGalleryFails() {
  const logged: string[] = [];
  const ctx = new RunNodeContext(
    {
      credentials: { get: () => undefined },
      artifacts: undefined as never,
      assets: { read: () => Promise.reject(new Error('no assets')) },
      gallery: { add: () => Promise.reject(new Error('SQLITE_FULL: the disk is full')) },
      log: (message) => logged.push(message),
    },
    () => {},
    'run-1',
    'gen',
    new AbortController().signal,
  );
  return { ctx, logged };
}

it('rejects a gallery entry that cannot be kept to the node that waits for it, and says so in the log', async () => {
  const { ctx, logged } = contextWhoseGalleryFails();
  await expect(ctx.gallery.add(entry)).rejects.toThrow('SQLITE_FULL: the disk is full');
  expect(logged).toEqual(['[run-1 gen] gallery entry not kept: SQLITE_FULL: the disk is full']);
});

it('logs the failure of an entry the node did not wait for, instead of an unhandled rejection', async () => {
  const { ctx, logged } = contextWhoseGalleryFails();
  void ctx.gallery.add(entry);
  await until('the failure logged', () => logged.length > 0);
  expect(logged).toEqual(['[run-1 gen] gallery entry not kept: SQLITE_FULL: the disk is full']);
});
