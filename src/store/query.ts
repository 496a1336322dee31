/** Read-only questions to the database: `finops query`. */
import { openDatabase } from "./duckdb.ts";

export interface QueryResult {
  columns: string[];
  types: string[];
  rows: unknown[][];
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
