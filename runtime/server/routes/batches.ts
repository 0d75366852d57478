// Sweeps: POST /api/batches (?wait=1 blocks), GET /api/batches, GET /api/batches/:id (?wait=1),
// GET /api/batches/:id/events (SSE: each run's run.queued/run.started/run.finished, then batch.finished), cancel.
import { z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { KEEP_ALIVE_MS, SSE_REPLAY_QUEUE, waitQuietly, type KeepAliveOptions } from '../sse-keepalive';
import { eventJson } from '../event-json';
import { answerWhenDone } from '../wait-answer';
import type { Atelier } from '../../atelier';
import { SweepError } from '../../batches/expand';
import type { BatchFinishedEvent, BatchView } from '../../batches/batch-manager';
import type { RunEvent } from '../../../model/events';
import { ApiError } from '../errors';
import { error, json, jsonRequest, largeBodyUsed, newApi, pathParam, route, turnAfterLargeBody, type Api } from '../openapi';
import { BatchRequestSchema, BatchSchema, BatchStartedSchema, BatchSummarySchema, StatusSchema } from '../schemas';
import { LimitQuery, WaitQuery, waiting } from './runs';

export { BatchRequestSchema };

const RUN_EVENTS = new Set(['run.queued', 'run.started', 'run.finished']);
const params = pathParam('id', /^b-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/, 'a batch id looks like b-20261130-103102-0a1b2c3d', 'batch id');
const notFound = error('not_found: no batch with this id');
const badId = error('invalid_id: not a batch id');

const start = route({
  method: 'post',
  path: '/',
  summary: 'Start a sweep: one run per combination (product) or position (zip) of the swept input values; ?wait=1 blocks',
  request: { query: WaitQuery, body: jsonRequest(BatchRequestSchema) },
  responses: {
    202: json(BatchStartedSchema, 'the batch id and its runs, queued'),
    200: json(BatchSchema, 'with ?wait=1: the finished batch'),
    400: error('invalid_body, invalid_flow (details.issues) or invalid_sweep (details.field); limit_exceeded: the batch alone passes ATELIER_MAX_LIVE_RUNS or ATELIER_MAX_LIVE_NODES'),
    404: error('not_found: no flow with this flowId'),
    422: error('invalid_flow_file: the saved flow is not a valid document'),
    429: error('too_many_runs: ATELIER_MAX_LIVE_RUNS runs (or ATELIER_MAX_LIVE_NODES nodes) are queued or running; retry after the Retry-After seconds'),
  },
});

const list = route({
  method: 'get',
  path: '/',
  summary: 'Recent batches, newest first',
  request: { query: LimitQuery },
  responses: { 200: json(z.array(BatchSummarySchema), 'batch summaries'), 400: error('invalid_query') },
});

const get = route({
  method: 'get',
  path: '/{id}',
  summary: 'A batch with its runs, their inputs and outputs; ?wait=1 answers once it has finished',
  request: { params, query: WaitQuery },
  responses: { 200: json(BatchSchema, 'the batch'), 400: badId, 404: notFound },
});

const cancel = route({
  method: 'post',
  path: '/{id}/cancel',
  summary: 'Cancel every run of a batch',
  request: { params },
  responses: { 200: json(StatusSchema, 'the batch id and its status'), 400: badId, 404: notFound },
});

const events = route({
  method: 'get',
  path: '/{id}/events',
  summary: 'Server-sent events: run.queued, run.started and run.finished of every run, then batch.finished',
  request: { params },
  responses: {
    200: { description: 'text/event-stream: `event: <type>`, `data: <event JSON>`; ends after batch.finished', content: { 'text/event-stream': { schema: z.string() } } },
    400: badId,
    404: notFound,
  },
});

export function batchRoutes(atelier: Atelier, options: KeepAliveOptions = {}): Api {
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const log = options.log ?? (() => {});
  const app = newApi();

  app.openapi(start, async (c) => {
    const body = c.req.valid('json');
    await turnAfterLargeBody(c);
    const flow = body.flow ?? atelier.flows.get(body.flowId!);
    let started: { batchId: string; runIds: string[] };
    try {
      started = atelier.batches.start({ flow, flowId: body.flowId, inputs: body.inputs, sweep: body.sweep, mode: body.mode });
    } catch (error) {
      if (error instanceof SweepError) throw new ApiError(400, 'invalid_sweep', error.message, { field: error.field });
      throw error;
    }
    largeBodyUsed(c);
    if (waiting(c.req.valid('query').wait)) return answerWhenDone(c, atelier.batches.wait(started.batchId), (batch) => c.json(batch!, 200), keepAliveMs, log);
    return c.json(started, 202);
  });

  app.openapi(list, (c) => {
    const limit = Number(c.req.valid('query').limit ?? 50);
    return c.json(atelier.batches.list(limit).map(({ runs, ...summary }) => ({ ...summary, runCount: runs.length })), 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const view = atelier.batches.get(id);
    if (!view) throw new ApiError(404, 'not_found', `no batch with id "${id}"`);
    return waiting(c.req.valid('query').wait) ? answerWhenDone(c, atelier.batches.wait(id), (batch) => c.json(batch!, 200), keepAliveMs, log) : c.json(view, 200);
  });

  app.openapi(cancel, (c) => {
    const { id } = c.req.valid('param');
    const view = atelier.batches.cancel(id);
    if (!view) throw new ApiError(404, 'not_found', `no batch with id "${id}"`);
    return c.json({ id, status: view.status }, 200);
  });

  app.openapi(events, (c) => {
    const { id } = c.req.valid('param');
    const batch = atelier.batches.get(id);
    if (!batch) throw new ApiError(404, 'not_found', `no batch with id "${id}"`);
    return streamSSE(c, async (stream) => {
      const queue: Array<RunEvent | BatchFinishedEvent> = [];
      let wake: (() => void) | undefined;
      const push = (event: RunEvent | BatchFinishedEvent) => {
        queue.push(event);
        wake?.();
      };
      // batch.finished comes after every run's stored events: held until their replays caught up.
      let replayed = false;
      let failed = false;
      let finished: BatchFinishedEvent | undefined;
      const stopFinished = atelier.batches.onFinished((event) => {
        if (event.batchId !== id) return;
        if (replayed) push(event);
        else finished = event;
      });
      const subscriptions = batch.runs.map((run) => atelier.runs.subscribe(run.runId, 0, (event) => RUN_EVENTS.has(event.type) && push(event), { paused: () => queue.length >= SSE_REPLAY_QUEUE }));
      const stop = () => {
        stopFinished();
        for (const subscription of subscriptions) subscription?.stop();
      };
      stream.onAbort(() => {
        stop();
        wake?.();
      });
      void Promise.all(subscriptions.flatMap((subscription) => (subscription ? [subscription.caughtUp] : []))).then((errors) => {
        const error = errors.find(Boolean);
        if (error) {
          log(`events of batch ${id}: ${error.message}`);
          failed = true;
          return wake?.();
        }
        replayed = true;
        if (!finished && !atelier.batches.isLive(id)) finished = finishedEvent(id, atelier.batches.get(id)!);
        if (finished) push(finished);
      });
      for (;;) {
        while (queue.length) {
          const event = queue.shift()!;
          await stream.writeSSE({ event: event.type, data: eventJson(event) });
          if (event.type === 'batch.finished') return stop();
        }
        if (stream.aborted || failed) return stop();
        await waitQuietly(stream, keepAliveMs, (next) => (wake = next));
      }
    });
  });
  return app;
}

function finishedEvent(batchId: string, done: BatchView): BatchFinishedEvent {
  return { type: 'batch.finished', batchId, status: done.status, runIds: done.runs.map((r) => r.runId), ts: done.finishedAt ?? new Date().toISOString(), ...(done.costUsd !== undefined ? { costUsd: done.costUsd } : {}) };
}
