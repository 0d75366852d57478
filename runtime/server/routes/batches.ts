// Sweeps: POST /api/batches (?wait=1 blocks), GET /api/batches, GET /api/batches/:id (?wait=1),
// GET /api/batches/:id/events (SSE: each run's run.queued/run.started/run.finished, then batch.finished), cancel.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Atelier } from '../../atelier';
import { SweepError } from '../../batches/expand';
import type { BatchFinishedEvent } from '../../batches/batch-manager';
import type { RunEvent } from '../../../model/events';
import { FlowIdSchema, FlowSchema } from '../../../model/flow';
import { ApiError, readJson } from '../errors';

export const BatchRequestSchema = z
  .object({
    flowId: FlowIdSchema.optional(),
    flow: FlowSchema.optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    sweep: z.record(z.string(), z.array(z.unknown()).min(1).max(256)),
    mode: z.enum(['product', 'zip']).default('product'),
  })
  .refine((body) => body.flowId || body.flow, { message: 'give flowId (a saved flow) or flow (a flow document)', path: ['flowId'] });

const BATCH_ID = /^b-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/;
const RUN_EVENTS = new Set(['run.queued', 'run.started', 'run.finished']);

export function batchRoutes(atelier: Atelier): Hono {
  const app = new Hono();
  const checkedId = (id: string) => {
    if (!BATCH_ID.test(id)) throw new ApiError(400, 'invalid_id', 'a batch id looks like b-20261130-103102-0a1b2c3d');
    return id;
  };
  const waiting = (value: string | undefined) => value === '1' || value === 'true';

  app.post('/', async (c) => {
    const body = await readJson(c, BatchRequestSchema);
    const flow = body.flow ?? atelier.flows.get(body.flowId!);
    let started: { batchId: string; runIds: string[] };
    try {
      started = atelier.batches.start({ flow, flowId: body.flowId, inputs: body.inputs, sweep: body.sweep, mode: body.mode });
    } catch (error) {
      if (error instanceof SweepError) throw new ApiError(400, 'invalid_sweep', error.message, { field: error.field });
      throw error;
    }
    if (waiting(c.req.query('wait'))) return c.json(await atelier.batches.wait(started.batchId));
    return c.json(started, 202);
  });

  app.get('/', (c) => {
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1) throw new ApiError(400, 'invalid_query', 'limit must be a positive integer');
    return c.json(atelier.batches.list(limit).map(({ runs, ...summary }) => ({ ...summary, runCount: runs.length })));
  });

  app.get('/:id', async (c) => {
    const id = checkedId(c.req.param('id'));
    const view = waiting(c.req.query('wait')) ? await atelier.batches.wait(id) : atelier.batches.get(id);
    if (!view) throw new ApiError(404, 'not_found', `no batch with id "${id}"`);
    return c.json(view);
  });

  app.post('/:id/cancel', (c) => {
    const id = checkedId(c.req.param('id'));
    const view = atelier.batches.cancel(id);
    if (!view) throw new ApiError(404, 'not_found', `no batch with id "${id}"`);
    return c.json({ id, status: view.status });
  });

  app.get('/:id/events', (c) => {
    const id = checkedId(c.req.param('id'));
    const batch = atelier.batches.get(id);
    if (!batch) throw new ApiError(404, 'not_found', `no batch with id "${id}"`);
    return streamSSE(c, async (stream) => {
      const queue: Array<RunEvent | BatchFinishedEvent> = [];
      let wake: (() => void) | undefined;
      const push = (event: RunEvent | BatchFinishedEvent) => {
        queue.push(event);
        wake?.();
      };
      // Listen for the end first, so it cannot slip between the replay and the subscription.
      const stopFinished = atelier.batches.onFinished((event) => event.batchId === id && push(event));
      const unsubscribes = batch.runs.map((run) => atelier.runs.subscribe(run.runId, 0, (event) => RUN_EVENTS.has(event.type) && push(event)));
      const stop = () => {
        stopFinished();
        for (const unsubscribe of unsubscribes) unsubscribe?.();
      };
      stream.onAbort(() => {
        stop();
        wake?.();
      });
      if (!atelier.batches.isLive(id)) {
        const done = atelier.batches.get(id)!;
        push({ type: 'batch.finished', batchId: id, status: done.status, runIds: done.runs.map((r) => r.runId), ts: done.finishedAt ?? new Date().toISOString(), ...(done.costUsd !== undefined ? { costUsd: done.costUsd } : {}) });
      }
      for (;;) {
        while (queue.length) {
          const event = queue.shift()!;
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
          if (event.type === 'batch.finished') return stop();
        }
        if (stream.aborted) return stop();
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    });
  });
  return app;
}
