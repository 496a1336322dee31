/** What the database holds: per export (list-exports) and per period with its load history (show-state). */
import { existsSync } from "node:fs";
import { openDatabase, type Connection } from "./duckdb.ts";

export interface ExportSummary {
  name: string;
  flavour: string;
  source: string;
  periods: number;
  firstPeriod: string | null;
  lastPeriod: string | null;
  rows: number;
  lastImport: string | null;
  view: string;
}

export interface PeriodState {
  export: string;
  period: string;
  version: string;
  rows: number;
  files: number | null;
  bytes: number | null;
  importedAt: string | null;
  table: string;
}

export interface LoadRecord {
  id: number;
  export: string;
  period: string;
  version: string | null;
  manifestKey: string | null;
  manifestEtag: string | null;
  files: number | null;
  bytes: number | null;
  rows: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  outcome: string;
  error: string | null;
  current: boolean;
}

/** Open read-only and run `fn`; a database that does not exist (or holds no finops state) reads as empty. */
export async function withReadOnly<T>(database: string, empty: T, fn: (con: Connection) => Promise<T>): Promise<T> {
  if (!existsSync(database)) return empty;
  const { instance, connection } = await openDatabase(database, { readOnly: true });
  try {
    const has = await connection.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'finops' AND table_name = 'periods'");
    if (Number(has.getRows()[0][0]) === 0) return empty;
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const ts = (v: unknown) => (v === null || v === undefined ? null : `${String(v).replace(" ", "T")}Z`);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function exportSummaries(database: string): Promise<ExportSummary[]> {
  return withReadOnly(database, [], async (con) => {
    const reader = await con.runAndReadAll(`
      SELECT e.name, e.flavour, e.bucket, e.prefix, e.table_prefix,
             count(p.billing_period) AS periods, min(p.billing_period), max(p.billing_period),
             coalesce(sum(p.rows), 0)::BIGINT, max(p.imported_at)::VARCHAR
      FROM finops.exports e LEFT JOIN finops.periods p ON p.export = e.name
      GROUP BY ALL ORDER BY e.name`);
    return reader.getRows().map((r) => ({
      name: String(r[0]),
      flavour: r[1] === "legacy" ? "legacy CUR" : r[1] === "focus" ? "FOCUS" : "CUR 2.0",
      source: `s3://${r[2]}/${r[3]}`,
      periods: Number(r[5]),
      firstPeriod: r[6] === null ? null : String(r[6]),
      lastPeriod: r[7] === null ? null : String(r[7]),
      rows: Number(r[8]),
      lastImport: ts(r[9]),
      view: `aws_billing.${String(r[4])}`,
    }));
  });
}

export async function periodStates(database: string, exportName?: string): Promise<PeriodState[]> {
  return withReadOnly(database, [], async (con) => {
    const reader = await con.runAndReadAll(
      `SELECT export, billing_period, version, rows, files, bytes, imported_at::VARCHAR, table_name FROM finops.periods
       WHERE $1::VARCHAR IS NULL OR export = $1 ORDER BY export, billing_period`,
      [exportName ?? null],
    );
    return reader.getRows().map((r) => ({
      export: String(r[0]),
      period: String(r[1]),
      version: String(r[2]),
      rows: Number(r[3]),
      files: num(r[4]),
      bytes: num(r[5]),
      importedAt: ts(r[6]),
      table: `aws_billing.${String(r[7])}`,
    }));
  });
}

export async function loadHistory(database: string, period: string, exportName?: string): Promise<LoadRecord[]> {
  return withReadOnly(database, [], async (con) => {
    const reader = await con.runAndReadAll(
      `SELECT l.id, l.export, l.billing_period, l.version, l.manifest_key, l.manifest_etag, l.files, l.bytes, l.rows,
              l.started_at::VARCHAR, l.finished_at::VARCHAR, l.outcome, l.error, (p.load_id IS NOT NULL) AS current
       FROM finops.loads l LEFT JOIN finops.periods p ON p.load_id = l.id
       WHERE l.billing_period = $1 AND ($2::VARCHAR IS NULL OR l.export = $2)
       ORDER BY l.export, l.id`,
      [period, exportName ?? null],
    );
    return reader.getRows().map((r) => ({
      id: Number(r[0]),
      export: String(r[1]),
      period: String(r[2]),
      version: r[3] === null ? null : String(r[3]),
      manifestKey: r[4] === null ? null : String(r[4]),
      manifestEtag: r[5] === null ? null : String(r[5]),
      files: num(r[6]),
      bytes: num(r[7]),
      rows: num(r[8]),
      startedAt: ts(r[9]),
      finishedAt: ts(r[10]),
      outcome: String(r[11]),
      error: r[12] === null ? null : String(r[12]),
      current: Boolean(r[13]),
    }));
  });
}
