// Runs: POST /api/runs (?wait=1 blocks), GET /api/runs, GET /api/runs/:id, its flow and events (SSE), cancel.
import { z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { KEEP_ALIVE_MS, SSE_REPLAY_QUEUE, waitQuietly, type KeepAliveOptions } from '../sse-keepalive';
import { answerWhenDone } from '../wait-answer';
import { eventJson } from '../event-json';
import { LiveRecordJson, sentInTurns } from '../live-record-answer';
import { sendJsonStream, StoredJson } from '../stored-answer';
import type { Context } from 'hono';
import type { Atelier } from '../../atelier';
import type { RunEvent, RunRecord } from '../../../model/events';
import { ValidationFailed } from '../../engine/run-manager';
import { TooManyRuns } from '../../engine/live-budget';
import { ApiError } from '../errors';
import { error, json, jsonRequest, largeBodyUsed, newApi, pathParam, route, turnAfterLargeBody, type Api } from '../openapi';
import { FlowSchema, RunRecordSchema, RunRequestSchema, RunStartedSchema, RunSummarySchema, StatusSchema } from '../schemas';

const params = pathParam('id', undefined, '', 'run id');
const notFound = error('not_found: no run with this id');
export const WaitQuery = z.object({
  wait: z.string().optional().openapi({ description: '1 (or true): answer when the work has finished, with its result', example: '1' }),
});
export const LimitQuery = z.object({
  limit: z
    .string()
    .refine((v) => Number.isInteger(Number(v)) && Number(v) >= 1, 'limit must be a positive integer')
    .optional()
    .openapi({ description: 'at most this many (default 50, capped at 1000)', example: '50' }),
});
/** ?wait=1 or ?wait=true. */
export const waiting = (value: string | undefined) => value === '1' || value === 'true';

const start = route({
  method: 'post',
  path: '/',
  summary: 'Start a run; ?wait=1 blocks and answers the finished run record',
  request: { query: WaitQuery, body: jsonRequest(RunRequestSchema) },
  responses: {
    202: json(RunStartedSchema, 'queued'),
    200: json(RunRecordSchema, 'with ?wait=1: the finished run record, with lastSeq'),
    400: error('invalid_body, or invalid_flow: details.issues lists every problem with its node id and field; limit_exceeded: the run alone has more nodes than ATELIER_MAX_LIVE_NODES'),
    404: error('not_found: no flow with this flowId'),
    422: error('invalid_flow_file: the saved flow is not a valid document'),
    429: error('too_many_runs: ATELIER_MAX_LIVE_RUNS runs (or ATELIER_MAX_LIVE_NODES nodes) are queued or running; retry after the Retry-After seconds'),
  },
});

const list = route({
  method: 'get',
  path: '/',
  summary: 'List runs, newest first',
  request: { query: LimitQuery.extend({ flowId: z.string().optional().openapi({ description: 'only the runs of this flow' }) }) },
  responses: { 200: json(z.array(RunSummarySchema), 'run summaries'), 400: error('invalid_query') },
});

const get = route({
  method: 'get',
  path: '/{id}',
  summary: 'A run record; lastSeq is where to subscribe (since=lastSeq) to continue live',
  request: { params },
  responses: { 200: json(RunRecordSchema, 'the run record with lastSeq'), 404: notFound },
});

const flowOf = route({
  method: 'get',
  path: '/{id}/flow',
  summary: 'The flow document the run executed',
  request: { params },
  responses: { 200: json(FlowSchema, 'the flow as it was run'), 404: notFound },
});

const cancel = route({
  method: 'post',
  path: '/{id}/cancel',
  summary: 'Cancel a run: running nodes are aborted, no new ones start',
  request: { params },
  responses: { 200: json(StatusSchema, 'the run id and its status'), 404: notFound },
});

const events = route({
  method: 'get',
  path: '/{id}/events',
  summary: 'Server-sent events after seq `since` (replayed, then live; each event\'s id is its seq, so Last-Event-ID resumes)',
  request: {
    params,
    query: z.object({
      since: z
        .string()
        .refine((v) => v === '' || (Number.isInteger(Number(v)) && Number(v) >= 0), 'since must be a non-negative integer (the last seq you saw)')
        .optional()
        .openapi({ description: 'the last seq you saw (default 0: everything)' }),
    }),
  },
  responses: {
    200: { description: 'text/event-stream: `event: <type>`, `id: <seq>`, `data: <RunEvent JSON>`; ends after run.finished', content: { 'text/event-stream': { schema: z.string() } } },
    400: error('invalid_query'),
    404: notFound,
  },
});

type RunRecordAnswer = RunRecord & { lastSeq: number };

export function runRoutes(atelier: Atelier, options: KeepAliveOptions = {}): Api {
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const log = options.log ?? (() => {});
  const app = newApi();
  /** A run record as the API answers it: with where its events end (subscribe with since=lastSeq). */
  const withLastSeq = (record: RunRecord) => ({ ...record, lastSeq: atelier.runs.lastSeq(record.id) });
  /** A finished run's answer from its stored JSON, with lastSeq; undefined while it is live (in queue mode its row may lag). */
  const storedAnswer = (id: string): StoredJson | undefined => {
    const stored = atelier.runs.isLive(id) ? undefined : atelier.store.runs.storedRecord(id);
    return stored === undefined ? undefined : new StoredJson(stored, { key: 'lastSeq', value: atelier.runs.lastSeq(id) });
  };
  const sendStored = (c: Context, id: string, json: StoredJson, what: string) => sendJsonStream(c, json, `the stored ${what} of run ${id}`, log);
  const answer = (c: Context, id: string, value: StoredJson | RunRecordAnswer) => (value instanceof StoredJson ? sendStored(c, id, value, 'record') : c.json(value, 200));
  const runOr404 = (id: string) => {
    const record = atelier.runs.get(id);
    if (!record) throw new ApiError(404, 'not_found', `no run with id "${id}"`);
    return record;
  };
  const existsOr404 = (id: string) => {
    if (!atelier.store.runs.has(id)) throw new ApiError(404, 'not_found', `no run with id "${id}"`);
  };

  app.openapi(start, async (c) => {
    const body = c.req.valid('json');
    await turnAfterLargeBody(c);
    const flow = body.flow ?? atelier.flows.get(body.flowId!);
    const runId = atelier.runs.start({ flow, flowId: body.flowId, inputs: body.inputs, target: body.target });
    largeBodyUsed(c);
    if (waiting(c.req.valid('query').wait)) {
      const done = atelier.runs.wait(runId).then((record) => storedAnswer(runId) ?? withLastSeq(record!));
      return answerWhenDone(c, done, (value) => answer(c, runId, value) as never, keepAliveMs, log);
    }
    return c.json({ runId }, 202);
  });

  app.openapi(list, (c) => {
    const query = c.req.valid('query');
    return c.json(atelier.store.runs.list({ flowId: query.flowId, limit: Number(query.limit ?? 50) }), 200);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const stored = storedAnswer(id);
    if (stored) return (await sendStored(c, id, stored, 'record')) as never;
    const record = runOr404(id);
    if (atelier.runs.isLive(id) && sentInTurns(record)) {
      return (await sendJsonStream(c, new LiveRecordJson(record, atelier.runs.lastSeq(id)), `the live record of run ${id}`, log)) as never;
    }
    return c.json(withLastSeq(record), 200);
  });

  app.openapi(flowOf, async (c) => {
    const { id } = c.req.valid('param');
    const stored = atelier.store.runs.storedFlow(id);
    if (stored === undefined) throw new ApiError(404, 'not_found', `no run with id "${id}"`);
    return (await sendStored(c, id, new StoredJson(stored), 'flow')) as never;
  });

  app.openapi(cancel, (c) => {
    const { id } = c.req.valid('param');
    const record = atelier.runs.cancel(id);
    if (!record) throw new ApiError(404, 'not_found', `no run with id "${id}"`);
    return c.json({ id: record.id, status: record.status }, 200);
  });

  app.openapi(events, (c) => {
    const { id } = c.req.valid('param');
    existsOr404(id);
    const since = parseSince(c.req.valid('query').since ?? c.req.header('last-event-id'));
    return streamSSE(c, async (stream) => {
      const queue: RunEvent[] = [];
      let wake: (() => void) | undefined;
      let caughtUp = false;
      let failed = false;
      const subscription = atelier.runs.subscribe(
        id,
        since,
        (event) => {
          queue.push(event);
          wake?.();
        },
        { paused: () => queue.length >= SSE_REPLAY_QUEUE },
      );
      const stop = () => subscription?.stop();
      // A replay that cannot be read ends the stream: the client resumes with Last-Event-ID.
      void subscription?.caughtUp.then((error) => {
        caughtUp = true;
        failed = error !== undefined;
        if (error) log(`events of run ${id}: ${error.message}`);
        wake?.();
      });
      stream.onAbort(() => {
        stop();
        wake?.();
      });
      for (;;) {
        while (queue.length) {
          const event = queue.shift()!;
          await stream.writeSSE({ id: String(event.seq), event: event.type, data: eventJson(event) });
          if (event.type === 'run.finished') return stop();
        }
        if (stream.aborted || failed || (caughtUp && !atelier.runs.isLive(id))) return stop();
        await waitQuietly(stream, keepAliveMs, (next) => (wake = next));
      }
    });
  });
  return app;
}

export function parseSince(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const since = Number(value);
  if (!Number.isInteger(since) || since < 0) throw new ApiError(400, 'invalid_query', 'since must be a non-negative integer (the last seq you saw)');
  return since;
}

export function runError(error: unknown): ApiError | undefined {
  if (error instanceof ValidationFailed) {
    return new ApiError(400, 'invalid_flow', error.message, { issues: error.issues });
  }
  if (error instanceof TooManyRuns) {
    if (!error.retryable) return new ApiError(400, 'limit_exceeded', error.message, error.details);
    return new ApiError(429, error.code, error.message, error.details, { 'retry-after': String(TOO_MANY_RUNS_RETRY_AFTER_S) });
  }
  return undefined;
}

/** What a refused client is told to wait before it tries again: runs of the sample flows take about that long. */
export const TOO_MANY_RUNS_RETRY_AFTER_S = 1;
