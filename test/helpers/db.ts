/** Reading a finops database in tests: what a user would check (rows, cost sums, state). */
import { afterAll, beforeAll } from "bun:test";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/duckdb.ts";

export async function query(db: string, sql: string, params: (string | number | null)[] = []): Promise<Record<string, unknown>[]> {
  const { instance, connection } = await openDatabase(db, { readOnly: true });
  try {
    const reader = await connection.runAndReadAll(sql, params as never);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows and cost sum per period table of an export (period = the table's YYYY_MM suffix). */
export async function periodTotals(db: string, prefix: string, costColumn: string): Promise<Record<string, { rows: number; cost: number }>> {
  const tables = await query(db, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'aws_billing' AND table_name LIKE $1 ESCAPE '\\' ORDER BY 1", [`${prefix}\\_%`]);
  const out: Record<string, { rows: number; cost: number }> = {};
  for (const { table_name } of tables) {
    const t = String(table_name);
    const m = /_(\d{4})_(\d{2})$/.exec(t);
    if (!m || t.slice(0, -8) !== prefix) continue;
    const [r] = await query(db, `SELECT count(*)::BIGINT AS rows, coalesce(round(sum("${costColumn}"), 6), 0)::DOUBLE AS cost FROM aws_billing."${t}"`);
    out[`${m[1]}-${m[2]}`] = { rows: Number(r.rows), cost: Number(r.cost) };
  }
  return out;
}

export async function currentVersions(db: string, exportName: string): Promise<Record<string, string>> {
  const rows = await query(db, "SELECT billing_period, version FROM finops.periods WHERE export = $1 ORDER BY 1", [exportName]);
  return Object.fromEntries(rows.map((r) => [String(r.billing_period), String(r.version)]));
}

/** An order-independent hash over every row of a view (to compare two databases' contents exactly). */
export async function contentHash(db: string, view: string): Promise<string> {
  const [r] = await query(db, `SELECT count(*)::BIGINT AS n, coalesce(sum(hash(t::VARCHAR)), 0)::VARCHAR AS h FROM aws_billing."${view}" t`);
  return `${r.n}:${r.h}`;
}

/** DuckDB alone, in memory: an independent reading of data files (the ground truth a test compares finops with). */
export async function duckdbAlone<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/**
 * A real in-memory DuckDB and an empty scratch folder for the tests of one file: opened before them, closed and
 * removed after. Read `con` and `dir` inside the tests (they are set once the file's tests start).
 */
export function scratchDuckDB(prefix: string): { readonly con: DuckDBConnection; readonly dir: string } {
  const s = {} as { con: DuckDBConnection; dir: string; instance: DuckDBInstance };
  beforeAll(async () => {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    s.dir = mkdtempSync(join(tmpdir(), prefix));
    s.instance = await DuckDBInstance.create(":memory:");
    s.con = await s.instance.connect();
  });
  afterAll(() => {
    s.con?.closeSync();
    s.instance?.closeSync();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}
