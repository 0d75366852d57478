// GET /api/workers: each queue worker's id, host, concurrency, current runs and last heartbeat.
// Without a queue (single-process mode) the list is empty: the server runs its runs itself.
import { z } from '@hono/zod-openapi';
import type { Atelier } from '../atelier';
import { json, newApi, route, type Api } from '../server/openapi';
import { WorkerInfoSchema } from '../server/schemas';

const workers = route({
  method: 'get',
  path: '/workers',
  summary: 'Queue mode: the workers executing runs (an empty list in single-process mode)',
  responses: { 200: json(z.array(WorkerInfoSchema), 'every live worker') },
});

export function workerRoutes(atelier: Atelier): Api {
  const app = newApi();
  app.openapi(workers, async (c) => c.json(atelier.workers ? await atelier.workers.list() : [], 200));
  return app;
}
