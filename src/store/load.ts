/**
 * Loading one billing period: one SELECT (built by cur/select.ts) fills a staging table in a transaction of its own;
 * then the period table (the staging table renamed), the export's view, the column mapping, the state and the cost
 * model's views and summaries (model/views.ts, through `afterReplace`) change in one transaction — all or nothing.
 * The staging table is no billing period: no view, state or report reads it, a failed load drops it, and the next
 * load drops any a crash left. It is committed first because DuckDB scans rows a transaction has not committed on one
 * thread: the summaries of a 10,000,000-row period took 12.3 s that way. No row passes through JavaScript.
 */
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import { ident, OutOfMemoryError, isOutOfMemory, type Connection } from "./duckdb.ts";
import { DATA_SCHEMA, dataTable, periodTable, type Period } from "./naming.ts";
import { periodTables, recordPeriod } from "./state.ts";

export class LoadError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "LoadError";
  }
}

/** A file DuckDB reads: the spooled copy, and where it came from (for messages). */
export interface SourceFile {
  path: string;
  source: string;
}

export interface PeriodLoad {
  exportName: string;
  tablePrefix: string;
  period: Period;
  version: string;
  attemptId: number;
  /** The SELECT that reads every file of the period. */
  select: string;
  files: SourceFile[];
  /** Source header → column name (recorded in finops.columns). */
  sources: [string, string][];
  bytes: number;
  signal?: AbortSignal;
  now: () => Date;
  /** Called a few times a second while DuckDB reads the files, with the share done (0–100). */
  onProgress?: (percent: number) => void;
  /** Crash-test pause points (src/debug-pause.ts). */
  pause?: (point: "load" | "commit") => Promise<void>;
  /** Runs in the transaction once the period table and the export's view are in place (the cost model's views). */
  afterReplace?: (con: Connection) => Promise<void>;
  /** Must resolve before the transaction commits (the whole-file checks running beside the load). */
  beforeCommit?: () => Promise<void>;
}

/** DuckDB's multi-line errors → one line that names the S3 object, the column and a sample of the bad value. */
export function explainLoadError(err: unknown, files: SourceFile[]): LoadError | OutOfMemoryError {
  let text = errorMessage(err);
  for (const f of files) text = text.split(f.path).join(f.source);
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (isOutOfMemory(err)) return new OutOfMemoryError(`${lines[0]} — give DuckDB more memory with --memory-limit (or database.memory_limit)`, err);
  const conversion = lines.find((l) => l.startsWith("Error when converting column"));
  const file = lines.find((l) => l.startsWith("file ="))?.slice("file =".length).trim();
  const line = /CSV Error on Line: (\d+)/.exec(text)?.[1];
  if (conversion) {
    return new LoadError(`${file ?? "a data file"}${line ? ` line ${line}` : ""}: ${conversion.replace(/^Error when converting column/, "column")}`, err);
  }
  const long = /Maximum line size of (\d+) bytes exceeded\. Actual Size: ?(\d+) bytes/.exec(text);
  if (long) {
    return new LoadError(`${file ?? "a data file"}${line ? ` line ${line}` : ""}: a line of ${long[2]} bytes, longer than the ${long[1]} bytes DuckDB reads as one line`, err);
  }
  if (/No magic bytes found|too small to be a Parquet file|not a parquet file/i.test(text)) {
    const named = /file '([^']+)'/.exec(text)?.[1] ?? file ?? "a data file";
    return new LoadError(`${named}: not a Parquet file`, err);
  }
  return new LoadError(lines[0] ?? "load failed", err);
}

/** The export's view: the union by name of its period tables, so a column that appears later reads as NULL before. */
async function rebuildView(con: Connection, exportName: string, prefix: string): Promise<void> {
  const tables = await periodTables(con, exportName);
  const view = dataTable(prefix);
  if (tables.length === 0) {
    await con.run(`DROP VIEW IF EXISTS ${view}`);
    return;
  }
  const body = tables.map((t) => `SELECT * FROM ${dataTable(t)}`).join("\nUNION ALL BY NAME\n");
  await con.run(`CREATE OR REPLACE VIEW ${view} AS\n${body}`);
}

/** Tables being loaded are named with this prefix until their period's transaction renames them. */
export const STAGING_PREFIX = "__staging_";

/**
 * Drop the staging tables a crashed load left; once per import, when it opens the database (the import holds it
 * alone, so none is in use). A load that fails drops its own.
 */
export async function dropStaleStaging(con: Connection): Promise<void> {
  const r = await con.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND starts_with(table_name, $2)`,
    [DATA_SCHEMA, STAGING_PREFIX],
  );
  for (const [name] of r.getRows()) await con.run(`DROP TABLE IF EXISTS ${dataTable(String(name))}`);
}

export async function loadPeriod(con: Connection, spec: PeriodLoad): Promise<{ rows: number; table: string }> {
  const table = periodTable(spec.tablePrefix, spec.period);
  const qualified = dataTable(table);
  const staging = dataTable(`${STAGING_PREFIX}${table}`);
  const interrupted = () => {
    if (spec.signal?.aborted) throw new InterruptedError();
  };
  const onAbort = () => con.interrupt();
  spec.signal?.addEventListener("abort", onAbort, { once: true });
  let inTransaction = false;
  try {
    const poll = spec.onProgress
      ? setInterval(() => {
          const pct = Number(con.progress.percentage);
          if (pct >= 0) spec.onProgress?.(pct);
        }, 250)
      : undefined;
    try {
      await con.run(`CREATE OR REPLACE TABLE ${staging} AS\n${spec.select}`);
    } catch (err) {
      interrupted();
      throw explainLoadError(err, spec.files);
    } finally {
      clearInterval(poll);
    }
    // Into the file now: frees the memory the fresh blocks hold (a wide table pins a block per column otherwise).
    await con.run("CHECKPOINT");
    interrupted();
    await spec.pause?.("load");
    interrupted();
    await con.run("BEGIN TRANSACTION");
    inTransaction = true;
    await con.run(`DROP TABLE IF EXISTS ${qualified}`);
    await con.run(`ALTER TABLE ${staging} RENAME TO ${ident(table)}`);
    const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM ${qualified}`)).getRows()[0][0]);
    await recordPeriod(con, {
      export: spec.exportName,
      period: spec.period,
      version: spec.version,
      attemptId: spec.attemptId,
      table,
      rows,
      files: spec.files.length,
      bytes: spec.bytes,
      at: spec.now(),
      sources: spec.sources,
    });
    await rebuildView(con, spec.exportName, spec.tablePrefix);
    await spec.afterReplace?.(con);
    await spec.beforeCommit?.();
    await spec.pause?.("commit");
    interrupted();
    await con.run("COMMIT");
    inTransaction = false;
    // Keeps the WAL short (the summaries and the state of the period).
    await con.run("CHECKPOINT");
    return { rows, table };
  } catch (err) {
    if (inTransaction) {
      try {
        await con.run("ROLLBACK");
      } catch {
        /* the transaction is already gone */
      }
    }
    // Best effort: a database DuckDB invalidated refuses this, and the next load drops the table.
    await con.run(`DROP TABLE IF EXISTS ${staging}`).catch(() => undefined);
    throw err;
  } finally {
    spec.signal?.removeEventListener("abort", onAbort);
  }
}
