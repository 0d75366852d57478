import { expect, it } from 'vitest';
import type { GalleryEntryInput } from '../../nodes/api';
import type { RunEventBody } from '../../model/events';
import { until } from '../../test/helpers/poll';
import { PROGRESS_BURST, PROGRESS_PER_SECOND, RunNodeContext } from './node-context';
import { RunCancel } from './run-cancel';
import { assetFiles } from '../assets';

const entry: GalleryEntryInput = { artifact: { artifact: 'a'.repeat(64), url: '/api/artifacts/x', mediaType: 'image/png' }, prompt: 'a hat' };

function contextWhoseGalleryFails() {
  const logged: string[] = [];
  const ctx = new RunNodeContext(
    {
      credentials: { get: () => undefined },
      artifacts: undefined as never,
      assets: assetFiles('flows/assets'),
      gallery: { add: () => Promise.reject(new Error('SQLITE_FULL: the disk is full')) },
      log: (message) => logged.push(message),
    },
    () => {},
    'run-1',
    'gen',
    new RunCancel(),
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

function recordingContext() {
  const events: RunEventBody[] = [];
  const logged: string[] = [];
  const ctx = new RunNodeContext(
    { credentials: { get: () => undefined }, artifacts: undefined as never, assets: assetFiles('flows/assets'), gallery: { add: () => {} }, log: (message) => logged.push(message) },
    (event) => events.push(event),
    'run-1',
    'gen',
    new RunCancel(),
  );
  return { ctx, events, logged };
}

it('sends every progress event of a node that reports a few steps, in order', () => {
  const { ctx, events, logged } = recordingContext();
  ctx.progress(0.05, 'choosing backend');
  ctx.progress(0.2, 'segmenting on the CPU (GrabCut)');
  ctx.progress(0.9, 'storing outputs');
  expect(events.map((e) => (e as { message?: string }).message)).toEqual(['choosing backend', 'segmenting on the CPU (GrabCut)', 'storing outputs']);
  expect(logged).toEqual([]);
});

it('thins a node calling progress in a loop to a burst, then the latest call, and says so once', async () => {
  const { ctx, events, logged } = recordingContext();
  for (let i = 0; i < 10_000; i++) ctx.progress(i / 10_000, `step ${i}`);
  expect(events).toHaveLength(PROGRESS_BURST);
  await until('the latest call sent', () => events.some((e) => (e as { message?: string }).message === 'step 9999'));
  expect(events).toHaveLength(PROGRESS_BURST + 1);
  expect(events.map((e) => (e as { message?: string }).message).slice(0, 3)).toEqual(['step 0', 'step 1', 'step 2']);
  expect(logged).toEqual([`[run-1 gen] progress reported more than ${PROGRESS_PER_SECOND} times a second: events in between are dropped`]);
});
