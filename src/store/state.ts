/**
 * Bookkeeping in schema `finops`: the exports, every load attempt, the current version of each period, and the
 * mapping from source header to column. Billing data lives in schema `aws_billing`.
 */
import { AppError } from "../errors.ts";
import { ident, type Connection } from "./duckdb.ts";

export const DATA_SCHEMA = "aws_billing";
export const STATE_SCHEMA = "finops";

export async function ensureSchema(con: Connection): Promise<void> {
  await con.run(`
    CREATE SCHEMA IF NOT EXISTS ${ident(DATA_SCHEMA)};
    CREATE SCHEMA IF NOT EXISTS ${ident(STATE_SCHEMA)};
    CREATE SEQUENCE IF NOT EXISTS finops.load_id START 1;
    CREATE TABLE IF NOT EXISTS finops.exports (
      name VARCHAR NOT NULL,
      table_prefix VARCHAR NOT NULL,
      flavour VARCHAR,
      cur_version VARCHAR,
      bucket VARCHAR,
      prefix VARCHAR,
      created_at TIMESTAMP
    );
    CREATE TABLE IF NOT EXISTS finops.loads (
      id BIGINT NOT NULL,
      export VARCHAR NOT NULL,
      billing_period VARCHAR NOT NULL,
      version VARCHAR,
      manifest_key VARCHAR,
      manifest_etag VARCHAR,
      files INTEGER,
      bytes BIGINT,
      rows BIGINT,
      started_at TIMESTAMP,
      finished_at TIMESTAMP,
      outcome VARCHAR NOT NULL,
      error VARCHAR
    );
    CREATE TABLE IF NOT EXISTS finops.periods (
      export VARCHAR NOT NULL,
      billing_period VARCHAR NOT NULL,
      version VARCHAR NOT NULL,
      load_id BIGINT NOT NULL,
      table_name VARCHAR NOT NULL,
      rows BIGINT NOT NULL,
      files INTEGER,
      bytes BIGINT,
      imported_at TIMESTAMP
    );
    CREATE TABLE IF NOT EXISTS finops.columns (
      export VARCHAR NOT NULL,
      billing_period VARCHAR NOT NULL,
      source_name VARCHAR NOT NULL,
      column_name VARCHAR NOT NULL,
      column_type VARCHAR
    );
  `);
}

export interface ExportRecord {
  name: string;
  tablePrefix: string;
  flavour: string;
  curVersion: string;
  bucket: string;
  prefix: string;
}

/** Record the export, refusing a second export whose name cleans to the same table prefix. */
export async function registerExport(con: Connection, exp: ExportRecord, now: Date): Promise<void> {
  const clash = await con.runAndReadAll("SELECT name FROM finops.exports WHERE table_prefix = $1 AND name <> $2", [exp.tablePrefix, exp.name]);
  const other = clash.getRows()[0]?.[0];
  if (other !== undefined) {
    throw new AppError(`export "${exp.name}" would share the tables aws_billing.${exp.tablePrefix}_* with export "${String(other)}"`, {
      hint: "Two exports whose names differ only in case or punctuation cannot live in one database: rename one or use another --database.",
    });
  }
  const existing = await con.runAndReadAll("SELECT count(*) FROM finops.exports WHERE name = $1", [exp.name]);
  if (Number(existing.getRows()[0][0]) === 0) {
    await con.run("INSERT INTO finops.exports VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      exp.name,
      exp.tablePrefix,
      exp.flavour,
      exp.curVersion,
      exp.bucket,
      exp.prefix,
      now.toISOString().replace("T", " ").replace("Z", ""),
    ]);
  } else {
    await con.run("UPDATE finops.exports SET flavour = $2, cur_version = $3, bucket = $4, prefix = $5 WHERE name = $1", [
      exp.name,
      exp.flavour,
      exp.curVersion,
      exp.bucket,
      exp.prefix,
    ]);
  }
}

export interface CurrentPeriod {
  version: string;
  rows: number;
  tableName: string;
}

export async function currentPeriods(con: Connection, exportName: string): Promise<Map<string, CurrentPeriod>> {
  const reader = await con.runAndReadAll("SELECT billing_period, version, rows, table_name FROM finops.periods WHERE export = $1", [exportName]);
  const out = new Map<string, CurrentPeriod>();
  for (const [period, version, rows, table] of reader.getRows()) {
    out.set(String(period), { version: String(version), rows: Number(rows), tableName: String(table) });
  }
  return out;
}

export function sqlTimestamp(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

export interface AttemptStart {
  export: string;
  period: string;
  version: string;
  manifestKey: string;
  manifestEtag: string;
  files: number;
  bytes: number;
  startedAt: Date;
}

/** Record the start of a load attempt (its own small transaction), so a crash leaves a trace that is not a lie. */
export async function startAttempt(con: Connection, a: AttemptStart): Promise<number> {
  const reader = await con.runAndReadAll(
    `INSERT INTO finops.loads (id, export, billing_period, version, manifest_key, manifest_etag, files, bytes, started_at, outcome)
     VALUES (nextval('finops.load_id'), $1, $2, $3, $4, $5, $6, $7, $8, 'started') RETURNING id`,
    [a.export, a.period, a.version, a.manifestKey, a.manifestEtag, a.files, a.bytes, sqlTimestamp(a.startedAt)],
  );
  return Number(reader.getRows()[0][0]);
}

export async function finishAttempt(con: Connection, id: number, outcome: "failed" | "interrupted", error: string, at: Date): Promise<void> {
  await con.run("UPDATE finops.loads SET outcome = $2, error = $3, finished_at = $4 WHERE id = $1", [id, outcome, error, sqlTimestamp(at)]);
}

/**
 * Attempts still marked `started` belong to a process that died (DuckDB lets one process write a file at a time):
 * say so. Their period tables were never committed, so the previous versions are intact.
 */
export async function markAbandonedAttempts(con: Connection, at: Date): Promise<number> {
  const reader = await con.runAndReadAll(
    "UPDATE finops.loads SET outcome = 'interrupted', error = 'the process ended before the load finished', finished_at = $1 WHERE outcome = 'started' RETURNING id",
    [sqlTimestamp(at)],
  );
  return reader.getRows().length;
}
