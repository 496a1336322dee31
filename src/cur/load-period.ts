/**
 * Loading one spooled period: the attempt is recorded first (a crash leaves a trace), the gzip files are checked whole
 * beside DuckDB's load, and the period commits only if they are. A period that runs out of memory on several DuckDB
 * threads is loaded again on one; a failure is recorded with its cause.
 */
import type { ConsolaInstance } from "consola";
import type { PausePoint } from "../config/tuning.ts";
import { InterruptedError, errorMessage } from "../errors.ts";
import type { ProgressSink } from "../output/progress.ts";
import { OutOfMemoryError, type Connection } from "../store/duckdb.ts";
import { loadPeriod } from "../store/load.ts";
import { finishAttempt, startAttempt } from "../store/state.ts";
import { attemptOf, flavourOf, type ImportPlan } from "./plan.ts";
import { periodSelect } from "./select.ts";
import type { SpooledPeriod } from "./spool.ts";
import { verifyGzipFiles } from "./verify.ts";

export interface LoadSpooledOptions {
  con: Connection;
  /** The DuckDB threads the connection runs with. */
  threads: number;
  signal: AbortSignal;
  now: () => Date;
  progress: ProgressSink;
  log: ConsolaInstance;
  pause?: (point: PausePoint) => Promise<void>;
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
        beforeCommit: () => verified,
      });
    let rows: number;
    try {
      ({ rows } = await load());
    } catch (err) {
      // Every DuckDB thread holds a row group in memory: a period too wide for the limit is loaded again on one.
      if (!(err instanceof OutOfMemoryError) || o.threads === 1 || o.signal.aborted) throw err;
      o.log.warn(`${name}: out of memory with ${o.threads} DuckDB threads; loading again on one (a larger --memory-limit is faster)`);
      await o.con.run("SET threads = 1");
      try {
        ({ rows } = await load());
      } finally {
        await o.con.run(`SET threads = ${o.threads}`);
      }
    }
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
