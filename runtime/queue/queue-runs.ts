// The API side of queue mode: a RunService that records a run, puts it on the BullMQ queue and
// relays what workers publish. Workers append events to a Redis stream per run (seq assigned in
// Redis, gapless across workers); this process reads every live run's stream, stores each event in
// SQLite exactly as single-process mode does, and hands it to subscribers. After a restart it
// re-attaches the runs SQLite still shows as queued/running and reads their streams from the start.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Queue, QueueEvents } from 'bullmq';
import type { AssetFiles, Credentials } from '../../nodes/api';
import { isArtifact } from '../../model/artifact';
import type { RunEvent, RunEventBody, RunRecord } from '../../model/events';
import { applyEvent } from '../../model/run-record';
import type { NodeRegistry } from '../engine/registry';
import type { RunManager, RunRequest } from '../engine/run-manager';
import type { Store } from '../store';
import { keys, QUEUE_NAME, type QueueConfig } from './config';
import { DirArtifacts, writeSidecar } from './dir-artifacts';
import { parseStreamEntry, readRunEvents, RunEventWriter, type StreamEntry } from './event-writer';
import { connectRedis, ConnectionSet, settleWithin, type AtelierRedis } from './redis';
import type { RunJobData } from './run-job';
import type { RunListener, RunService, WorkerDirectory, WorkerInfo } from './run-service';
import { startQueueWorker, type QueueWorker } from './worker';
import { newRunId } from '../engine/run-id';
import { followRun, type ReplayOptions, type Subscription } from '../engine/event-replay';
import { LiveBudget } from '../engine/live-budget';

export interface QueueRunsOptions {
  config: QueueConfig;
  registry: NodeRegistry;
  store: Store;
  credentials: Credentials;
  assets: AssetFiles;
  env: NodeJS.ProcessEnv;
  log(message: string): void;
  /** Validation and input binding, shared with single-process mode. */
  validator: Pick<RunManager, 'prepare'>;
  /** Run one worker in this process too (`atelier serve` without --no-worker). */
  inProcessWorker: boolean;
  workerConcurrency?: number;
}

interface LiveRun {
  record: RunRecord;
  lastSeq: number;
  /** Stream entry id read up to. */
  cursor: string;
  listeners: Set<RunListener>;
  done: Promise<RunRecord>;
  resolve(record: RunRecord): void;
  /** Gives its share of the live-run budget back. */
  release(): void;
  closing?: boolean;
}

interface Connections {
  all: ConnectionSet;
  redis: AtelierRedis;
  reader: AtelierRedis;
  queue: Queue<RunJobData>;
  queueEvents: QueueEvents;
  worker?: QueueWorker;
}

export class QueueRuns implements RunService, WorkerDirectory {
  private readonly live = new Map<string, LiveRun>();
  private readonly runListeners = new Set<RunListener>();
  private readonly connections: Promise<Connections>;
  private readonly wakeKey = `atelier:api:${randomBytes(6).toString('hex')}:wake`;
  private wakeCursor = '0';
  private closed = false;
  private readonly adoptArtifact;
  private readonly budget: LiveBudget;

  constructor(private readonly options: QueueRunsOptions) {
    const { store } = options;
    this.budget = LiveBudget.fromEnv(options.env);
    this.adoptArtifact = store.db.prepare('INSERT OR IGNORE INTO artifacts (hash, media_type, width, height, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    // Uploads made through this API must be describable by workers that did not store them.
    const put = store.artifacts.put.bind(store.artifacts);
    store.artifacts.put = async (bytes, hint) => {
      const handle = await put(bytes, hint);
      writeSidecar(store.artifacts.dir, handle);
      return handle;
    };
    for (const id of this.unfinishedRuns()) {
      // A live run's row holds its head (or an older save): the stored events make the record.
      const record = store.runs.foldedRecord(id)!;
      store.runs.adopt(record);
      // Already live: counted, never refused.
      this.attach(record, store.runs.lastSeq(id), this.budget.take(Object.keys(record.nodes).length, { check: false }));
    }
    this.connections = this.connect();
    this.connections.catch((error: Error) => options.log(`queue mode cannot start: ${error.message}`));
  }

  prepare(request: RunRequest): ReturnType<RunManager['prepare']> {
    return this.options.validator.prepare(request);
  }

  checkRoom(runs: number, nodes: number): void {
    this.budget.check(runs, nodes);
  }

  start(request: RunRequest): string {
    const { flow, plan } = this.options.validator.prepare(request);
    const release = this.budget.take(plan.nodes.size);
    const id = newRunId();
    const record: RunRecord = { id, ...(request.flowId ? { flowId: request.flowId } : {}), status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} };
    try {
      this.options.store.runs.create(record, flow);
    } catch (error) {
      release();
      throw error;
    }
    this.attach(record, 0, release);
    const data: RunJobData = {
      runId: id,
      flow,
      ...(request.flowId ? { flowId: request.flowId } : {}),
      ...(request.target ? { target: request.target } : {}),
      ...(plan.inputs?.size ? { portInputs: Object.fromEntries(plan.inputs) } : {}),
    };
    const queued: RunEventBody = { type: 'run.queued', ...(request.flowId ? { flowId: request.flowId } : {}), nodes: [...plan.nodes] };
    this.enqueue(data, queued).catch((error: Error) => this.closeUnqueued(id, queued, error));
    return id;
  }

