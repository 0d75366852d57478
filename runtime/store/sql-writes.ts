// A batch of SQL writes recorded as data, so the same batch can be committed on the main connection
// or handed to the writer thread (writer-thread.ts), which prepares the statements on its own.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import { readStatements, type SharedValues } from './shared-values';

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
 * The writes of one commit, encoded as they are made into shared memory (shared-values.ts): statement
 * number, parameter count, the parameters, and again. No array of a burst's values is built first:
 * its strings then die young instead of being kept, and copied, by every scavenge until the commit.
 */
export class EncodedWrites implements SqlWrites {
  statements = 0;

  constructor(
    private readonly names: StatementNames,
    readonly values: SharedValues,
  ) {}

  run(sql: string, ...params: unknown[]): void {
    const values = this.values;
    const start = values.length;
    try {
      values.writeValue(this.names.idOf(sql));
      values.writeValue(params.length);
      for (let i = 0; i < params.length; i++) values.writeValue(params[i]);
    } catch (error) {
      values.length = start; // no half-written statement
      throw error;
    }
    this.statements++;
  }
}

/** Runs encoded writes on a connection in one transaction, its statements prepared once. */
export class StatementRunner {
  private readonly statements: Array<Statement<unknown[]> | undefined> = [];

  constructor(
    private readonly db: Db,
    private readonly names: StatementNames,
  ) {}

  commit(buffer: SharedArrayBuffer, from: number, to: number): void {
    this.db.transaction(() => {
      readStatements(buffer, from, to, (id, params) => {
        const statement = (this.statements[id] ??= this.db.prepare<unknown[]>(this.names.texts[id]));
        statement.run(...params);
      });
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
