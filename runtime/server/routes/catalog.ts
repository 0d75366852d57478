// GET /api/nodes (the catalog the editor draws from) and GET /api/providers (configured or not, no secrets).
import { z } from '@hono/zod-openapi';
import type { Atelier } from '../../atelier';
import { ApiError } from '../errors';
import { error, json, newApi, route, type Api } from '../openapi';
import { CatalogEntrySchema, ProviderStatusSchema } from '../schemas';
import { subflowCatalog } from '../../engine/subflow-catalog';

const nodes = route({
  method: 'get',
  path: '/nodes',
  summary: 'Node catalog: ports, params JSON Schema, category (saved flows with inputs and outputs appear as flow:<id>)',
  responses: { 200: json(z.array(CatalogEntrySchema), 'every node type') },
});

const providers = route({
  method: 'get',
  path: '/providers',
  summary: 'Which providers are configured (never secrets)',
  responses: { 200: json(z.array(ProviderStatusSchema), 'every provider') },
});

const reload = route({
  method: 'post',
  path: '/providers/reload',
  summary: 'Read .env again (keys added while the server runs take effect); answers as GET /api/providers',
  responses: { 200: json(z.array(ProviderStatusSchema), 'every provider'), 422: error('env_unreadable: the .env file cannot be read') },
});

/** GET /api/nodes's answer: the registry and the subflow catalog each keep what they built until it changes. */
export const nodeCatalog = (atelier: Atelier) => [...atelier.registry.catalog(), ...subflowCatalog(atelier.flows, atelier.registry)];

export function catalogRoutes(atelier: Atelier): Api {
  const app = newApi();
  app.openapi(nodes, (c) => c.json(nodeCatalog(atelier), 200));
  const list = () => atelier.providers.map((p) => ({ id: p.id, title: p.title, ...p.status(atelier.credentials) }));
  app.openapi(providers, (c) => c.json(list(), 200));
  app.openapi(reload, (c) => {
    try {
      atelier.credentials.reload();
    } catch (error) {
      throw new ApiError(422, 'env_unreadable', `cannot read the .env file: ${(error as Error).message}`);
    }
    return c.json(list(), 200);
  });
  return app;
}
