// A batch of SQL writes recorded as data, so the same batch can be committed on the main connection
// or handed to the writer thread (writer-thread.ts), which prepares the statements on its own.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import { fieldTexts, type FieldRows, readStatements, type SharedValues } from './shared-values';

/** What a write source calls to write its rows: a statement's text and its parameters. */
export interface SqlWrites {
  run(sql: string, ...params: unknown[]): void;
  /** Runs `sql` once per row: its parameters are the row's fields, then `rest`. */
  runRows(sql: string, rows: FieldRows, ...rest: unknown[]): void;
}

/** Rows a rows record holds at most: the writer thread asks whether to give way between records. */
const ROWS_PER_RECORD = 256;

/**
 * Numbers for statement texts: a batch names its statements by number, the text travels once. A
 * statement given long text (shared-values.ts: bound as its UTF-8 bytes) is a variant of its own,
 * which casts those parameters to text: bound as they are, they would be stored as BLOBs.
 */
export class StatementNames {
  /** By text, the id of each variant, indexed by the mask of its parameters given as long text. */
  private readonly ids = new Map<string, number[]>();
  readonly texts: string[] = [];

  /** `longText`: bit i set when parameter i is given as long text. */
  idOf(sql: string, longText = 0): number {
    let variants = this.ids.get(sql);
    if (!variants) this.ids.set(sql, (variants = []));
    let id = variants[longText];
    if (id === undefined) {
      id = variants[longText] = this.texts.length;
      this.texts.push(longText ? castingText(sql, longText) : sql);
    }
    return id;
  }
}

/** Parameters from this index on are written as ordinary text (a mask is a 31-bit integer). */
const MASKED_PARAMETERS = 31;

/**
 * `sql` with its parameters in `mask` (by position among its `?` placeholders) cast to text. Only
 * anonymous `?` placeholders are counted; quoted text is skipped.
 */
export function castingText(sql: string, mask: number): string {
  let out = '';
  let parameter = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '?') {
      if (/[0-9]/.test(sql[i + 1] ?? '')) throw new Error(`statement uses numbered parameters, which long text cannot be cast in: ${sql}`);
      const cast = parameter < MASKED_PARAMETERS && (mask & (1 << parameter)) !== 0;
      parameter++;
      if (cast) {
        out += 'CAST(? AS TEXT)';
        continue;
      }
    }
    out += char;
  }
  if (32 - Math.clz32(mask) > parameter) throw new Error(`statement has ${parameter} parameters, fewer than its long text needs: ${sql}`);
  return out;
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
      values.writeValue(0); // the statement's number, once its variant is known
      values.writeValue(params.length);
      let longText = 0;
      for (let i = 0; i < params.length; i++) if (values.writeValue(params[i], i < MASKED_PARAMETERS)) longText |= 1 << i;
      values.setNumberAt(start, this.names.idOf(sql, longText));
    } catch (error) {
      values.length = start; // no half-written statement
      throw error;
    }
    this.statements++;
  }

  runRows(sql: string, rows: FieldRows, ...rest: unknown[]): void {
    if (rows.fieldCount + rest.length > MASKED_PARAMETERS) throw new RangeError(`rows of ${rows.fieldCount} fields and ${rest.length} more parameters pass the ${MASKED_PARAMETERS} that can be cast to text`);
    const values = this.values;
    for (let from = 0; from < rows.count; from += ROWS_PER_RECORD) {
      const to = Math.min(rows.count, from + ROWS_PER_RECORD);
      const start = values.length;
      try {
        values.writeValue(0); // the statement's number, once its variant is known
        values.writeValue(1 + rest.length);
        values.writeRows(rows, from, to);
        let longText = 2 ** rows.fieldCount - 1; // the fields come first, each long text
        for (let i = 0; i < rest.length; i++) if (values.writeValue(rest[i], true)) longText |= 1 << (rows.fieldCount + i);
        values.setNumberAt(start, this.names.idOf(sql, longText));
      } catch (error) {
        values.length = start;
        throw error;
      }
      this.statements += to - from;
    }
  }
}

/** Runs encoded writes on a connection in one transaction, its statements prepared once. */
export class StatementRunner {
  private readonly statements: Array<Statement<unknown[]> | undefined> = [];

  constructor(
    private readonly db: Db,
    private readonly names: StatementNames,
  ) {}

  commit(values: SharedValues, from: number, to: number): void {
    this.db.transaction(() => {
      readStatements(values.buffer, from, to, values.shared, (id, params) => {
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
    runRows(sql: string, rows: FieldRows, ...rest: unknown[]) {
      for (let i = 0; i < rows.count; i++) this.run(sql, ...fieldTexts(rows.buffers[rows.bufferOf[i]], rows.starts[i], rows.fieldCount), ...rest);
    },
  };
}
