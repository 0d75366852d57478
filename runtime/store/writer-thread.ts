// SQLite commits on a worker thread. A commit of a burst of runs (their rows, events and cache rows)
// holds the thread that runs it for ~100 µs per run; on the main thread that is time the engine and
// the HTTP server cannot use. The writer opens its own connection to the same file (WAL: the main
// connection keeps reading while it writes) and commits the batches it is sent in the order sent,
// each batch's durable part in a transaction of its own. Deferred parts (cache rows: a 20,000-row
// batch takes ~100 ms) wait until no durable part is waiting and give way to one that comes, so a
// run's end is not committed behind them. The main thread can wait for a batch synchronously (a flush, a close): the writer marks each
// part done in shared memory, and the answer is taken off its port without the event loop.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { LOWER_THREAD_PRIORITY_SOURCE } from './background-priority';
import { NULL_FIELD, TAG_BYTES, TAG_NULL, TAG_NUMBER, TAG_SHARED_ROWS, TAG_TEXT } from './shared-values';

const WORKER_SOURCE = `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const flags = new Int32Array(workerData.flags);
const answers = workerData.answers;
let db;
// The connection is opened only if the store was not closed first (then this thread just ends).
if (Atomics.compareExchange(flags, 0, 0, 3) === 0) {
  try {
    db = new Database(workerData.file, { fileMustExist: true, nativeBinding: workerData.addon });
    for (const pragma of workerData.pragmas) db.pragma(pragma);
  } catch (error) {
    answers.postMessage({ id: 0, error: { message: 'cannot open the database: ' + String((error && error.message) || error), code: error && error.code } });
    Atomics.store(flags, 0, -1);
    Atomics.notify(flags, 0);
  }
}
if (!db) {
  answers.close();
  parentPort.close();
}
${LOWER_THREAD_PRIORITY_SOURCE}
if (db) {
  const note = lowerThreadPriority('the SQLite writer thread');
  if (note) answers.postMessage({ note });
}
const statements = [];
const deferred = [];
const TAG = workerData.tags;
const failureOf = (caught) => ({ message: String((caught && caught.message) || caught), code: caught && caught.code });
// The values runtime/store/shared-values.ts wrote, between two byte offsets: statement number,
// parameter count, the parameters, and again.
// Answers where it stopped: at \`to\`, or earlier when interrupt() says so (asked every 256 statements or more:
// a rows record is not cut).
function runOps(message, from, to, interrupt) {
  const buffer = message.buffer;
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const text = Buffer.from(buffer);
  const sharedText = message.shared.map((other) => Buffer.from(other));
  let at = from;
  const readValue = () => {
    const tag = bytes[at];
    if (tag === TAG.NULL) {
      at += 1;
      return null;
    }
    if (tag === TAG.NUMBER) {
      const value = view.getFloat64(at + 1, true);
      at += 9;
      return value;
    }
    const length = view.getUint32(at + 1, true);
    const start = at + 5;
    at = start + length;
    // Long text and bytes are bound as views of the buffer: SQLite copies what it is bound.
    return tag === TAG.TEXT ? text.toString('utf8', start, at) : text.subarray(start, at);
  };
  // Puts the count fields at \`field\` in shared buffer \`index\` into params: each long text, or null.
  const readFields = (params, index, field, count) => {
    const other = sharedText[index];
    for (let i = 0; i < count; i++) {
      const length = other.readUInt32LE(field);
      field += 4;
      if (length === TAG.NULL_FIELD) params[i] = null;
      else {
        params[i] = other.subarray(field, field + length);
        field += length;
      }
    }
  };
  // A rows record: its statement once per row, with the row's fields and then the record's other values
  // (one parameter array for every row: a statement binds copies).
  const runRows = (statement, values) => {
    const rows = view.getUint32(at + 1, true);
    const fieldCount = view.getUint32(at + 5, true);
    let row = at + 9;
    at = row + rows * 8;
    const params = new Array(fieldCount + values - 1);
    for (let i = fieldCount; i < params.length; i++) params[i] = readValue();
    for (let r = 0; r < rows; r++, row += 8) {
      readFields(params, view.getUint32(row, true), view.getUint32(row + 4, true), fieldCount);
      statement.run(...params);
    }
    return rows;
  };
  let sinceAsked = 0;
  while (at < to) {
    const statement = statements[readValue()];
    const count = readValue();
    if (bytes[at] === TAG.SHARED_ROWS) sinceAsked += runRows(statement, count);
    else {
      const params = new Array(count);
      for (let i = 0; i < count; i++) params[i] = readValue();
      statement.run(...params);
      sinceAsked++;
    }
    if (sinceAsked >= 256) {
      sinceAsked = 0;
      if (interrupt && interrupt()) break;
    }
  }
  return at;
}
// The id of the last batch taken off the port; flags[3] holds the last one sent.
let lastTaken = 0;
const durableWaiting = () => Atomics.load(flags, 3) > lastTaken;
let stopping = false;
const done = (flag, id) => {
  Atomics.store(flags, flag, id);
  Atomics.notify(flags, flag);
};
function commitDurable(message) {
  lastTaken = message.id;
  let error;
  try {
    for (let i = 0; i < message.texts.length; i++) statements[message.firstText + i] = db.prepare(message.texts[i]);
    for (const pragma of message.pragmas) db.pragma(pragma);
    if (message.durableEnd > 0) db.transaction(runOps)(message, 0, message.durableEnd);
  } catch (caught) {
    error = failureOf(caught);
  }
  answers.postMessage({ id: message.id, error });
  done(1, message.id);
  if (message.end > message.durableEnd) deferred.push(message);
}
// Every deferred part in one transaction (cache rows: random keys, so the fewer transactions, the
// fewer index pages written), cut short when a batch comes: its durable part is committed in
// between (a run's end does not wait ~100 ms behind 20,000 cache rows), then the rest goes on.
function commitDeferred() {
  const parts = deferred.splice(0);
  let error;
  let index = 0;
  let at = parts[0].durableEnd;
  try {
    while (index < parts.length) {
      db.transaction(() => {
        while (index < parts.length) {
          const part = parts[index];
          at = runOps(part, at, part.end, durableWaiting);
          if (at < part.end) return;
          index++;
          if (index < parts.length) at = parts[index].durableEnd;
        }
      })();
      if (index < parts.length) commitWaiting();
    }
  } catch (caught) {
    error = failureOf(caught);
  }
  for (const part of parts) answers.postMessage({ id: part.id, lazy: true, error });
  done(2, parts[parts.length - 1].id);
}
// The durable parts of the batches waiting on the port; their deferred parts queue behind.
function commitWaiting() {
  while (!stopping) {
    const next = receiveMessageOnPort(parentPort);
    if (!next) return;
    if (next.message === 'stop') stopping = true;
    else commitDurable(next.message);
  }
}
function stop() {
  try { db.close(); } catch {}
  done(0, 2);
  answers.close();
  parentPort.close();
}
if (db) {
  Atomics.store(flags, 0, 1);
  parentPort.on('message', (first) => {
    // Batches sent meanwhile have their durable part committed before any deferred part.
    if (first === 'stop') stopping = true;
    else {
      commitDurable(first);
      commitWaiting();
    }
    while (deferred.length) commitDeferred();
    if (stopping) stop();
  });
}
`;

