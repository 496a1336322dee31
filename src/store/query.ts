/** Read-only access to the database: `finops query`, list-exports, show-state, a dry run's plan; and a brief write beside an import. */
import { existsSync } from "node:fs";
import { DatabaseBusyError, openDatabase, type Connection, type Instance } from "./duckdb.ts";
import { announceReader } from "./readers.ts";
import { hasState } from "./state.ts";

export interface QueryResult {
  columns: string[];
  types: string[];
  rows: unknown[][];
}

export interface ReadOptions {
  /** Told once when an import holds the database and the reader waits for it (stderr). */
  onWait?: (message: string) => void;
  signal?: AbortSignal;
  /** Give up after this long (default 30 minutes: an import lets readers in after the period it is loading). */
  waitMs?: number;
}

/**
 * Open the database read-only. While an import holds it, wait: leave a note for the import (store/readers.ts), which
 * lets go of the file when the period it is loading has committed, and try again every 100 ms.
 */
export async function openForReading(database: string, opts: ReadOptions = {}): Promise<{ instance: Instance; connection: Connection; done: () => void }> {
  const deadline = Date.now() + (opts.waitMs ?? 30 * 60_000);
  let release: (() => void) | undefined;
  try {
    for (;;) {
      try {
        const db = await openDatabase(database, { readOnly: true });
        const r = release;
        release = undefined;
        return { ...db, done: () => r?.() };
      } catch (err) {
        if (!(err instanceof DatabaseBusyError) || Date.now() >= deadline || opts.signal?.aborted) throw err;
        if (!release) {
          release = announceReader(database);
          opts.onWait?.(`an import is writing ${database}${err.pid ? ` (PID ${err.pid})` : ""}; waiting for it to commit the period it is loading…`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    release?.();
  }
}

/** Open read-only and run `fn`; a database that does not exist (or holds no finops state) reads as `empty`. */
export async function withReadOnly<T>(database: string, empty: T, fn: (con: Connection) => Promise<T>, opts: ReadOptions = {}): Promise<T> {
  if (!existsSync(database)) return empty;
  const { instance, connection, done } = await openForReading(database, opts);
  try {
    if (!(await hasState(connection))) return empty;
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
    done();
  }
}

export async function runQuery(database: string, sql: string, opts: ReadOptions = {}): Promise<QueryResult> {
  const { instance, connection, done } = await openForReading(database, opts);
  try {
    const reader = await connection.runAndReadAll(sql);
    return {
      columns: reader.columnNames(),
      types: reader.columnTypes().map((t) => t.toString()),
      rows: reader.getRowsJson() as unknown[][],
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
    done();
  }
}

/**
 * A short write beside an import (e.g. `lake export` recording what the lake holds): announced like a reader, so an
 * import lets go of the file after the period it is loading, then opened for writing; tried every 100 ms while
 * another process holds the file, for at most `waitMs` (default 30 minutes).
 */
export async function withBriefWrite<T>(database: string, fn: (con: Connection) => Promise<T>, opts: ReadOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.waitMs ?? 30 * 60_000);
  const release = announceReader(database);
  try {
    let told = false;
    for (;;) {
      let db: { instance: Instance; connection: Connection } | undefined;
      try {
        db = await openDatabase(database);
      } catch (err) {
        if (!(err instanceof DatabaseBusyError) || Date.now() >= deadline || opts.signal?.aborted) throw err;
        if (!told) opts.onWait?.(`another process holds ${database}${err.pid ? ` (PID ${err.pid})` : ""}; waiting to write to it…`);
        told = true;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        return await fn(db.connection);
      } finally {
        db.connection.closeSync();
        db.instance.closeSync();
      }
    }
  } finally {
    release();
  }
}
