// GET /api/workers: each queue worker's id, host, concurrency, current runs and last heartbeat.
// Without a queue (single-process mode) the list is empty: the server runs its runs itself.
import { Hono } from 'hono';
import type { Atelier } from '../atelier';

export function workerRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  app.get('/workers', async (c) => c.json(atelier.workers ? await atelier.workers.list() : []));
  return app;
}