/**
 * flags[0]: 0 starting, 3 opening its connection, 1 ready, 2 closed, -1 could not open, -2 stopped
 * before it opened; flags[1]: the last batch whose durable part was answered; flags[2]: the last whose
 * deferred part was; flags[3]: the last batch sent (a deferred commit gives way when it passes the
 * last one taken).
 */
const READY = 0;
const STARTING = 0;
const OPENING = 3;
const CANCELLED = -2;
const DONE = { durable: 1, deferred: 2 } as const;
const SENT = 3;

export type BatchPart = keyof typeof DONE;

export interface WriterAnswer {
  id: number;
  /** The answer for the batch's deferred part. */
  lazy?: boolean;
  error?: { message: string; code?: string };
}

/** What the thread sends on its answers port: a batch's answer, or a line to log. */
type WriterMessage = WriterAnswer | { note: string };

export interface WriterThreadOptions {
  file: string;
  /** Per-connection settings the main connection has too (busy timeout, synchronous, cache size). */
  pragmas: string[];
  /** Every answer, in order, whether it arrives through the event loop or is waited for. */
  onAnswer(answer: WriterAnswer): void;
  /** The thread stopped or could not start: batches are committed on the main connection from then on. */
  onLost(why: string): void;
  /** Something worth logging that concerns no batch. */
  onNote?(note: string): void;
  /** A batch was answered in full: the thread reads its buffer no more. */
  onBufferDone?(buffer: SharedArrayBuffer): void;
}

/** The longest a synchronous wait for one batch lasts (SQLite's busy timeout is 5 s); then the writer counts as lost. */
const SYNC_WAIT_LIMIT_MS = 30_000;
/** The longest a close waits for the thread to close its connection (it may still be starting). */
const STOP_WAIT_LIMIT_MS = 5_000;


export class WriterThread {
  private readonly worker: Worker;
  private readonly flags: Int32Array;
  private readonly answers: MessagePort;
  private nextId = 1;
  /** How many statement texts the thread has been sent. */
  private textsSent = 0;
  private lost = false;
  /** Batches not yet answered in full: parts left to answer, and the buffer holding their values. */
  private readonly unanswered = new Map<number, { parts: number; buffer: SharedArrayBuffer }>();

