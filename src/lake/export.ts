/**
 * `finops lake export`: publish the database as a Parquet lake (layout.ts), incrementally.
 *
 *   1. read the lake's `_finops_lake.json` (absent: an empty lake) — with nothing changed, the run's only request
 *   2. read the database (read-only, waiting for an import's commit as reports do): every period and its version
 *   3. per period to write, one at a time: open the database read-only, check the period's version again and
 *      `COPY (SELECT … ORDER BY …) TO` a local Parquet file, let the database go; put the file in place as one object
 *      (pause point `lake-upload` before); then (pause point `lake-state`) write the state file and
 *      finops.lake_periods
 *   4. delete the periods the database no longer has, each object before its state entry
 *
 * A kill at any moment leaves every object whole (the old or the new one) and the state at worst one step behind,
 * which only makes the next run write that period again. One failed period does not stop the others.
 */
import type { ConsolaInstance } from "consola";
import { rmSync, statSync } from "node:fs";
import type { LakeTarget } from "../config/lake.ts";
import type { PausePoint, Tuning } from "../config/tuning.ts";
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import { usageStartExpr } from "../model/focus.ts";
import { focusPeriodSelect } from "../model/views.ts";
import { ident, literal, type Connection } from "../store/duckdb.ts";
import { dataTable } from "../store/naming.ts";
import { withBriefWrite, withReadOnly } from "../store/query.ts";
import { countedLoads, exportPeriodColumns, hasFocusState, lakePeriods, lakeRawPeriods, replaceLakePeriods, type LakePeriodRecord } from "../store/state.ts";
import { emptyState, FOCUS_TABLE, focusVersion, objectKey, parseState, PARQUET_OPTIONS, rawVersion, serializeState, STATE_KEY, stateRecords, type LakeState } from "./layout.ts";
import { planLake, wantedPeriods, type PlanItem, type PlanReason, type WantedPeriod } from "./plan.ts";
import { openLakeStore, type LakeStore } from "./target.ts";

/** Progress on stderr (output/progress.ts StderrProgress fits). */
export interface LakeProgress {
  phase(text: string): void;
  /** A passing update of the current phase (redrawn on a terminal, now and then elsewhere). */
  status(text: string): void;
  clear(): void;
}

export interface LakeExportRequest {
  target: LakeTarget;
  database: string;
  tuning: Pick<Tuning, "network" | "spoolRoot">;
  /** The environment the AWS credentials come from. */
  env: Record<string, string | undefined>;
  dryRun: boolean;
  signal: AbortSignal;
  logger: ConsolaInstance;
  progress: LakeProgress;
  now: () => Date;
  /** Crash-test pause points (src/debug-pause.ts). */
  pause?: (point: PausePoint) => Promise<void>;
  /** Told when the database is busy and the export waits for it. */
  onWait?: (message: string) => void;
}

export type LakeAction = "written" | "unchanged" | "deleted" | "failed" | "would write" | "would delete";

export interface LakePeriodResult {
  table: string;
  period: string;
  action: LakeAction;
  reason: PlanReason;
  /** The version written (or to be written); for a delete, the one removed. */
  version: string | null;
  previousVersion: string | null;
  rows: number | null;
  bytes: number | null;
  seconds: number;
  error: string | null;
}

export interface LakeExportResult {
  to: string;
  dryRun: boolean;
  periods: LakePeriodResult[];
}

/** What the database holds, read in one read-only session. */
interface DatabaseView {
  wanted: WantedPeriod[];
  focusReady: boolean;
  mirror: LakePeriodRecord[];
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const rate = (bytes: number, seconds: number) => (seconds > 0 ? (bytes / 1e6 / seconds).toFixed(1) : "-");

class LakeRun {
  readonly results: LakePeriodResult[] = [];
  #state: LakeState = emptyState();
  #mirrorFailed = false;

  constructor(
    private readonly req: LakeExportRequest,
    private readonly store: LakeStore,
  ) {}

