// GET /api/nodes (the catalog the editor draws from) and GET /api/providers (configured or not, no secrets).
import { Hono } from 'hono';
import type { Atelier } from '../../atelier';
import { ApiError } from '../errors';

export function catalogRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  app.get('/nodes', (c) => c.json(atelier.registry.catalog()));
  const providers = () => atelier.providers.map((p) => ({ id: p.id, title: p.title, ...p.status(atelier.credentials) }));
  app.get('/providers', (c) => c.json(providers()));
  // Keys added to .env while the server runs take effect without a restart.
  app.post('/providers/reload', (c) => {
    try {
      atelier.credentials.reload();
    } catch (error) {
      throw new ApiError(422, 'env_unreadable', `cannot read the .env file: ${(error as Error).message}`);
    }
    return c.json(providers());
  });
  return app;
}
