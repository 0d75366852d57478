// A batch of SQL writes recorded as data, so the same batch can be committed on the main connection
// or handed to the writer thread (writer-thread.ts), which prepares the statements on its own.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';

/** What a write source calls to write its rows: a statement's text and its parameters. */
export interface SqlWrites {
  run(sql: string, ...params: unknown[]): void;
}

/** Numbers for statement texts: a batch names its statements by number, the text travels once. */
export class StatementNames {
  private readonly ids = new Map<string, number>();
  readonly texts: string[] = [];

  idOf(sql: string): number {
    let id = this.ids.get(sql);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(sql, id);
      this.texts.push(sql);
    }
    return id;
  }
}

/**
 * The writes of one commit, flat: statement number, parameter count, the parameters, and again.
 * One array of plain values is what crosses to the writer thread fastest (one structured clone).
 */
export class RecordedWrites implements SqlWrites {
  readonly ops: unknown[] = [];
  statements = 0;

  constructor(private readonly names: StatementNames) {}

  run(sql: string, ...params: unknown[]): void {
    this.statements++;
    const ops = this.ops;
    ops.push(this.names.idOf(sql), params.length);
    for (let i = 0; i < params.length; i++) ops.push(params[i]);
  }

  get empty(): boolean {
    return this.statements === 0;
  }
}

/** Runs recorded writes on a connection in one transaction, its statements prepared once. */
export class StatementRunner {
  private readonly statements: Array<ReturnType<Db['prepare']> | undefined> = [];

  constructor(
    private readonly db: Db,
    private readonly names: StatementNames,
  ) {}

  commit(ops: readonly unknown[]): void {
    this.db.transaction(() => {
      for (let at = 0; at < ops.length; ) {
        const id = ops[at] as number;
        const count = ops[at + 1] as number;
        const statement = (this.statements[id] ??= this.db.prepare(this.names.texts[id]));
        statement.run(...ops.slice(at + 2, at + 2 + count));
        at += 2 + count;
      }
    })();
  }
}

/** SqlWrites that run each statement at once on `db` (inside the caller's transaction), prepared once per text. */
export function directWrites(db: Db): SqlWrites {
  const statements = new Map<string, Statement<unknown[]>>();
  return {
    run(sql: string, ...params: unknown[]) {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare<unknown[]>(sql)));
      statement.run(...params);
    },
  };
}
