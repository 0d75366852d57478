// GET /api/nodes (the catalog the editor draws from) and GET /api/providers (configured or not, no secrets).
import { Hono } from 'hono';
import { DATA_TYPES } from '../../../nodes/api';
import type { Atelier } from '../../atelier';

export function catalogRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  app.get('/nodes', (c) => c.json({ nodes: atelier.registry.catalog(), dataTypes: DATA_TYPES }));
  app.get('/providers', (c) =>
    c.json({
      providers: atelier.providers.map((p) => ({ id: p.id, title: p.title, ...p.status(atelier.credentials) })),
    }),
  );
  return app;
}
