/**
 * Loading one spooled period: the attempt is recorded first (a crash leaves a trace), the gzip files are checked whole
 * beside DuckDB's load, and the period commits only if they are. The DuckDB threads and memory limit of the load are
 * chosen from the period's column count, and a period that runs out of memory is loaded again with the next settings
 * of load-settings.ts (one thread, then more memory); a failure is recorded with its cause.
 */
import type { ConsolaInstance } from "consola";
import type { PausePoint } from "../config/tuning.ts";
import { InterruptedError, errorMessage } from "../errors.ts";
import type { ProgressSink } from "../output/progress.ts";
import { isInvalidated, isOutOfMemory, literal, OutOfMemoryError, type Connection } from "../store/duckdb.ts";
import { loadPeriod } from "../store/load.ts";
import { finishAttempt, startAttempt } from "../store/state.ts";
import { rebuildFocus } from "../model/views.ts";
import { loadAttempts, memorySizeText, type FileShape, type LoadSettings } from "./load-settings.ts";
import { attemptOf, flavourOf, type ImportPlan } from "./plan.ts";
import { periodSelect, type LocalFile } from "./select.ts";
import type { SpooledPeriod } from "./spool.ts";
import { verifyGzipFiles } from "./verify.ts";

/** The first line of an error's message, cut to `max` characters (DuckDB's messages run on with hints). */
const firstLine = (err: unknown, max: number) => errorMessage(err).split("\n")[0].slice(0, max);

async function applySettings(con: Connection, s: LoadSettings): Promise<void> {
  await con.run(`SET threads = ${Math.trunc(s.threads)}`);
  await con.run(`SET memory_limit = '${Math.trunc(s.memoryLimitBytes)}B'`);
}

/**
 * What the memory of a load depends on, from the files themselves: for CSV, how many columns are read from JSON
 * into a MAP (`types`, the CSV SELECT's); for Parquet, the largest row group (compressed bytes of its column chunks)
 * and how many there are, from the footers (a few KiB per file). A footer DuckDB cannot
 * read is left to the load, whose error names the file.
 */
export async function fileShape(con: Connection, files: LocalFile[], types: Map<string, string> = new Map()): Promise<FileShape> {
  if (!files.every((f) => f.format === "parquet")) return { format: "csv", mapColumns: [...types.values()].filter((t) => t.startsWith("MAP")).length };
  try {
    const list = `[${files.map((f) => literal(f.path)).join(", ")}]`;
    const rows = (
      await con.runAndReadAll(
        `SELECT coalesce(max(bytes), 0)::DOUBLE, count(*)::DOUBLE FROM (SELECT sum(total_compressed_size) AS bytes FROM parquet_metadata(${list}) GROUP BY file_name, row_group_id)`,
      )
    ).getRows();
    const [largest, groups] = rows[0] as [number, number];
    return { format: "parquet", largestRowGroupBytes: largest, rowGroups: groups };
  } catch {
    return { format: "parquet", largestRowGroupBytes: 0, rowGroups: Number.POSITIVE_INFINITY };
  }
}

export interface LoadSpooledOptions {
  con: Connection;
  /** The DuckDB threads the connection runs with. */
  threads: number;
  /** The connection's memory limit as configured, in bytes, and whether the user chose it. */
  memoryLimitBytes: number;
  memoryLimitFromUser: boolean;
  signal: AbortSignal;
  now: () => Date;
  progress: ProgressSink;
  log: ConsolaInstance;
  pause?: (point: PausePoint) => Promise<void>;
  /** Detach and attach the database again (after DuckDB invalidated it: a checkpoint ran out of memory). */
  reopen?: () => Promise<Connection>;
}

