// Folds events into a run record. Pure, so the server and the editor derive state the same way.
import type { RunEvent, RunRecord } from './events';

export function applyEvent(record: RunRecord, event: RunEvent): void {
  switch (event.type) {
    case 'run.queued':
      record.status = 'queued';
      for (const id of event.nodes) record.nodes[id] ??= { status: 'queued', cached: false, outputs: {} };
      break;
    case 'run.started':
      record.status = 'running';
      break;
    case 'node.started':
      record.nodes[event.nodeId] = { status: 'running', cached: false, outputs: {} };
      break;
    case 'node.progress':
      break;
    case 'node.finished': {
      const node = { status: 'succeeded' as const, cached: event.cached, durationMs: event.durationMs, outputs: event.outputs };
      record.nodes[event.nodeId] = event.backend ? { ...node, backend: event.backend, meta: event.meta } : event.meta ? { ...node, meta: event.meta } : node;
      break;
    }
    case 'node.failed':
      record.nodes[event.nodeId] = {
        status: event.cancelled ? 'cancelled' : 'failed',
        cached: false,
        durationMs: event.durationMs,
        error: event.error,
        outputs: {},
      };
      break;
    case 'node.skipped':
      record.nodes[event.nodeId] = { status: 'skipped', cached: false, error: event.reason, outputs: {} };
      break;
    case 'run.finished':
      record.status = event.status;
      record.finishedAt = event.ts;
      record.outputs = event.outputs;
      if (event.error) record.error = event.error;
      if (event.costUsd !== undefined) record.costUsd = event.costUsd;
      break;
  }
}
