// POST /api/gc: a retention pass on the server's own data dir. `atelier gc` sends its pass here when a
// live server holds the dir (as `atelier run` sends its run), instead of refusing to start.
import { z } from '@hono/zod-openapi';
import type { Atelier } from '../../atelier';
import { MAX_GC_DAYS, type GcPassReport } from '../../gc-pass';
import { KEEP_ALIVE_MS } from '../sse-keepalive';
import { answerWhenDone } from '../wait-answer';
import { ApiError } from '../errors';
import { error, json, jsonRequest, newApi, route, type Api } from '../openapi';

const GcRequestSchema = z
  .object({
    days: z.number().min(0).max(MAX_GC_DAYS).openapi({ description: 'runs, events and cache rows older than this many days go; so do artifacts nothing kept references', example: 30 }),
    dryRun: z.boolean().optional().openapi({ description: 'say what would go and the bytes freed, remove nothing' }),
  })
  .strict()
  .openapi('GcRequest');

const GcReportSchema = z
  .object({
    days: z.number(),
    cutoff: z.string(),
    dryRun: z.boolean(),
    runs: z.number(),
    events: z.number(),
    batches: z.number(),
    cacheRows: z.number(),
    artifacts: z.number(),
    bytes: z.number().openapi({ description: 'bytes of artifact files (and thumbnails) removed, or that would be' }),
    removedArtifacts: z.array(z.string()),
    keptSince: z.string().optional().openapi({ description: 'when the oldest unfinished run began: artifacts stored since then were kept, named or not (a running node may hold one)' }),
    sharedCache: z.object({ entries: z.number(), removed: z.number() }).optional().openapi({ description: 'queue mode: the shared cache in Redis' }),
  })
  .openapi('GcReport');

const collect = route({
  method: 'post',
  path: '/',
  summary: 'Run a retention pass now (after any pass under way): { days, dryRun? } → what went, or would, and the bytes freed',
  request: { body: jsonRequest(GcRequestSchema) },
  responses: {
    200: json(GcReportSchema, 'the pass'),
    503: error('gc_failed: the pass could not finish (the store or, in queue mode, Redis failed); nothing was removed unless it says so'),
  },
});

export function gcRoutes(atelier: Atelier, options: { keepAliveMs?: number; log: (message: string) => void }): Api {
  const app = newApi();
  app.openapi(collect, (c) => {
    const { days, dryRun = false } = c.req.valid('json');
    const done = atelier.gc.run({ days, dryRun }).catch((failure: Error) => {
      throw new ApiError(503, 'gc_failed', `gc: ${failure.message}`);
    });
    return answerWhenDone(c, done, (report: GcPassReport) => c.json(report, 200), options.keepAliveMs ?? KEEP_ALIVE_MS, options.log);
  });
  return app;
}
