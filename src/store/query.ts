/** Read-only access to the database: `finops query`, list-exports, show-state, a dry run's plan. */
import { existsSync } from "node:fs";
import { openDatabase, type Connection } from "./duckdb.ts";
import { hasState } from "./state.ts";

export interface QueryResult {
  columns: string[];
  types: string[];
  rows: unknown[][];
}

/** Open read-only and run `fn`; a database that does not exist (or holds no finops state) reads as `empty`. */
export async function withReadOnly<T>(database: string, empty: T, fn: (con: Connection) => Promise<T>): Promise<T> {
  if (!existsSync(database)) return empty;
  const { instance, connection } = await openDatabase(database, { readOnly: true });
  try {
    if (!(await hasState(connection))) return empty;
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function runQuery(database: string, sql: string): Promise<QueryResult> {
  const { instance, connection } = await openDatabase(database, { readOnly: true });
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
  }
}