  async run(): Promise<void> {
    const { req, store } = this;
    if (!req.dryRun) store.removeStale();
    const text = await store.readState(req.signal);
    this.#state = text === null ? emptyState() : parseState(text, store.where(STATE_KEY));
    const db = await this.readDatabase();
    if (!db.focusReady) req.logger.warn(`${req.database} has no cost model yet (an import builds it): focus/ is left as it is`);
    const plan = planLake(db.wanted, this.#state, db.focusReady ? [] : [FOCUS_TABLE]);
    if (req.dryRun) {
      for (const item of plan) this.results.push(resultOf(item, item.action === "write" ? "would write" : item.action === "delete" ? "would delete" : "unchanged"));
      return;
    }
    // The database's record of this lake follows the lake's own state (a kill may have left it one step behind).
    if (!sameRecords(db.mirror, stateRecords(this.#state))) await this.recordMirror();
    for (const item of plan) {
      if (req.signal.aborted) throw new InterruptedError();
      if (item.action === "skip") this.results.push(resultOf(item, "unchanged"));
      else if (item.action === "write") await this.guard(item, () => this.write(item));
      else await this.guard(item, () => this.remove(item));
    }
  }

  async readDatabase(): Promise<DatabaseView> {
    const { req } = this;
    const view = await withReadOnly<DatabaseView | null>(
      req.database,
      null,
      async (con) => {
        const focusReady = await hasFocusState(con);
        const raw = await lakeRawPeriods(con);
        const counted = focusReady ? await countedLoads(con) : null;
        return { wanted: wantedPeriods(raw, counted), focusReady, mirror: await lakePeriods(con, this.store.url) };
      },
      { onWait: req.onWait, signal: req.signal },
    );
    if (!view || view.wanted.length === 0) {
      throw new AppError(`no billing data in ${req.database}: nothing to export (the lake at ${this.store.url} is left as it is)`, {
        hint: "Import something first (finops aws import-cur), or name the database with -d.",
      });
    }
    return view;
  }

  /** Run one period's work; a failure is recorded and the run goes on, an interruption ends it. */
  async guard(item: PlanItem, work: () => Promise<LakePeriodResult>): Promise<void> {
    const began = performance.now();
    try {
      this.results.push(await work());
    } catch (err) {
      this.req.progress.clear();
      if (err instanceof InterruptedError || this.req.signal.aborted) throw new InterruptedError();
      const message = errorMessage(err);
      this.req.logger.error(`${item.table} ${item.period}: ${message}`);
      this.results.push({ ...resultOf(item, "failed"), error: message, seconds: (performance.now() - began) / 1000 });
    }
  }

  async write(item: PlanItem): Promise<LakePeriodResult> {
    const { req, store } = this;
    const label = `${item.table} ${item.period}`;
    const key = objectKey(item.table, item.period);
    const began = performance.now();
    req.progress.phase(`${label}: writing Parquet (${item.reason})`);
    const staged = store.staging(key);
    try {
      return await this.#write(item, label, key, staged, began);
    } finally {
      rmSync(staged, { force: true }); // put in place (a folder lake) or uploaded: either way no longer needed
    }
  }

  async #write(item: PlanItem, label: string, key: string, staged: string, began: number): Promise<LakePeriodResult> {
    const { req, store } = this;
    const written = await withReadOnly(req.database, null, (con) => copyPeriod(con, item.wanted!, staged), { onWait: req.onWait, signal: req.signal });
    if (!written) throw new AppError(`${req.database} no longer exists`);
    const bytes = statSync(staged).size;
    const copied = performance.now();
    await req.pause?.("lake-upload");
    if (req.signal.aborted) throw new InterruptedError();
    await store.put(key, staged, {
      signal: req.signal,
      onBytes: (sent, total) => {
        const s = (performance.now() - copied) / 1000;
        req.progress.status(`${label}: uploading ${mb(sent)} of ${mb(total)} MB, ${rate(sent, s)} MB/s`);
      },
    });
    const put = performance.now();
    await req.pause?.("lake-state");
    if (req.signal.aborted) throw new InterruptedError();
    const entry = { version: written.version, rows: written.rows, bytes, exportedAt: req.now().toISOString() };
    this.#state.tables[item.table] = { ...this.#state.tables[item.table], [item.period]: entry };
    await store.writeState(serializeState(this.#state), req.signal);
    const stated = performance.now();
    await this.recordMirror();
    req.progress.clear();
    const seconds = (performance.now() - began) / 1000;
    const ms = (a: number, b: number) => `${Math.round(b - a)} ms`;
    req.logger.debug(`${label}: Parquet ${ms(began, copied)}, put in place ${ms(copied, put)}, state file ${ms(put, stated)}, finops.lake_periods ${ms(stated, performance.now())}`);
    const how = store.remote ? `uploaded at ${rate(bytes, (put - copied) / 1000)} MB/s` : `${rate(bytes, seconds)} MB/s`;
    req.logger.info(`${label}: written ${written.rows.toLocaleString("en-US")} rows, ${mb(bytes)} MB in ${seconds.toFixed(1)} s (${how})`);
    return { ...resultOf(item, "written"), version: written.version, rows: written.rows, bytes, seconds };
  }

  async remove(item: PlanItem): Promise<LakePeriodResult> {
    const { req, store } = this;
    const began = performance.now();
    // The object first, then its entry: a kill in between leaves an entry the next run deletes again, never an
    // object no state names.
    await store.remove(objectKey(item.table, item.period), req.signal);
    const periods = { ...this.#state.tables[item.table] };
    delete periods[item.period];
    this.#state.tables[item.table] = periods;
    if (Object.keys(periods).length === 0) delete this.#state.tables[item.table];
    await store.writeState(serializeState(this.#state), req.signal);
    await this.recordMirror();
    req.logger.info(`${item.table} ${item.period}: deleted (no longer in the database)`);
    return { ...resultOf(item, "deleted"), seconds: (performance.now() - began) / 1000 };
  }

  /** finops.lake_periods := the lake's state. It only mirrors the state file, so a failure is a warning, once. */
  async recordMirror(): Promise<void> {
    const { req } = this;
    try {
      await withBriefWrite(req.database, (con) => replaceLakePeriods(con, this.store.url, stateRecords(this.#state)), { onWait: req.onWait, signal: req.signal });
    } catch (err) {
      if (req.signal.aborted) throw new InterruptedError();
      if (!this.#mirrorFailed) req.logger.warn(`could not record the lake's state in ${req.database} (finops.lake_periods): ${errorMessage(err)}; the lake itself is up to date`);
      this.#mirrorFailed = true;
    }
  }
}

function resultOf(item: PlanItem, action: LakeAction): LakePeriodResult {
  const fromDb = item.wanted;
  return {
    table: item.table,
    period: item.period,
    action,
    reason: item.reason,
    version: fromDb?.version ?? item.current?.version ?? null,
    previousVersion: item.current?.version ?? null,
    rows: action === "would write" ? (fromDb?.rows ?? null) : (item.current?.rows ?? fromDb?.rows ?? null),
    bytes: action === "would write" ? null : (item.current?.bytes ?? null),
    seconds: 0,
    error: null,
  };
}

function sameRecords(a: LakePeriodRecord[], b: LakePeriodRecord[]): boolean {
  const key = (r: LakePeriodRecord) => JSON.stringify([r.table, r.period, r.version, r.rows, r.bytes, Date.parse(r.exportedAt)]);
  return a.length === b.length && a.map(key).sort().join("\n") === b.map(key).sort().join("\n");
}

/**
 * Inside one read-only session: the period's version as the database has it now (an import may have committed since
 * the plan) and its rows, sorted, into a Parquet file — the two always match.
 */
async function copyPeriod(con: Connection, w: WantedPeriod, path: string): Promise<{ version: string; rows: number }> {
  let select: string;
  let order: string;
  let version: string;
  if (w.source.kind === "raw") {
    const exportName = w.source.export;
    const p = (await lakeRawPeriods(con)).find((x) => x.export === exportName && x.period === w.period);
    if (!p) throw new AppError(`export ${exportName} no longer has the period ${w.period} in the database; the next run deletes it from the lake`);
    version = rawVersion(p);
    const { flavour, periods } = await exportPeriodColumns(con, exportName);
    const columns = periods.find((x) => x.period === w.period)?.columns ?? [];
    select = `SELECT * FROM ${dataTable(p.table)}`;
    order = (flavour && usageStartExpr(flavour, columns)) ?? "";
  } else {
    const loads = (await countedLoads(con)).filter((c) => c.period === w.period);
    const sql = loads.length ? await focusPeriodSelect(con, w.period, [...new Set(loads.map((l) => l.export))]) : null;
    if (!sql) throw new AppError(`focus.costs no longer has rows of ${w.period}; the next run deletes it from the lake`);
    version = focusVersion(loads);
    select = `SELECT * FROM (\n${sql}\n)`;
    order = ident("ChargePeriodStart");
  }
  const r = await con.runAndReadAll(`COPY (${select}${order ? ` ORDER BY ${order}` : ""}) TO ${literal(path)} (${PARQUET_OPTIONS})`);
  return { version, rows: Number(r.getRows()[0]?.[0] ?? 0) };
}

/** Export the database to the lake `req.target`; the result lists every table and period, in order. */
export async function exportLake(req: LakeExportRequest): Promise<LakeExportResult> {
  const store = await openLakeStore(req.target, { env: req.env, network: req.tuning.network, spoolRoot: req.tuning.spoolRoot });
  const run = new LakeRun(req, store);
  try {
    await run.run();
  } finally {
    req.progress.clear();
    store.close();
  }
  return { to: store.url, dryRun: req.dryRun, periods: run.results };
}
