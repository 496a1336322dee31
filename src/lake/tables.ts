/** The lake's tables and their columns, from the database: `focus` (FOCUS_COLUMNS) and one `raw_{export}` per export. */
import { FOCUS_COLUMNS } from "../model/focus.ts";
import type { Connection } from "../store/duckdb.ts";
import { DATA_SCHEMA, stateTable } from "../store/naming.ts";
import type { LakeTable } from "./ddl.ts";

export async function lakeTables(con: Connection): Promise<LakeTable[]> {
  const exportsWithData = await con.runAndReadAll(
    `SELECT e.table_prefix FROM ${stateTable("exports")} e WHERE EXISTS (SELECT 1 FROM ${stateTable("periods")} p WHERE p.export = e.name) ORDER BY 1`,
  );
  const prefixes = exportsWithData.getRows().map(([p]) => String(p));
  if (prefixes.length === 0) return [];
  const tables: LakeTable[] = [{ name: "focus", folder: "focus", columns: FOCUS_COLUMNS }];
  for (const prefix of prefixes) {
    const cols = await con.runAndReadAll(
      "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = $1 AND table_name = $2 ORDER BY column_index",
      [DATA_SCHEMA, prefix],
    );
    tables.push({ name: `raw_${prefix}`, folder: `raw/${prefix}`, columns: cols.getRows().map(([n, t]) => [String(n), String(t)]) });
  }
  return tables;
}
