/**
 * The import (design.md, "Import flow"), as its steps:
 *   1. open and lock the database, before any S3 work                       (this file, ImportRun.db)
 *   2. plan each export: list periods, read manifests, compare versions     (plan.ts)
 *   3. download a period's files into the spool                             (download-period.ts, spool.ts)
 *   4. load it in one transaction, checked whole                            (load-period.ts → store/load.ts)
 * Downloading the next period overlaps loading this one; exports run side by side, their loads taking turns on the
 * one DuckDB connection. One failed period does not stop the others.
 */
import type { ConsolaInstance } from "consola";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createS3Client } from "../aws/client.ts";
import type { ExportSource } from "../config/exports.ts";
import type { PausePoint, Tuning } from "../config/tuning.ts";
import { AppError, ExitCode, InterruptedError, errorMessage } from "../errors.ts";
import { rebuildMissingFocus } from "../model/views.ts";
import type { ProgressSink } from "../output/progress.ts";
import { forEachConcurrent } from "../pool.ts";
import {
  attachDatabase,
  createInstance,
  DatabaseBusyError,
  describeOpenError,
  detachDatabase,
  ident,
  literal,
  type Connection,
  type Instance,
} from "../store/duckdb.ts";
import { allocatorWarning } from "../store/allocator.ts";
import { waitingReaders } from "../store/readers.ts";
import { cleanExportName, type Period } from "../store/naming.ts";
import { dropStaleStaging } from "../store/load.ts";
import { withReadOnly } from "../store/query.ts";
import { currentPeriods, ensureSchema, finishAttempt, markAbandonedAttempts, registerExport, startAttempt, type CurrentPeriod } from "../store/state.ts";
import { downloadPeriod } from "./download-period.ts";
import { loadSpooled } from "./load-period.ts";
import { attemptOf, exportFlavour, keepPicked, planExport, type ImportPlan, type ImportReason, type PeriodPlan } from "./plan.ts";
import { SpoolBudget, removeStaleSpools, type SpooledPeriod } from "./spool.ts";

export type PeriodStatus = "imported" | "unchanged" | "failed" | "planned";

/** What became of one period (or, with `period` null, of an export whose periods could not even be listed). */
export interface PeriodResult {
  export: string;
  period: Period | null;
  status: PeriodStatus;
  version: string | null;
  previousVersion: string | null;
  reason: ImportReason | "unchanged" | null;
  files: number;
  bytes: number;
  rows: number | null;
  seconds: number;
  error: string | null;
  /** Something the user should know about an imported period (an empty delivery). */
  note: string | null;
}

export interface ImportRequest {
  exports: ExportSource[];
  database: string;
  tuning: Tuning;
  /** The environment the AWS credentials come from (keys, shared files). */
  env: Record<string, string | undefined>;
  force: boolean;
  dryRun: boolean;
  /** Choose the periods to import from the plan (the --pick prompt). Returns the keys `export/period` picked. */
  pick?: (plans: PeriodPlan[]) => Promise<Set<string>>;
  signal: AbortSignal;
  logger: ConsolaInstance;
  progress: ProgressSink;
  now: () => Date;
  /** Wait this long for another process to release the database (--wait). */
  waitMs?: number;
  /** Crash-test pause points (src/debug-pause.ts). */
  pause?: (point: PausePoint) => Promise<void>;
  /** Download the next period while this one loads (default true; false: one period after another). */
  overlap?: boolean;
}

function resultOf(plan: PeriodPlan, status: PeriodStatus, extra: Partial<PeriodResult> = {}): PeriodResult {
  const manifest = plan.action === "failed" ? undefined : plan.manifest;
  return {
    export: plan.export.name,
    period: plan.discovered.period,
    status,
    version: manifest?.version ?? null,
    previousVersion: plan.current?.version ?? null,
    reason: plan.action === "failed" ? null : plan.reason,
    files: manifest?.files.length ?? 0,
    bytes: 0,
    rows: status === "unchanged" ? (plan.current?.rows ?? null) : null,
    seconds: 0,
    error: plan.action === "failed" ? plan.error : null,
    note: null,
    ...extra,
  };
}

