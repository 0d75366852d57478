import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createTempStore } from '../test/helpers/node-context';
const store = createTempStore();
for (const mb of [5, 50]) {
  for (let i = 0; i < 2; i++) {
    const bytes = randomBytes(mb * 1e6);
    const d = monitorEventLoopDelay({ resolution: 1 }); d.enable(); await new Promise((r) => setTimeout(r, 5));
    const t = performance.now();
    await store.artifacts.put(bytes, { mediaType: 'application/x-ply' });
    const ms = performance.now() - t;
    await new Promise((r) => setTimeout(r, 5)); d.disable();
    console.log(mb, 'MB put ms', ms.toFixed(0), 'max stall ms', (d.max / 1e6).toFixed(0));
  }
}
store.cleanup();
