// Runs: POST /api/runs (?wait=1 blocks), GET /api/runs, GET /api/runs/:id, its flow and events (SSE), cancel.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Atelier } from '../../atelier';
import type { RunEvent } from '../../../model/events';
import { ValidationFailed } from '../../engine/run-manager';
import { ApiError, readJson } from '../errors';
import { RunRequestSchema } from '../schemas';

export function runRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  const runOr404 = (id: string) => {
    const record = atelier.runs.get(id);
    if (!record) throw new ApiError(404, 'not_found', `no run with id "${id}"`);
    return record;
  };

  app.post('/', async (c) => {
    const body = await readJson(c, RunRequestSchema);
    const flow = body.flow ?? atelier.flows.get(body.flowId!);
    const runId = atelier.runs.start({ flow, flowId: body.flowId, inputs: body.inputs, target: body.target });
    const wait = c.req.query('wait');
    if (wait === '1' || wait === 'true') return c.json(await atelier.runs.wait(runId));
    return c.json({ runId }, 202);
  });

  app.get('/', (c) => {
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1) throw new ApiError(400, 'invalid_query', 'limit must be a positive integer');
    return c.json(atelier.store.runs.list({ flowId: c.req.query('flowId'), limit }));
  });

  // lastSeq: subscribe with since=lastSeq to continue exactly where this record stands.
  app.get('/:id', (c) => {
    const record = runOr404(c.req.param('id'));
    return c.json({ ...record, lastSeq: atelier.runs.lastSeq(record.id) });
  });

  app.get('/:id/flow', (c) => {
    runOr404(c.req.param('id'));
    return c.json(atelier.store.runs.flowOf(c.req.param('id')));
  });

  app.post('/:id/cancel', (c) => {
    const record = atelier.runs.cancel(c.req.param('id'));
    if (!record) throw new ApiError(404, 'not_found', `no run with id "${c.req.param('id')}"`);
    return c.json({ id: record.id, status: record.status });
  });

  app.get('/:id/events', (c) => {
    const id = c.req.param('id');
    runOr404(id);
    const since = parseSince(c.req.query('since') ?? c.req.header('last-event-id'));
    return streamSSE(c, async (stream) => {
      const queue: RunEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = atelier.runs.subscribe(id, since, (event) => {
        queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe?.();
        wake?.();
      });
      for (;;) {
        while (queue.length) {
          const event = queue.shift()!;
          await stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event) });
          if (event.type === 'run.finished') return unsubscribe?.();
        }
        if (stream.aborted || !atelier.runs.isLive(id)) return unsubscribe?.();
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
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
  return undefined;
}
