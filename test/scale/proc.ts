// A real API or worker process for the scale-out tests: `node --import tsx test/scale/proc.ts api|worker`.
// The same code as `atelier serve` / `atelier worker`, plus the test node types (the API validates
// flows against them, the workers run them). Prints "READY <url|id>" once it is up.
import { startServer } from '../../runtime/server/serve';
import { startWorkerProcess } from '../../runtime/queue/worker-cli';
import { scaleTestNodes } from './nodes';

const mode = process.argv[2];
const log = (message: string) => console.error(`[${mode} ${process.pid}] ${message}`);

if (mode === 'api') {
  const server = await startServer({
    dataDir: process.env.ATELIER_DATA,
    flowsDir: process.env.ATELIER_FLOWS,
    port: 0,
    nodes: scaleTestNodes(),
    noWorker: process.env.TEST_API_WORKER !== '1',
    log,
  });
  console.log(`READY ${server.url}`);
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
} else if (mode === 'worker') {
  const worker = await startWorkerProcess({ nodes: scaleTestNodes(), concurrency: Number(process.env.TEST_WORKER_CONCURRENCY ?? 4), log });
  console.log(`READY ${worker.id}`);
  process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
} else {
  console.error('usage: proc.ts api|worker');
  process.exit(2);
}
