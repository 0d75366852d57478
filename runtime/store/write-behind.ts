// Batches small SQLite writes into one transaction per event-loop turn: the engine's hot path
// then pays for a queue push, not for a disk write per event.
import type { Db } from './db';

export class WriteBehind {
  private pending: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

  push(write: () => void): void {
    this.pending.push(write);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || !this.db.open) return;
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const write of batch) write();
    })();
  }
}
