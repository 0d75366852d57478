// GET /api/nodes (the catalog the editor draws from) and GET /api/providers (configured or not, no secrets).
import { Hono } from 'hono';
import type { Atelier } from '../../atelier';
import { subflowCatalog } from '../../engine/subflow-catalog';

export function catalogRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  app.get('/nodes', (c) => c.json([...atelier.registry.catalog(), ...subflowCatalog(atelier.flows, atelier.registry)]));
  app.get('/providers', (c) => c.json(atelier.providers.map((p) => ({ id: p.id, title: p.title, ...p.status(atelier.credentials) }))));
  return app;
}