  constructor(private readonly options: WriterThreadOptions) {
    this.flags = new Int32Array(new SharedArrayBuffer(16));
    const { port1, port2 } = new MessageChannel();
    this.answers = port1;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const addon = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: options.file, driver, addon, pragmas: options.pragmas, flags: this.flags.buffer, answers: port2, tags: { NULL: TAG_NULL, NUMBER: TAG_NUMBER, TEXT: TAG_TEXT, BYTES: TAG_BYTES, SHARED_ROWS: TAG_SHARED_ROWS, NULL_FIELD } },
      transferList: [port2],
    });
    this.worker.unref();
    port1.on('message', (message: WriterMessage) => this.answered(message));
    port1.unref();
    // A thread that cannot start or dies must not take the process with it.
    this.worker.on('error', (error) => this.lose(error.message));
    this.worker.on('exit', (code) => this.lose(`it exited with code ${code}`));
  }

  /** True once the thread's connection is open, until it is lost or stopped. */
  get ready(): boolean {
    if (this.lost) return false;
    const state = Atomics.load(this.flags, READY);
    if (state === -1) this.drain(); // its answer says why; onLost follows
    return state === 1;
  }

  /**
   * Sends a batch: new statement texts, settings to apply first, and its statements encoded in `buffer`
   * (shared-values.ts; `shared`: the buffers its rows records point into): up to `durableEnd` its
   * durable part (one transaction, answered at once), from there to `end` its deferred part (committed
   * once no durable part is waiting, with the other deferred parts, and answered apart). Answers the
   * batch's id.
   */
  post(
    texts: readonly string[],
    buffer: SharedArrayBuffer,
    durableEnd: number,
    end: number,
    shared: readonly SharedArrayBuffer[] = [],
    pragmas: readonly string[] = [],
  ): number {
    const id = this.nextId++;
    const firstText = this.textsSent;
    const newTexts = texts.slice(firstText);
    this.textsSent = texts.length;
    this.worker.postMessage({ id, firstText, texts: newTexts, buffer, durableEnd, end, shared, pragmas });
    Atomics.store(this.flags, SENT, id); // after the post: the thread finds the message once it sees this
    // A batch unanswered keeps the process alive (its waiters are promises); an idle writer does not.
    if (this.unanswered.size === 0) this.answers.ref();
    this.unanswered.set(id, { parts: end > durableEnd ? 2 : 1, buffer });
    return id;
  }

  /**
   * Blocks until batch `id` is answered (its answer goes to onAnswer before this returns); false when
   * the thread did not answer within SYNC_WAIT_LIMIT_MS or is gone (then it counts as lost).
   */
  waitFor(id: number, part: BatchPart = 'durable'): boolean {
    const flag = DONE[part];
    const deadline = performance.now() + SYNC_WAIT_LIMIT_MS;
    while (Atomics.load(this.flags, flag) < id) {
      if (this.lost || Atomics.load(this.flags, READY) === -1) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.flags, flag, Atomics.load(this.flags, flag), Math.min(left, 1000));
    }
    this.drain();
    if (Atomics.load(this.flags, flag) >= id) return true;
    this.lose(`it did not answer within ${SYNC_WAIT_LIMIT_MS / 1000} s`);
    return false;
  }

  /**
   * Closes the thread's connection and waits for that (bounded), so the data dir can be removed or
   * opened again as soon as the store is closed.
   */
  stop(): void {
    if (this.lost) return;
    this.lost = true;
    this.drain();
    // Not yet opening its connection (a short CLI command, a test): it never will, nothing to wait for.
    if (Atomics.compareExchange(this.flags, READY, STARTING, CANCELLED) === STARTING) return;
    this.worker.postMessage('stop');
    const deadline = performance.now() + STOP_WAIT_LIMIT_MS;
    for (let state = Atomics.load(this.flags, READY); state === OPENING || state === 1; state = Atomics.load(this.flags, READY)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.flags, READY, state, left);
    }
  }

  /** Hands every answer already sent to onAnswer, without waiting for the event loop. */
  private drain(): void {
    for (let received = receiveMessageOnPort(this.answers); received; received = receiveMessageOnPort(this.answers)) {
      this.answered(received.message as WriterMessage);
    }
  }

  private answered(answer: WriterMessage): void {
    if ('note' in answer) return this.options.onNote?.(answer.note);
    if (answer.id === 0) return this.lose(answer.error?.message ?? 'it could not start');
    const batch = this.unanswered.get(answer.id);
    if (batch && --batch.parts === 0) {
      this.unanswered.delete(answer.id);
      this.options.onBufferDone?.(batch.buffer);
      if (this.unanswered.size === 0) this.answers.unref();
    }
    this.options.onAnswer(answer);
  }

  private lose(why: string): void {
    if (this.lost) return;
    this.lost = true;
    this.drain(); // batches it committed before it went are answered first
    this.answers.unref();
    this.worker.terminate().catch(() => {});
    this.options.onLost(why);
  }
}
