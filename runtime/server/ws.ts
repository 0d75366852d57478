// WebSocket /api/ws: {type:"subscribe", runId, since} replays stored events after `since`, then
// streams live ones; {type:"subscribe-runs"} hears every new run's run.queued.
import type { WSContext, UpgradeWebSocket } from 'hono/ws';
import { z } from 'zod';
import type { Atelier } from '../atelier';
import { errorBody } from './errors';

const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), runId: z.string().min(1), since: z.number().int().min(0).default(0) }),
  z.object({ type: z.literal('unsubscribe'), runId: z.string().min(1) }),
  z.object({ type: z.literal('subscribe-runs') }),
]);

export function wsHandler(atelier: Atelier, upgradeWebSocket: UpgradeWebSocket) {
  return upgradeWebSocket((c) => {
    const subscriptions = new Map<string, () => void>();
    const send = (ws: WSContext, value: unknown) => {
      if (ws.readyState === 1) ws.send(JSON.stringify(value));
    };
    const subscribe = (ws: WSContext, runId: string, since: number) => {
      subscriptions.get(runId)?.();
      const unsubscribe = atelier.runs.subscribe(runId, since, (event) => send(ws, event));
      if (!unsubscribe) send(ws, errorBody('not_found', `no run with id "${runId}"`, { runId }));
      else subscriptions.set(runId, unsubscribe);
    };
    return {
      onOpen(_event, ws) {
        const runId = c.req.query('runId');
        if (runId) subscribe(ws, runId, Number(c.req.query('since') ?? 0) || 0);
      },
      onMessage(event, ws) {
        let message: z.infer<typeof ClientMessage>;
        try {
          message = ClientMessage.parse(JSON.parse(String(event.data)));
        } catch {
          return send(ws, errorBody('bad_message', 'send {"type":"subscribe","runId":"…","since":0}, {"type":"unsubscribe","runId":"…"} or {"type":"subscribe-runs"}'));
        }
        if (message.type === 'subscribe') subscribe(ws, message.runId, message.since);
        else if (message.type === 'unsubscribe') {
          subscriptions.get(message.runId)?.();
          subscriptions.delete(message.runId);
        } else if (!subscriptions.has('*')) {
          subscriptions.set('*', atelier.runs.onRunQueued((queued) => send(ws, queued)));
          subscriptions.set('*batches', atelier.batches.onFinished((finished) => send(ws, finished)));
        }
      },
      onClose() {
        for (const unsubscribe of subscriptions.values()) unsubscribe();
        subscriptions.clear();
      },
    };
  });
}
