// WebSocket /api/ws: {type:"subscribe", runId, since} replays stored events after `since`, then
// streams live ones; {type:"subscribe-runs"} hears every new run's run.queued.
import type { WSContext, UpgradeWebSocket } from 'hono/ws';
import type { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Atelier } from '../atelier';
import { errorBody } from './errors';
import { eventJson } from './event-json';
import { jsonProblem } from '../../model/json-limits';

/** A client message is a few dozen bytes; anything near this is not one. */
export const WS_MAX_PAYLOAD = 64 * 1024;
/** Runs one socket may follow at once (the editor follows a handful). */
export const WS_MAX_SUBSCRIPTIONS = 256;

const RunId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a run id: 1–64 letters, digits, "_", "." or "-"');
const Since = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), runId: RunId, since: Since.default(0) }).strict(),
  z.object({ type: z.literal('unsubscribe'), runId: RunId }).strict(),
  z.object({ type: z.literal('subscribe-runs') }).strict(),
]);

const USAGE = 'send {"type":"subscribe","runId":"…","since":0}, {"type":"unsubscribe","runId":"…"} or {"type":"subscribe-runs"}';

/** Caps what one message may weigh; ws closes the socket with 1009 beyond it. */
export function limitWebSocketServer(wss: WebSocketServer): void {
  // @hono/node-ws builds its server without options; ws reads maxPayload at each upgrade.
  (wss.options as { maxPayload?: number }).maxPayload = WS_MAX_PAYLOAD;
}

/** A replay waits while this much is queued for the socket: a client that reads slowly does not fill the server's memory. */
export const WS_REPLAY_BUFFER_BYTES = 1024 * 1024;

const buffered = (ws: WSContext) => (ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0;

export function wsHandler(atelier: Atelier, upgradeWebSocket: UpgradeWebSocket) {
  return upgradeWebSocket((c) => {
    const subscriptions = new Map<string, () => void>();
    const send = (ws: WSContext, value: object) => {
      if (ws.readyState === 1) ws.send(eventJson(value));
    };
    const subscribe = (ws: WSContext, runId: string, since: number) => {
      subscriptions.get(runId)?.();
      subscriptions.delete(runId);
      if (subscriptions.size >= WS_MAX_SUBSCRIPTIONS) {
        return send(ws, errorBody('too_many_subscriptions', `one socket follows at most ${WS_MAX_SUBSCRIPTIONS} runs; unsubscribe from finished ones`, { runId }));
      }
      const subscription = atelier.runs.subscribe(runId, since, (event) => send(ws, event), { paused: () => buffered(ws) > WS_REPLAY_BUFFER_BYTES });
      if (!subscription) return send(ws, errorBody('not_found', `no run with id "${runId}"`, { runId }));
      subscriptions.set(runId, subscription.stop);
      void subscription.caughtUp.then((error) => {
        if (!error) return;
        if (subscriptions.get(runId) === subscription.stop) subscriptions.delete(runId);
        send(ws, errorBody('store_unavailable', `the run's stored events could not be read (${error.message}); subscribe again with since = the last seq you got`, { runId }));
      });
    };
    return {
      onOpen(_event, ws) {
        const query = c.req.query('runId');
        if (query === undefined) return;
        const runId = RunId.safeParse(query);
        const since = Since.safeParse(Number(c.req.query('since') ?? 0));
        if (!runId.success || !since.success) {
          return send(ws, errorBody('bad_message', `${!runId.success ? 'runId' : 'since'}: ${(runId.error ?? since.error)!.issues[0].message}`));
        }
        subscribe(ws, runId.data, since.data);
      },
      onMessage(event, ws) {
        if (typeof event.data !== 'string') return send(ws, errorBody('bad_message', `binary messages are not understood; ${USAGE}`));
        let raw: unknown;
        try {
          const problem = jsonProblem(event.data);
          if (problem) return send(ws, errorBody('bad_message', `${problem.field}: ${problem.message}`, { field: problem.field }));
          raw = JSON.parse(event.data);
        } catch {
          return send(ws, errorBody('bad_message', `the message is not JSON; ${USAGE}`));
        }
        const parsed = ClientMessage.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue.path.join('.') || 'type';
          return send(ws, errorBody('bad_message', `${field}: ${issue.message}; ${USAGE}`, { field }));
        }
        const message = parsed.data;
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
