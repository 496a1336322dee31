/**
 * Loading one billing period: every file of the period read by DuckDB itself in one statement (`read_csv` with the
 * manifest's types, or `read_parquet`), into a new period table; the table, the export's view, the column mapping
 * and the state change in one transaction — all or nothing. No row passes through JavaScript.
 */
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import { readCsvHeader } from "../cur/csv-header.ts";
import type { ManifestColumn } from "../cur/manifest.ts";
import { periodTable } from "../cur/naming.ts";
import { legacyColumnNames } from "../cur/naming.ts";
import { cur2ColumnType, legacyColumnType, type SqlType } from "../cur/types.ts";
import { ident, literal, varcharList, type Connection } from "./duckdb.ts";
import { DATA_SCHEMA, sqlTimestamp } from "./state.ts";

export type Flavour = "legacy" | "cur2" | "focus";

export interface LocalFile {
  /** The spooled copy. */
  path: string;
  /** Where it came from (for messages). */
  source: string;
  format: "csv" | "parquet";
  gzip: boolean;
}

export interface LoadSpec {
  exportName: string;
  tablePrefix: string;
  period: string;
  flavour: Flavour;
  version: string;
  files: LocalFile[];
  columns: ManifestColumn[];
  attemptId: number;
  bytes: number;
  signal?: AbortSignal;
  now: () => Date;
  /** Called a few times a second while DuckDB reads the files, with the share done (0–100). */
  onProgress?: (percent: number) => void;
  /** Crash-test pause points (src/debug-pause.ts). */
  pause?: (point: "load" | "commit") => Promise<void>;
  /** Must resolve before the transaction commits (the whole-file checks running beside the load). */
  beforeCommit?: () => Promise<void>;
}

export class LoadError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "LoadError";
  }
}

interface ColumnPlan {
  /** source header → column name */
  names: Map<string, string>;
  /** column name → type */
  types: Map<string, SqlType>;
}

function sameSet(a: string[], b: string[]): { missing: string[]; extra: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { missing: b.filter((x) => !sa.has(x)), extra: a.filter((x) => !sb.has(x)) };
}

function sample(list: string[]): string {
  const shown = list.slice(0, 3).map((x) => `"${x}"`).join(", ");
  return list.length > 3 ? `${shown} and ${list.length - 3} more` : shown;
}

/** The SELECT that reads every CSV file of the period, matched to the manifest by header name, not position. */
async function csvSelect(spec: LoadSpec): Promise<{ sql: string; plan: ColumnPlan }> {
  const headers: string[][] = [];
  for (const f of spec.files) {
    try {
      headers.push(await readCsvHeader(f.path, f.gzip));
    } catch (err) {
      throw new LoadError(`${f.source}: cannot read the CSV header: ${errorMessage(err)}`, err);
    }
  }
  const manifestHeaders = spec.columns.map((c) => c.header);
  const manifestType = new Map(spec.columns.map((c) => [c.header, c.type]));
  for (const [i, h] of headers.entries()) {
    const dup = h.find((x, j) => h.indexOf(x) !== j);
    if (dup !== undefined) throw new LoadError(`${spec.files[i].source}: the CSV header has the column "${dup}" twice`);
    if (manifestHeaders.length === 0) continue;
    const { missing, extra } = sameSet(h, manifestHeaders);
    if (extra.length) throw new LoadError(`${spec.files[i].source}: the CSV header has columns the manifest does not list: ${sample(extra)}`);
    if (missing.length) throw new LoadError(`${spec.files[i].source}: the CSV header lacks columns the manifest lists: ${sample(missing)}`);
  }
  const all = [...new Set([...manifestHeaders, ...headers.flat()])];
  const names = spec.flavour === "legacy" ? legacyColumnNames(all) : new Map(all.map((h) => [h, h]));
  const types = new Map<string, SqlType>();
  for (const h of all) {
    const t = spec.flavour === "legacy" ? legacyColumnType(h, manifestType.get(h)) : cur2ColumnType(h, manifestType.get(h));
    types.set(names.get(h)!, t);
  }
  // One read_csv per distinct header (usually one for the whole period), glued by name.
  const groups = new Map<string, { header: string[]; files: LocalFile[] }>();
  spec.files.forEach((f, i) => {
    const key = JSON.stringify(headers[i]);
    const g = groups.get(key) ?? { header: headers[i], files: [] };
    g.files.push(f);
    groups.set(key, g);
  });
  const selects = [...groups.values()].map((g) => {
    const cols = g.header.map((h) => {
      const name = names.get(h)!;
      const t = types.get(name)!;
      return `${literal(name)}: ${literal(t.startsWith("MAP") ? "VARCHAR" : t)}`;
    });
    const maps = g.header
      .map((h) => names.get(h)!)
      .filter((n) => types.get(n)!.startsWith("MAP"))
      .map((n) => `CAST(json(${ident(n)}) AS ${types.get(n)}) AS ${ident(n)}`);
    const files = `[${g.files.map((f) => literal(f.path)).join(", ")}]`;
    const gz = g.files[0].gzip ? "gzip" : "none";
    const read = `read_csv(${files}, header = true, columns = {${cols.join(", ")}}, auto_detect = false, delim = ',', quote = '"', escape = '"', compression = '${gz}')`;
    return `SELECT *${maps.length ? ` REPLACE (${maps.join(", ")})` : ""} FROM ${read}`;
  });
  return { sql: selects.join("\nUNION ALL BY NAME\n"), plan: { names, types } };
}

