// Folds events into a run record, so the server and the editor derive state the same way.
// `applyEvent` updates the record in place (one event at a time, no copy of a 100,000-node record
// per event); `foldEvents` builds a record from a whole log. Neither recurses.
import type { LoggedRunEvent, NodeRecord, RunEvent, RunRecord } from './events';

/**
 * Every queued node's record: node records are replaced by the next event, never changed in place, so
 * one frozen object serves them all. A burst of thousands of queued runs held ten of these per run.
 */
const QUEUED_NODE: NodeRecord = Object.freeze({ status: 'queued', cached: false, outputs: Object.freeze({}) });
/** Likewise every running node's record (two objects a node fewer). */
const RUNNING_NODE: NodeRecord = Object.freeze({ status: 'running', cached: false, outputs: Object.freeze({}) });

export function applyEvent(record: RunRecord, event: LoggedRunEvent): void {
  switch (event.type) {
    case 'run.queued':
      record.status = 'queued';
      for (const id of event.nodes) record.nodes[id] ??= QUEUED_NODE;
      break;
    case 'run.started':
      record.status = 'running';
      break;
    case 'node.started':
      record.nodes[event.nodeId] = RUNNING_NODE;
      break;
    case 'node.progress':
      break;
    case 'node.finished': {
      const node: NodeRecord = { status: 'succeeded', cached: event.cached, durationMs: event.durationMs, outputs: event.outputs };
      if (event.backend) node.backend = event.backend;
      if (event.meta) node.meta = event.meta;
      if (event.sharedWith) node.sharedWith = event.sharedWith;
      record.nodes[event.nodeId] = node;
      break;
    }
    case 'node.failed': {
      const node: NodeRecord = { status: event.cancelled ? 'cancelled' : 'failed', cached: false, durationMs: event.durationMs, error: event.error, outputs: {} };
      if (event.sharedWith) node.sharedWith = event.sharedWith;
      record.nodes[event.nodeId] = node;
      break;
    }
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

/** The record a run's event log describes (a fresh object; the events are not changed). */
export function foldEvents(runId: string, events: Iterable<RunEvent>): RunRecord {
  const record: RunRecord = { id: runId, status: 'queued', startedAt: '', outputs: {}, nodes: {} };
  for (const event of events) {
    if (event.type === 'run.queued') {
      record.startedAt ||= event.ts;
      if (event.flowId) record.flowId = event.flowId;
    }
    applyEvent(record, event);
  }
  return record;
}
