// writeFileAtomic (runtime/store/atomic-write.ts) off the event loop: the write and its fsync run in
// libuv's threads, so a worker's event loop keeps dispatching CPU-pool tasks and answering Redis while
// a run's outputs reach the disk (six synchronous fsyncs per segmentation run blocked it ~80 ms).
// Same guarantee: readers see the old content or the new, and the promise resolves once it is durable.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

export async function writeFileDurable(path: string, data: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  await rename(temp, path);
}
