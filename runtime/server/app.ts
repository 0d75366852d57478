// The Hono app: REST, WebSocket, SSE and the static editor.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { UpgradeWebSocket } from 'hono/ws';
import type { Atelier } from '../atelier';
import { MAX_FLOW_JSON_BYTES } from '../../model/flow';
import { tokenAuth } from './auth';
import { ApiError, errorBody, sendError } from './errors';
import { editorPolicy, inlineScriptHashes, securityHeaders } from './headers';
import { error, generateDocument, json, newApi, route, type Api } from './openapi';
import { artifactRoutes } from './routes/artifacts';
import { assetRoutes } from './routes/assets';
import { catalogRoutes } from './routes/catalog';
import { flowRoutes, flowStoreError } from './routes/flows';
import { fromImageRoutes } from './routes/from-image';
import { runError, runRoutes } from './routes/runs';
import { contentTypeGuard, trustGuard, type TrustOptions } from './trust';
import { batchRoutes } from './routes/batches';
import { templateRoutes } from './routes/templates';
import { gcRoutes } from './routes/gc';
import { wsHandler } from './ws';
import { uploadSlot } from './upload-body';
import { asStoreError, StoreUnavailable } from '../store/errors';
import { workerRoutes } from '../queue/routes';

/** JSON bodies carry flows: a flow at the node and edge limits must fit (see MAX_FLOW_JSON_BYTES). */
export const MAX_JSON_BYTES = MAX_FLOW_JSON_BYTES;

export interface AppOptions {
  token?: string;
  /** The built editor (vite build output); default editor/dist. */
  editorDir?: string;
  upgradeWebSocket: UpgradeWebSocket;
  /** Host and Origin checks: where the server listens and what ATELIER_ALLOWED_HOSTS/ORIGINS add. */
  trust: TrustOptions;
  log?: (message: string) => void;
  /** How long an SSE stream or a `?wait=1` answer may stay silent before a keep-alive (sse-keepalive.ts, wait-answer.ts). */
  keepAliveMs?: number;
}

/** The routes that take an image body (not JSON). */
const UPLOAD_PATHS = ['/api/uploads', '/api/flows/from-image'];

export function createApp(atelier: Atelier, options: AppOptions): Api {
  const app = newApi();
  const log = options.log ?? ((message: string) => console.error(`[atelier] ${message}`));

  const editorDir = resolve(options.editorDir ?? 'editor/dist');
  const editorIndex = join(editorDir, 'index.html');
  const editorBuilt = existsSync(editorIndex);
  app.use('*', securityHeaders({ editorPolicy: editorPolicy(editorBuilt ? inlineScriptHashes(readFileSync(editorIndex, 'utf8')) : []) }));
  app.use('*', trustGuard(options.trust));
  if (options.token) {
    app.use('*', tokenAuth({ token: options.token, cookieName: () => `atelier_session_${options.trust.bound()?.port ?? 0}`, webSocketPath: '/api/ws' }));
  }
  app.use('/api/*', contentTypeGuard(UPLOAD_PATHS));
  for (const path of UPLOAD_PATHS) app.use(path, uploadSlot);
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/uploads') return next();
    return bodyLimit({
      maxSize: MAX_JSON_BYTES,
      onError: (c) => c.json(errorBody('too_large', `request bodies are limited to ${MAX_JSON_BYTES / 1024 / 1024} MiB`), 413),
    })(c, next);
  });

  app.get('/api/ws', wsHandler(atelier, options.upgradeWebSocket));
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/ws',
    summary:
      'WebSocket: send {"type":"subscribe","runId","since"} (stored events after since, then live ones), {"type":"unsubscribe","runId"} or {"type":"subscribe-runs"} (every new run\'s run.queued and every batch.finished); ?runId=&since= subscribes at open',
    responses: {
      101: { description: 'Switching Protocols: the socket carries RunEvent JSON messages, and { error: { code, message } } for a bad message' },
      401: error('unauthorized: ATELIER_TOKEN is set and no Bearer token, session cookie or ?token= came'),
      403: error('host_not_allowed, or origin_not_allowed: a page from a foreign Origin may not open the socket (see ATELIER_ALLOWED_ORIGINS)'),
    },
  });
  app.route('/api', catalogRoutes(atelier));
  app.route('/api/flows', fromImageRoutes(atelier));
  app.route('/api/flows', flowRoutes(atelier));
  app.route('/api/runs', runRoutes(atelier, { keepAliveMs: options.keepAliveMs, log }));
  app.route('/api/batches', batchRoutes(atelier, { keepAliveMs: options.keepAliveMs, log }));
  app.route('/api/templates', templateRoutes(atelier));
  app.route('/api/gc', gcRoutes(atelier, { keepAliveMs: options.keepAliveMs, log }));
  app.route('/api', artifactRoutes(atelier));
  app.route('/api', workerRoutes(atelier));
  app.route('/api/assets', assetRoutes(atelier));
  let document: Record<string, unknown> | undefined;
  app.openapi(
    route({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document (OpenAPI 3.1), generated from the routes\' own definitions',
      responses: { 200: json(z.object({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) }).passthrough(), 'OpenAPI 3.1') },
    }),
    (c) => c.json((document ??= generateDocument(app)) as { openapi: string; info: Record<string, unknown>; paths: Record<string, unknown> }, 200),
  );
  app.all('/api/*', (c) => c.json(errorBody('not_found', `no API route ${c.req.method} ${c.req.path}`), 404));

  if (editorBuilt) {
    // Vite names every asset by its content hash: a browser may keep it for good, and V8 its
    // compiled code with it (private behind a token, like artifacts).
    app.use('/assets/*', async (c, next) => {
      await next();
      if (c.res.status === 200) c.header('cache-control', `${options.token ? 'private' : 'public'}, max-age=31536000, immutable`);
    });
    app.use('/*', serveStatic({ root: editorDir }));
    // A chunk an older page asks for after an upgrade is gone: a 404, never the page under its name.
    app.all('/assets/*', (c) => c.json(errorBody('not_found', 'no such editor file'), 404));
    app.get('/*', serveStatic({ root: editorDir, path: 'index.html' }));
  } else {
    app.get('/', (c) =>
      c.html(
        '<!doctype html><title>Atelier</title><h1>Atelier</h1><p>The runtime is running, but the editor is not built. Run <code>npm run build:editor</code> (or <code>npm start</code>) and reload. The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>',
      ),
    );
  }

  app.onError((error, c) => {
    const known = error instanceof ApiError ? error : (flowStoreError(error) ?? runError(error));
    if (known) return sendError(c, known);
    // Refusals raised inside Hono or zod-openapi (e.g. a body whose media type the route does not take).
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(errorBody(error.status === 415 ? 'unsupported_media_type' : 'bad_request', error.message), error.status);
    }
    const store = asStoreError(error);
    if (store instanceof StoreUnavailable) return sendError(c, new ApiError(503, 'store_unavailable', store.message));
    log(`unexpected error on ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
    return c.json(errorBody('internal', 'unexpected server error; see the server log'), 500);
  });
  // A catch-all route rather than notFound(): mounted under another app, this app's notFound is not used.
  app.all('*', (c) => c.json(errorBody('not_found', `nothing at ${c.req.method} ${c.req.path}`), 404));
  app.notFound((c) => c.json(errorBody('not_found', `nothing at ${c.req.path}`), 404));
  return app;
}