/** The import lock's catalog name and file (see ImportRun.db). */
const IMPORT_LOCK = "finops_import_lock";
export function importLockPath(database: string): string {
  return `${database}.import-lock`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class ImportRun {
  #db?: { instance: Instance; connection: Connection; attached: boolean };
  /** Whether the import said it lets the waiting readers in, since it last attached the database. */
  #readersToldOf = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly results: PeriodResult[] = [];

  constructor(private readonly req: ImportRequest) {}

  /**
   * One DuckDB connection serves the whole run, and a load is a transaction on it: every use of the database goes
   * through this queue, so exports imported side by side download at the same time but load one after another.
   * After each use, if a reader waits (a report, a query: store/readers.ts), the import lets go of the database file
   * until the readers are done — so a reader waits at most for the period being loaded to commit.
   */
  exclusive<T>(fn: (con: Connection) => Promise<T>): Promise<T> {
    const next = this.#queue.then(async () => {
      try {
        return await fn(await this.db());
      } finally {
        await this.yieldToReaders();
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async db(): Promise<Connection> {
    if (!this.#db) {
      mkdirSync(dirname(this.req.database), { recursive: true });
      const db = await this.openInstance();
      const allocatorNote = allocatorWarning();
      if (allocatorNote) this.req.logger.warn(allocatorNote);
      await this.attach();
      await ensureSchema(db.connection);
      const abandoned = await markAbandonedAttempts(db.connection, this.req.now());
      if (abandoned > 0) this.req.logger.warn(`${abandoned} earlier load attempt(s) had been cut short (crash or kill); recorded as interrupted`);
      await dropStaleStaging(db.connection);
      // A database imported by a finops before the cost model has periods but no FOCUS views: build them now. If
      // that fails, the import goes on (each period it loads rebuilds its own export's views) and says why.
      try {
        await rebuildMissingFocus(db.connection, (n) => this.req.logger.info(`building the cost model for ${n} export${n === 1 ? "" : "s"} written by an older finops`));
      } catch (err) {
        if (this.req.signal.aborted) throw new InterruptedError();
        this.req.logger.warn(`could not build the cost model of the exports already in the database: ${errorMessage(err)}`);
      }
    } else if (!this.#db.attached) {
      await this.attach();
    }
    return this.#db!.connection;
  }

  /** A fresh DuckDB instance holding the import lock, the database not yet attached. */
  async openInstance(): Promise<{ instance: Instance; connection: Connection; attached: boolean }> {
    const { database, tuning } = this.req;
    const db = await createInstance(database, { memoryLimit: tuning.memoryLimit, threads: tuning.threads });
    this.#db = { ...db, attached: false };
    // One import at a time: the import lock (a small DuckDB file beside the database, locked by DuckDB as any
    // database file) is held for the whole run, while the database itself is let go whenever a reader waits.
    await this.retryWhileBusy(() => db.connection.run(`ATTACH ${literal(importLockPath(database))} AS ${ident(IMPORT_LOCK)}`), {
      waitMs: this.req.waitMs ?? 0,
      onWait: (e) => this.req.logger.info(`${e.message}; waiting for it to finish…`),
    });
    return this.#db;
  }

  /** Attach the database file for writing, once no reader waits; a reader holding it is waited for. */
  async attach(): Promise<void> {
    const db = this.#db;
    if (!db || db.attached) return;
    const { database, signal, logger } = this.req;
    while (waitingReaders(database).length > 0) {
      if (signal.aborted) throw new InterruptedError();
      this.#tellReadersLetIn();
      await sleep(50);
    }
    this.#readersToldOf = false;
    await this.retryWhileBusy(() => attachDatabase(db.connection, database, false), {
      waitMs: Number.POSITIVE_INFINITY,
      onWait: () => logger.info(`a reader holds ${database}; waiting for it to finish…`),
    });
    db.attached = true;
  }

  /** Attach the database again in a new instance (whatever state DuckDB left it in); the new connection. */
  async reattach(): Promise<Connection> {
    // DuckDB will not detach a database it invalidated: start a new instance (the import lock is taken again).
    this.close();
    const db = await this.openInstance();
    await this.attach();
    return db.connection;
  }

  async yieldToReaders(): Promise<void> {
    const db = this.#db;
    if (!db?.attached || waitingReaders(this.req.database).length === 0) return;
    // Said here, when the database is let go: a reader may be in and out again before attach() looks.
    this.#tellReadersLetIn();
    await detachDatabase(db.connection);
    db.attached = false;
  }

  /** Once per letting go of the database: how many readers wait for it. */
  #tellReadersLetIn(): void {
    if (this.#readersToldOf) return;
    this.#readersToldOf = true;
    this.req.logger.info(`letting ${waitingReaders(this.req.database).length} reader(s) of the database in`);
  }

  /** Run `open` until it does not fail for a lock another process holds, for at most `waitMs`. */
  async retryWhileBusy(open: () => Promise<unknown>, o: { waitMs: number; onWait: (e: DatabaseBusyError) => void }): Promise<void> {
    const deadline = Date.now() + o.waitMs;
    let told = false;
    for (;;) {
      try {
        await open();
        return;
      } catch (raw) {
        const err = describeOpenError(raw, this.req.database, false);
        if (!(err instanceof DatabaseBusyError) || Date.now() >= deadline) throw err;
        if (this.req.signal.aborted) throw new InterruptedError();
        if (!told) o.onWait(err);
        told = true;
        await sleep(100);
      }
    }
  }

  close(): void {
    this.#db?.connection.closeSync();
    this.#db?.instance.closeSync();
    this.#db = undefined;
  }

  /** What the database holds of an export; a dry run reads it without creating or changing the database. */
  state(exportName: string): Promise<Map<Period, CurrentPeriod>> {
    if (this.req.dryRun) return withReadOnly(this.req.database, new Map(), (con) => currentPeriods(con, exportName));
    return this.exclusive((con) => currentPeriods(con, exportName));
  }

  async runExport(exp: ExportSource): Promise<void> {
    const { req } = this;
    const client = await createS3Client(exp.aws, req.env, req.tuning.network);
    try {
      let plans: PeriodPlan[];
      try {
        plans = await planExport(exp, { client, state: await this.state(exp.name), force: req.force, signal: req.signal, log: (m) => req.logger.debug(m) });
      } catch (err) {
        if (err instanceof InterruptedError || (err instanceof AppError && err.exitCode === ExitCode.usage)) throw err;
        const none = { version: null, previousVersion: null, reason: null, files: 0, bytes: 0, rows: null, seconds: 0, note: null };
        this.results.push({ export: exp.name, period: null, status: "failed", error: errorMessage(err), ...none });
        req.logger.error(`${exp.name}: ${errorMessage(err)}`);
        return;
      }
      if (req.pick) plans = keepPicked(plans, await req.pick(plans));
      if (plans.length > 0 && !req.dryRun) {
        const record = { name: exp.name, tablePrefix: plans[0].tablePrefix, flavour: exportFlavour(plans), curVersion: plans[0].curVersion, bucket: exp.bucket, prefix: exp.prefix, priority: exp.priority };
        await this.exclusive((con) => registerExport(con, record, req.now()));
      }
      const toImport: ImportPlan[] = [];
      for (const p of plans) {
        if (p.action === "failed") {
          this.results.push(resultOf(p, "failed"));
          req.logger.error(`${exp.name} ${p.discovered.period}: ${p.error}`);
          if (!req.dryRun) await this.recordFailure(p, p.error);
        } else if (p.action === "skip") this.results.push(resultOf(p, "unchanged"));
        else if (req.dryRun) this.results.push(resultOf(p, "planned"));
        else toImport.push(p);
      }
      await this.importPlans(toImport, client);
    } finally {
      client.destroy();
    }
  }

  /** Download period i+1 while period i loads; the spool budget keeps at most about two periods on disk. */
  async importPlans(plans: ImportPlan[], client: Awaited<ReturnType<typeof createS3Client>>): Promise<void> {
    const { req } = this;
    const budget = new SpoolBudget();
    const overlap = req.overlap ?? true;
    const start = (p: ImportPlan) => {
      const began = performance.now();
      return downloadPeriod(p, {
        client,
        budget,
        spoolRoot: req.tuning.spoolRoot,
        progress: req.progress,
        signal: req.signal,
        idleTimeoutMs: req.tuning.idleTimeoutMs,
        pause: req.pause,
        log: (m) => req.logger.debug(m),
      }).then(
        (spooled) => ({ ok: true as const, spooled, began }),
        (error: unknown) => ({ ok: false as const, error, began }),
      );
    };
    let pending = plans.length ? start(plans[0]) : undefined;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      const got = await pending!;
      pending = undefined;
      if (req.signal.aborted) {
        if (got.ok) budget.drop(got.spooled);
        throw new InterruptedError();
      }
      if (overlap && i + 1 < plans.length) pending = start(plans[i + 1]);
      try {
        if (!got.ok) throw got.error;
        await this.load(plan, got.spooled, got.began);
      } catch (err) {
        if (err instanceof InterruptedError || req.signal.aborted) {
          const rest = await pending; // woken by the abort if it waits for spool room
          if (rest?.ok) budget.drop(rest.spooled);
          throw new InterruptedError();
        }
        const message = errorMessage(err);
        req.progress.clear();
        req.logger.error(`${plan.export.name} ${plan.discovered.period}: ${message}`);
        this.results.push(resultOf(plan, "failed", { error: message, seconds: (performance.now() - got.began) / 1000 }));
        if (!got.ok) await this.recordFailure(plan, message);
      } finally {
        if (got.ok) budget.drop(got.spooled);
        if (!overlap && i + 1 < plans.length) pending = start(plans[i + 1]);
      }
    }
  }

  /** `began`: when the period's download began (the summary's seconds cover download and load). */
  load(plan: ImportPlan, spooled: SpooledPeriod, began: number): Promise<void> {
    const { req } = this;
    return this.exclusive(async (con) => {
      const rows = await loadSpooled(plan, spooled, {
        con,
        threads: req.tuning.threads,
        memoryLimitBytes: req.tuning.memoryLimitBytes,
        memoryLimitFromUser: req.tuning.memoryLimitFrom !== "default",
        signal: req.signal, now: req.now, progress: req.progress, log: req.logger, pause: req.pause,
        reopen: () => this.reattach() });
      req.progress.clear();
      const empty = plan.manifest.files.length === 0;
      const note = empty ? "empty delivery: the manifest lists no data files" : null;
      req.logger.info(`${plan.export.name} ${plan.discovered.period}: imported ${rows.toLocaleString("en-US")} rows (version ${plan.manifest.version})${empty ? ` — ${note}` : ""}`);
      this.results.push(resultOf(plan, "imported", { rows, bytes: spooled.bytes, seconds: (performance.now() - began) / 1000, note }));
    });
  }

  /** A period that failed before its load began (manifest, download) still leaves a record. */
  recordFailure(plan: PeriodPlan, message: string): Promise<void> {
    return this.exclusive(async (con) => {
      const id = await startAttempt(con, attemptOf(plan, this.req.now()));
      await finishAttempt(con, id, "failed", message, this.req.now());
    });
  }
}

/** Two exports whose names clean to the same table prefix cannot share a database. */
function checkPrefixes(exports: ExportSource[]): void {
  const prefixes = new Map<string, string>();
  for (const exp of exports) {
    const prefix = cleanExportName(exp.name);
    const other = prefixes.get(prefix);
    if (other !== undefined && other !== exp.name) {
      throw new AppError(`exports "${other}" and "${exp.name}" would share the tables aws_billing.${prefix}_*`, {
        hint: "Export names that differ only in case or punctuation cannot live in one database.",
        exitCode: ExitCode.usage,
      });
    }
    prefixes.set(prefix, exp.name);
  }
}

export async function importCur(req: ImportRequest): Promise<PeriodResult[]> {
  checkPrefixes(req.exports);
  const run = new ImportRun(req);
  try {
    if (!req.dryRun) {
      // Open (and lock) the database first: if another import holds it, say so before touching S3.
      await run.db();
      removeStaleSpools(req.tuning.spoolRoot);
    }
    // Several exports (--all) proceed side by side; with --pick the prompts come one export at a time.
    const parallel = req.pick || req.overlap === false ? 1 : 3;
    await forEachConcurrent(req.exports, parallel, async (exp) => {
      if (req.signal.aborted) throw new InterruptedError();
      await run.runExport(exp);
    });
  } finally {
    req.progress.clear();
    run.close();
  }
  // The summary reads in export order, then by period, whatever order the work finished in.
  const order = new Map(req.exports.map((e, i) => [e.name, i]));
  return run.results.sort((a, b) => (order.get(a.export) ?? 0) - (order.get(b.export) ?? 0) || (a.period ?? "").localeCompare(b.period ?? ""));
}
