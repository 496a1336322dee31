/**
 * Loading one billing period: one SELECT (built by cur/select.ts) creates the period table; the table, the export's
 * view, the column mapping, the state and the cost model's views (model/views.ts, through `afterReplace`) change in
 * one transaction — all or nothing. No row passes through
 * JavaScript.
 */
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import { OutOfMemoryError, isOutOfMemory, type Connection } from "./duckdb.ts";
import { dataTable, periodTable, type Period } from "./naming.ts";
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

export async function loadPeriod(con: Connection, spec: PeriodLoad): Promise<{ rows: number; table: string }> {
  const table = periodTable(spec.tablePrefix, spec.period);
  const qualified = dataTable(table);
  const interrupted = () => {
    if (spec.signal?.aborted) throw new InterruptedError();
  };
  const onAbort = () => con.interrupt();
  spec.signal?.addEventListener("abort", onAbort, { once: true });
  await con.run("BEGIN TRANSACTION");
  try {
    const poll = spec.onProgress
      ? setInterval(() => {
          const pct = Number(con.progress.percentage);
          if (pct >= 0) spec.onProgress?.(pct);
        }, 250)
      : undefined;
    try {
      await con.run(`CREATE OR REPLACE TABLE ${qualified} AS\n${spec.select}`);
    } catch (err) {
      interrupted();
      throw explainLoadError(err, spec.files);
    } finally {
      clearInterval(poll);
    }
    interrupted();
    await spec.pause?.("load");
    interrupted();
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
    // Write the period into the database file now: frees the memory its fresh blocks hold (a wide period table
    // otherwise pins a block per column until DuckDB's own checkpoint) and keeps the WAL short.
    await con.run("CHECKPOINT");
    return { rows, table };
  } catch (err) {
    try {
      await con.run("ROLLBACK");
    } catch {
      /* the transaction is already gone */
    }
    throw err;
  } finally {
    spec.signal?.removeEventListener("abort", onAbort);
  }
}