  async run(request: RunRequest): Promise<RunRecord> {
    return (await this.wait(this.start(request)))!;
  }

  async wait(runId: string): Promise<RunRecord | undefined> {
    const live = this.live.get(runId);
    return live ? live.done : this.options.store.runs.get(runId);
  }

  get(runId: string): RunRecord | undefined {
    return this.live.get(runId)?.record ?? this.options.store.runs.get(runId);
  }

  lastSeq(runId: string): number {
    const live = this.live.get(runId);
    return live ? live.lastSeq : this.options.store.runs.lastSeq(runId);
  }

  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  cancel(runId: string): RunRecord | undefined {
    if (this.live.has(runId)) this.cancelRemote(runId).catch((error: Error) => this.options.log(`cancel of ${runId}: ${error.message}`));
    return this.get(runId);
  }

  subscribe(runId: string, since: number, listener: RunListener, options?: ReplayOptions): Subscription | undefined {
    // Every relayed event is stored before it is relayed.
    return followRun(this.options.store.runs, runId, this.live.get(runId)?.listeners, since, listener, options);
  }

  onRunQueued(listener: RunListener): () => void {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  async list(): Promise<WorkerInfo[]> {
    const { redis } = await this.connections;
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', keys.workerPattern, 'COUNT', 200);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0' && found.length < 10_000);
    if (found.length === 0) return [];
    const values = await redis.mget(found);
    return values
      .filter((value): value is string => value !== null)
      .map((value) => JSON.parse(value) as WorkerInfo)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Stops relaying; runs go on in the workers and are picked up again by the next API process. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let connections: Connections;
    try {
      connections = await this.connections;
    } catch {
      return;
    }
    await connections.worker?.close(true);
    await connections.queueEvents.close();
    await connections.queue.close();
    await settleWithin(connections.redis.del(this.wakeKey), 1000);
    connections.all.closeAll();
    this.options.store.runs.flush();
  }

  private async connect(): Promise<Connections> {
    const { config, log } = this.options;
    const all = new ConnectionSet(await connectRedis(config.redisUrl, log, 'atelier-api'), log, 'atelier-api');
    const redis = all.main;
    const reader = all.duplicate('events');
    const { Queue: BullQueue, QueueEvents: BullQueueEvents } = await import('bullmq');
    const queue = new BullQueue<RunJobData>(QUEUE_NAME, { connection: all.duplicate('queue') });
    queue.on('error', (error) => log(`queue: ${error.message}`));
    const queueEvents = new BullQueueEvents(QUEUE_NAME, { connection: all.duplicate('queue-events') });
    queueEvents.on('error', (error) => log(`queue events: ${error.message}`));
    queueEvents.on('failed', ({ jobId, failedReason }) => this.onJobFailed(jobId, failedReason));
    const connections: Connections = { all, redis, reader, queue, queueEvents };
    if (this.options.inProcessWorker) {
      connections.worker = await startQueueWorker({
        config,
        registry: this.options.registry,
        credentials: this.options.credentials,
        assets: this.options.assets,
        artifacts: new DirArtifacts(this.options.store.artifacts.dir),
        env: this.options.env,
        log,
        concurrency: this.options.workerConcurrency,
      });
    }
    void this.readLoop(reader);
    void this.checkReattached(queue, redis);
    return connections;
  }