export async function loadSpooled(plan: ImportPlan, spooled: SpooledPeriod, o: LoadSpooledOptions): Promise<number> {
  const { manifest } = plan;
  const name = `${plan.export.name} ${plan.discovered.period}`;
  const id = await startAttempt(o.con, attemptOf(plan, o.now(), { files: spooled.files.length, bytes: spooled.bytes }));
  o.progress.phase(`${name}: loading ${spooled.files.length} file(s) into DuckDB`);
  const started = performance.now();
  // Runs beside DuckDB's load; the period commits only once every gzip file has proved whole.
  const verified = verifyGzipFiles(spooled.files);
  verified.catch(() => undefined);
  try {
    const select = await periodSelect({ files: spooled.files, columns: manifest.columns, flavour: flavourOf(plan.curVersion, manifest) });
    if (select.extra.length > 0) {
      const listed = select.extra.map((h) => `"${h}"`).join(", ");
      o.log.warn(`${name}: ${select.extra.length} column(s) in the CSV header that the manifest does not list were loaded too (AWS's documented type, else text): ${listed}`);
    }
    let current: LoadSettings = { threads: o.threads, memoryLimitBytes: o.memoryLimitBytes };
    const load = () =>
      loadPeriod(o.con, {
        exportName: plan.export.name,
        tablePrefix: plan.tablePrefix,
        period: plan.discovered.period,
        version: manifest.version,
        attemptId: id,
        select: select.sql,
        files: spooled.files,
        sources: select.sources,
        bytes: spooled.bytes,
        signal: o.signal,
        now: o.now,
        onProgress: (pct) => o.progress.percent(pct),
        pause: o.pause,
        afterReplace: async (con) => {
          const t = performance.now();
          o.log.debug(`${name}: rows in the table after ${((t - started) / 1000).toFixed(2)} s; building the cost model and the reports' summaries`);
          // Fewer threads are for the load of a wide period (a block per column and thread); the summaries read the
          // committed table back and group it on every configured thread: 400 columns, 500,000 rows, 400 MB: 31 s on
          // one thread, 17 s on two. They go back only after success: in a transaction that failed, DuckDB refuses
          // the SET too ("Current transaction is aborted"), which hid the failure (and an out of memory from the
          // retry); every attempt sets its own threads anyway.
          if (current.threads < o.threads) await con.run(`SET threads = ${Math.trunc(o.threads)}`);
          // Seconds to minutes on a big or wide period: a phase of its own, not a load stuck near 100 %.
          o.progress.phase(`${name}: building the cost model and the reports' summaries`);
          await rebuildFocus(con, plan.export.name, plan.tablePrefix, plan.discovered.period, (pct) => o.progress.percent(pct));
          if (current.threads < o.threads) await con.run(`SET threads = ${Math.trunc(current.threads)}`);
          o.log.debug(`${name}: cost model and summaries built in ${((performance.now() - t) / 1000).toFixed(2)} s`);
        },
        beforeCommit: () => verified,
      });
    const columns = manifest.columns.length + select.extra.length;
    const configured: LoadSettings = { threads: o.threads, memoryLimitBytes: o.memoryLimitBytes };
    // A limit the user chose is kept as it is: their files' footers are not read for it.
    const shape = o.memoryLimitFromUser ? undefined : await fileShape(o.con, spooled.files, select.types);
    const attempts = loadAttempts({ columns, ...configured, memoryLimitFromUser: o.memoryLimitFromUser, shape });
    let rows: number | undefined;
    try {
      for (const [k, settings] of attempts.entries()) {
        await applySettings(o.con, settings);
        current = settings;
        if (k === 0 && (settings.threads !== configured.threads || settings.memoryLimitBytes !== configured.memoryLimitBytes)) {
          const groups = shape?.format === "parquet" ? `, Parquet row groups up to ${memorySizeText(shape.largestRowGroupBytes)}` : "";
          o.log.debug(`${name}: ${columns} columns${groups}: loading on ${settings.threads} thread(s) with ${memorySizeText(settings.memoryLimitBytes)}`);
        }
        try {
          ({ rows } = await load());
          break;
        } catch (err) {
          // A checkpoint that ran out of memory leaves the database unusable until it is attached again; the
          // period's transaction either committed (its WAL is replayed) or did not, and loading it again is safe.
          if (isInvalidated(err) && o.reopen) {
            o.log.warn(`${name}: DuckDB had to let go of the database (${firstLine(err, 160)}); attaching it again`);
            o.con = await o.reopen();
          }
          const next = attempts[k + 1];
          if (!(err instanceof OutOfMemoryError || isOutOfMemory(err)) || !next || o.signal.aborted) throw err;
          o.log.debug(`${name}: DuckDB: ${firstLine(err, 240)}`);
          o.log.warn(`${name}: out of memory on ${settings.threads} DuckDB thread(s) with ${memorySizeText(settings.memoryLimitBytes)}; loading again on ${next.threads} with ${memorySizeText(next.memoryLimitBytes)}`);
        }
      }
    } finally {
      await applySettings(o.con, configured);
    }
    if (rows === undefined) throw new Error("no load attempt ran");
    o.log.debug(`${name}: loaded in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return rows;
  } catch (loadError) {
    const interrupted = loadError instanceof InterruptedError || o.signal.aborted;
    // A damaged gzip file often shows as a CSV error first: the file's own fault is the clearer message.
    const err = interrupted ? loadError : await verified.then(() => loadError, (gzipError: unknown) => gzipError);
    await finishAttempt(o.con, id, interrupted ? "interrupted" : "failed", interrupted ? "interrupted (Ctrl-C)" : errorMessage(err), o.now());
    throw err;
  }
}