function parquetSelect(spec: LoadSpec): string {
  return `SELECT * FROM read_parquet([${spec.files.map((f) => literal(f.path)).join(", ")}], union_by_name = true, hive_partitioning = false)`;
}

/** DuckDB's multi-line errors → one line that names the S3 object, the column and a sample of the bad value. */
export function explainLoadError(err: unknown, files: LocalFile[]): string {
  let text = errorMessage(err);
  for (const f of files) text = text.split(f.path).join(f.source);
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const conversion = lines.find((l) => l.startsWith("Error when converting column"));
  const file = lines.find((l) => l.startsWith("file ="))?.slice("file =".length).trim();
  const line = /CSV Error on Line: (\d+)/.exec(text)?.[1];
  if (conversion) {
    return `${file ?? "a data file"}${line ? ` line ${line}` : ""}: ${conversion.replace(/^Error when converting column/, "column")}`;
  }
  if (/No magic bytes found|too small to be a Parquet file|not a parquet file/i.test(text)) {
    const named = /file '([^']+)'/.exec(text)?.[1] ?? file ?? "a data file";
    return `${named}: not a Parquet file`;
  }
  if (/^Out of Memory Error/.test(lines[0] ?? "")) return `${lines[0]} — give DuckDB more memory with --memory-limit (or database.memory_limit)`;
  return lines[0] ?? "load failed";
}

export interface LoadResult {
  rows: number;
  table: string;
}

async function rebuildView(con: Connection, exportName: string, prefix: string): Promise<void> {
  const reader = await con.runAndReadAll("SELECT table_name FROM finops.periods WHERE export = $1 ORDER BY billing_period", [exportName]);
  const tables = reader.getRows().map((r) => String(r[0]));
  const view = `${ident(DATA_SCHEMA)}.${ident(prefix)}`;
  if (tables.length === 0) {
    await con.run(`DROP VIEW IF EXISTS ${view}`);
    return;
  }
  const body = tables.map((t) => `SELECT * FROM ${ident(DATA_SCHEMA)}.${ident(t)}`).join("\nUNION ALL BY NAME\n");
  await con.run(`CREATE OR REPLACE VIEW ${view} AS\n${body}`);
}

/** The one SELECT that reads every file of a period with the manifest's types (also the benchmark's baseline). */
export async function periodSelect(spec: Pick<LoadSpec, "files" | "columns" | "flavour">): Promise<{ sql: string; plan?: ColumnPlan }> {
  if (spec.files.length === 0) throw new LoadError("the manifest lists no data files (an empty delivery): nothing to load");
  return spec.files[0].format === "parquet" ? { sql: parquetSelect(spec as LoadSpec), plan: undefined } : await csvSelect(spec as LoadSpec);
}

export async function loadPeriod(con: Connection, spec: LoadSpec): Promise<LoadResult> {
  const select = await periodSelect(spec);
  const table = periodTable(spec.tablePrefix, spec.period);
  const qualified = `${ident(DATA_SCHEMA)}.${ident(table)}`;

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
      await con.run(`CREATE OR REPLACE TABLE ${qualified} AS\n${select.sql}`);
    } catch (err) {
      if (spec.signal?.aborted) throw new InterruptedError();
      throw new LoadError(explainLoadError(err, spec.files), err);
    } finally {
      clearInterval(poll);
    }
    if (spec.signal?.aborted) throw new InterruptedError();
    await spec.pause?.("load");
    if (spec.signal?.aborted) throw new InterruptedError();
    const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM ${qualified}`)).getRows()[0][0]);
    const now = sqlTimestamp(spec.now());

    await con.run("DELETE FROM finops.columns WHERE export = $1 AND billing_period = $2", [spec.exportName, spec.period]);
    const mapped = [...(select.plan?.names ?? [])];
    const sources = varcharList(mapped.map(([h]) => h));
    const names = varcharList(mapped.map(([, n]) => n));
    await con.run(
      `INSERT INTO finops.columns
       SELECT $1, $2, coalesce(m.source, c.column_name), c.column_name, c.data_type
       FROM duckdb_columns() c
       LEFT JOIN (SELECT unnest($5::VARCHAR[]) AS source, unnest($6::VARCHAR[]) AS name) m ON m.name = c.column_name
       WHERE c.schema_name = $3 AND c.table_name = $4
       ORDER BY c.column_index`,
      [spec.exportName, spec.period, DATA_SCHEMA, table, sources.value, names.value],
      [undefined, undefined, undefined, undefined, sources.type, names.type] as never,
    );
    await con.run("DELETE FROM finops.periods WHERE export = $1 AND billing_period = $2", [spec.exportName, spec.period]);
    await con.run("INSERT INTO finops.periods VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", [
      spec.exportName,
      spec.period,
      spec.version,
      spec.attemptId,
      table,
      rows,
      spec.files.length,
      spec.bytes,
      now,
    ]);
    await con.run("UPDATE finops.loads SET outcome = 'imported', rows = $2, finished_at = $3 WHERE id = $1", [spec.attemptId, rows, now]);
    await rebuildView(con, spec.exportName, spec.tablePrefix);
    await spec.beforeCommit?.();
    await spec.pause?.("commit");
    if (spec.signal?.aborted) throw new InterruptedError();
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