  private async enqueue(data: RunJobData, queued: RunEventBody): Promise<void> {
    const { redis, queue } = await this.connections;
    new RunEventWriter(redis, data.runId).emit(queued);
    await queue.add('run', data, { jobId: data.runId, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
  }

  private attach(record: RunRecord, lastSeq: number, release: () => void): LiveRun {
    let resolve!: (record: RunRecord) => void;
    const done = new Promise<RunRecord>((r) => (resolve = r));
    const live: LiveRun = { record, lastSeq, cursor: '0', listeners: new Set(), done, resolve, release };
    this.live.set(record.id, live);
    this.connections?.then(({ redis }) => redis.xadd(this.wakeKey, 'MAXLEN', '~', 100, '*', 'run', record.id)).catch(() => {});
    return live;
  }

  /** One blocking XREAD over every live run's stream (and a wake-up stream for newly attached runs). */
  private async readLoop(reader: AtelierRedis): Promise<void> {
    while (!this.closed) {
      const ids = [...this.live.keys()];
      const streams = [this.wakeKey, ...ids.map(keys.events)];
      const cursors = [this.wakeCursor, ...ids.map((id) => this.live.get(id)!.cursor)];
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await reader.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', ...streams, ...cursors));
      } catch (error) {
        if (this.closed) return;
        this.options.log(`reading run events from Redis: ${(error as Error).message}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const [stream, entries] of reply ?? []) {
        if (stream === this.wakeKey) {
          this.wakeCursor = entries[entries.length - 1][0];
          continue;
        }
        const runId = stream.slice('atelier:run:'.length, -':events'.length);
        for (const [entryId, fields] of entries) {
          const live = this.live.get(runId);
          if (!live) break;
          live.cursor = entryId;
          try {
            const entry = parseStreamEntry(runId, fields);
            if (entry) this.relay(live, entry);
          } catch (error) {
            this.options.log(`run ${runId}: a stream entry could not be relayed: ${(error as Error).message}`);
          }
        }
      }
    }
  }

  private relay(live: LiveRun, entry: StreamEntry): void {
    const { store } = this.options;
    if (entry.kind === 'gallery') {
      this.adoptArtifacts({ artifact: entry.entry.artifact });
      const runId = live.record.id;
      store.gallery.add(entry.entry, { runId, nodeId: entry.nodeId }).catch((error: Error) => this.options.log(`run ${runId}: gallery entry of ${entry.nodeId} not kept: ${error.message}`));
      return;
    }
    const event = entry.event;
    if (event.seq <= live.lastSeq) return; // already stored (read again after a restart)
    if (event.seq !== live.lastSeq + 1) this.options.log(`run ${live.record.id}: event seq ${event.seq} follows ${live.lastSeq}`);
    live.lastSeq = event.seq;
    if (event.type === 'node.finished' || event.type === 'run.finished') this.adoptArtifacts(event.outputs);
    else if (event.type === 'node.progress' && event.preview) this.adoptArtifacts({ preview: event.preview });
    applyEvent(live.record, event);
    store.runs.appendEvent(event);
    for (const listener of live.listeners) listener(event);
    if (event.type === 'run.queued') for (const listener of this.runListeners) listener(event);
    if (event.type === 'run.finished') this.finish(live);
  }

  private finish(live: LiveRun): void {
    const { store } = this.options;
    const id = live.record.id;
    store.runs.save(live.record);
    this.live.delete(id);
    live.release();
    live.listeners.clear();
    // ?wait=1 callers hear of the run once its final state and events are committed.
    store.runs.flushed().then(
      () => live.resolve(live.record),
      (failure: Error) => {
        live.record.status = 'failed';
        live.record.error = failure.message;
        this.options.log(`run ${id} could not be recorded: ${failure.message}`);
        live.resolve(live.record);
      },
    );
    this.connections
      .then(({ redis }) => redis.del(keys.events(id), keys.seq(id), keys.cancel(id)))
      .catch((error: Error) => this.options.log(`run ${id}: its Redis stream was not removed: ${error.message}`));
  }

  /** Worker-made artifacts get a row in this API's database, so /api/artifacts serves them. */
  private adoptArtifacts(values: Record<string, unknown>): void {
    const { artifacts } = this.options.store;
    for (const value of Object.values(values)) {
      if (!isArtifact(value) || artifacts.get(value.artifact)) continue;
      let bytes: number;
      try {
        bytes = statSync(artifacts.pathOf(value.artifact)).size;
      } catch {
        continue; // not in the shared store: the download answers 404 and says so
      }
      this.adoptArtifact.run(value.artifact, value.mediaType, value.width ?? null, value.height ?? null, bytes, new Date().toISOString());
    }
  }

  private async cancelRemote(runId: string): Promise<void> {
    const { redis, queue } = await this.connections;
    await redis.set(keys.cancel(runId), '1', 'EX', 24 * 3600);
    await redis.publish(keys.cancelChannel, runId);
    const job = await queue.getJob(runId);
    if (!job || !(await job.isWaiting())) return; // a worker has it (or will see the cancel flag)
    try {
      await job.remove();
    } catch {
      return; // taken by a worker meanwhile: it sees the flag
    }
    await this.closeFromApi(runId, 'cancelled', undefined);
  }

  private onJobFailed(jobId: string, reason: string): void {
    const live = this.live.get(jobId);
    if (!live || live.closing) return;
    const stalled = /stalled/i.test(reason);
    const error = stalled
      ? `the run was given up: its worker stopped ${this.options.config.attempts} times (${reason})`
      : `the run's worker failed: ${reason}`;
    this.closeFromApi(jobId, 'failed', error).catch((failure: Error) => this.options.log(`run ${jobId}: ${failure.message}`));
  }

  /**
   * Ends a run no worker will finish: open nodes are closed and run.finished is appended to its stream.
   * When Redis will not take them (out of memory, read-only), the run is ended here instead.
   */
  private async closeFromApi(runId: string, status: 'failed' | 'cancelled', error: string | undefined): Promise<void> {
    const live = this.live.get(runId);
    if (!live || live.closing) return;
    live.closing = true;
    try {
      const { redis } = await this.connections;
      const writer = new RunEventWriter(redis, runId);
      for (const body of closingEvents(live.record, status, error)) writer.emit(body);
      await writer.flush();
    } catch (failure) {
      this.options.log(`run ${runId}: Redis would not take its last events (${(failure as Error).message}); it is ended here`);
      this.closeHere(live, status, error);
    }
  }

  /** A run Redis would not take (out of memory, read-only): no worker will ever see it, so it is ended here. */
  private closeUnqueued(runId: string, queued: RunEventBody, failure: Error): void {
    const live = this.live.get(runId);
    if (!live || live.closing) return;
    live.closing = true;
    const error = `queue_unavailable: the run could not be put on the queue (${failure.message})`;
    this.options.log(`run ${runId}: ${error}`);
    this.closeHere(live, 'failed', error, live.lastSeq === 0 ? queued : undefined);
  }

  /** Stores a run's closing events (after `queued`, when its stream never had it) as if they came from its stream. */
  private closeHere(live: LiveRun, status: 'failed' | 'cancelled', error: string | undefined, queued?: RunEventBody): void {
    const runId = live.record.id;
    let seq = live.lastSeq;
    const relay = (body: RunEventBody) => this.relay(live, { kind: 'event', event: { ...body, runId, seq: ++seq, ts: new Date().toISOString() } });
    if (queued) relay(queued);
    for (const body of closingEvents(live.record, status, error)) relay(body);
  }

  /** Runs re-attached after a restart whose job is gone or failed while no API listened. */
  private async checkReattached(queue: Queue<RunJobData>, redis: AtelierRedis): Promise<void> {
    for (const [id, live] of [...this.live]) {
      if (live.lastSeq === 0 && live.record.status === 'queued') continue; // just started here
      try {
        const job = await queue.getJob(id);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'failed') this.onJobFailed(id, job?.failedReason ?? 'failed');
        else if (!job && !(await readRunEvents(redis, id)).some((e) => e.type === 'run.finished')) {
          await this.closeFromApi(id, 'failed', 'the run is no longer in the queue (Redis lost it); start it again');
        }
      } catch (error) {
        this.options.log(`run ${id}: its queue state cannot be read: ${(error as Error).message}`);
      }
    }
  }

  private unfinishedRuns(): string[] {
    return this.options.store.db
      .prepare<[], { id: string }>("SELECT id FROM runs WHERE status IN ('queued', 'running')")
      .all()
      .map((row) => row.id);
  }
}

/** The events that end a run from outside its worker: open nodes failed or skipped, then run.finished. */
function closingEvents(record: RunRecord, status: 'failed' | 'cancelled', error: string | undefined): RunEventBody[] {
  const reason = status === 'cancelled' ? 'cancelled' : (error ?? 'failed');
  const bodies: RunEventBody[] = [];
  for (const [nodeId, node] of Object.entries(record.nodes)) {
    if (node.status === 'running') bodies.push({ type: 'node.failed', nodeId, error: reason, durationMs: 0, ...(status === 'cancelled' ? { cancelled: true } : {}) });
    else if (node.status === 'queued') bodies.push({ type: 'node.skipped', nodeId, reason });
  }
  bodies.push({ type: 'run.finished', status, outputs: {}, ...(error ? { error } : {}) });
  return bodies;
}

export type { RunEvent };
