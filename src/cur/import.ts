/**
 * The import flow (design.md, "Import flow"): resolve exports → list billing periods → GET each period's manifest and
 * compare its version with the state → download exactly the manifest's files into a private spool folder → load the
 * whole period in one transaction. Downloading the next period overlaps loading this one. One failed period does not
 * stop the others.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { ConsolaInstance } from "consola";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { createS3Client, type AwsSource } from "../aws/client.ts";
import { downloadObject, getText, headObject, s3Url, type ObjectInfo } from "../aws/s3.ts";
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import type { PausePoint } from "../debug-pause.ts";
import type { ProgressSink } from "../output/progress.ts";
import { formatBytes } from "../output/table.ts";
import { defaultMemoryLimit, defaultThreads, openDatabase, openForWriting, type Connection, type Instance } from "../store/duckdb.ts";
import { loadPeriod, type Flavour, type LocalFile } from "../store/load.ts";
import { currentPeriods, ensureSchema, finishAttempt, markAbandonedAttempts, registerExport, startAttempt, type CurrentPeriod } from "../store/state.ts";
import { discoverPeriods, inRange, type CurVersion, type DiscoveredPeriod } from "./discovery.ts";
import { parseCur2Manifest, parseLegacyManifest, type ParsedManifest } from "./manifest.ts";
import { cleanExportName, type Period } from "./naming.ts";
import { unzipSingleCsv } from "./unzip.ts";
import { verifyGzipFiles } from "./verify.ts";

export interface ExportSource extends AwsSource {
  name: string;
  bucket: string;
  prefix: string;
  curVersion?: CurVersion;
}

export type Outcome = "imported" | "up to date" | "failed" | "would import" | "interrupted";

export interface PeriodOutcome {
  export: string;
  period: Period;
  version: string | null;
  previousVersion: string | null;
  reason: "new" | "changed" | "forced" | "unchanged" | null;
  files: number;
  bytes: number;
  rows: number | null;
  seconds: number;
  outcome: Outcome;
  error: string | null;
}

export interface PlannedPeriod {
  export: ExportSource;
  tablePrefix: string;
  curVersion: CurVersion;
  discovered: DiscoveredPeriod;
  manifest?: ParsedManifest;
  manifestEtag?: string;
  manifestLastModified?: Date;
  current?: CurrentPeriod;
  action: "import" | "skip" | "failed";
  reason: PeriodOutcome["reason"];
  error?: string;
}

export interface ImportRequest {
  exports: ExportSource[];
  database: string;
  memoryLimit?: string;
  force: boolean;
  dryRun: boolean;
  start?: Period;
  end?: Period;
  /** Choose the periods to import from the plan (the --pick prompt). Returns the keys `export/period` picked. */
  pick?: (plans: PlannedPeriod[]) => Promise<Set<string>>;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  logger: ConsolaInstance;
  progress: ProgressSink;
  now: () => Date;
  /** Where downloads are spooled (default: the system temporary folder). */
  spoolRoot?: string;
  /** How many files download at once. */
  concurrency?: number;
  /** A body that sends nothing for this long fails and resumes (default 30 s; FINOPS_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
  /** Wait this long for another process to release the database (--wait). */
  waitMs?: number;
  /** Crash-test pause points (src/debug-pause.ts). */
  pause?: (point: PausePoint) => Promise<void>;
  /** Download the next period while this one loads (default true; false: one period after another). */
  overlap?: boolean;
}

const SPOOL_PREFIX = "finops-spool-";

/** Fail early, before any byte is downloaded, when the spool folder's disk cannot hold the period. */
export function checkDiskSpace(root: string, needed: number, zip: boolean, statfs: (p: string) => { bavail: number | bigint; bsize: number | bigint } = statfsSync): void {
  const fs = statfs(root);
  const free = Number(fs.bavail) * Number(fs.bsize);
  // A ZIP is unpacked beside itself; CSV text is typically 10x its ZIP.
  const required = zip ? needed * 11 : needed;
  if (free < required) {
    throw new AppError(`not enough free disk space in ${root} for this period: ${formatBytes(required)} needed, ${formatBytes(free)} free`, {
      hint: "Free some space, or point TMPDIR at a larger disk.",
    });
  }
}

/** Spool folders left by a process that no longer runs (a crash, SIGKILL) are removed. */
export function removeStaleSpools(root: string): number {
  let removed = 0;
  if (!existsSync(root)) return 0;
  for (const entry of readdirSync(root)) {
    const m = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`).exec(entry);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) {
      rmSync(join(root, entry), { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}

function flavourOf(curVersion: CurVersion, manifest: ParsedManifest): Flavour {
  if (curVersion === "v1") return "legacy";
  return manifest.columns.some((c) => c.header === "BilledCost" || c.header === "ChargePeriodStart") ? "focus" : "cur2";
}

/** The export's flavour, from the first manifest that could be read. */
function exportFlavour(plans: PlannedPeriod[]): Flavour {
  const withManifest = plans.find((p) => p.manifest);
  if (withManifest) return flavourOf(withManifest.curVersion, withManifest.manifest!);
  return plans[0].curVersion === "v1" ? "legacy" : "cur2";
}

function periodKey(exportName: string, period: string): string {
  return `${exportName}/${period}`;
}

function safeName(key: string): string {
  return basename(key).replace(/[^A-Za-z0-9._-]/g, "_");
}

interface Spooled {
  dir: string;
  files: LocalFile[];
  bytes: number;
  /** What this period holds of the spool budget (released when its folder is removed). */
  reserved: number;
  periodBytes: number;
}

/**
 * Keeps the spool folder near one period: while a period loads, the next one downloads only until the spool holds 20%
 * more than the larger of the two, then waits for the load to finish and free its files. A file larger than that
 * still downloads when the spool is otherwise empty.
 */
export class SpoolBudget {
  #used = 0;
  #periods: number[] = [];
  #waiters: (() => void)[] = [];
  constructor(private readonly slack = 1.2) {}

  get used(): number {
    return this.#used;
  }

  enter(periodBytes: number): void {
    this.#periods.push(periodBytes);
  }

  async reserve(size: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new InterruptedError();
      const limit = this.slack * Math.max(0, ...this.#periods);
      if (this.#used === 0 || this.#used + size <= limit) {
        this.#used += size;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  /** A period's folder is gone: give back what it held. */
  leave(periodBytes: number, reserved: number): void {
    const i = this.#periods.indexOf(periodBytes);
    if (i >= 0) this.#periods.splice(i, 1);
    this.#used = Math.max(0, this.#used - reserved);
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

class ImportRun {
  #db?: { instance: Instance; connection: Connection };
  #dbQueue: Promise<unknown> = Promise.resolve();
  #threads = 1;
  /** The most the spool budget held at once (bytes), for --verbose. */
  peakSpool = 0;

  /**
   * One DuckDB connection serves the whole run, and a load is a transaction on it: every use of the database goes
   * through this queue, so exports imported side by side download at the same time but load one after another.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#dbQueue.then(fn, fn);
    this.#dbQueue = next.catch(() => undefined);
    return next;
  }
  readonly results: PeriodOutcome[] = [];
  readonly spoolRoot: string;

  constructor(private readonly req: ImportRequest) {
    this.spoolRoot = req.spoolRoot ?? tmpdir();
  }

  get log() {
    return this.req.logger;
  }

  async db(): Promise<Connection> {
    if (!this.#db) {
      mkdirSync(dirname(this.req.database), { recursive: true });
      this.#threads = defaultThreads(undefined, this.req.env);
      this.#db = await openForWriting(this.req.database, {
        memoryLimit: this.req.memoryLimit ?? defaultMemoryLimit(),
        threads: this.#threads,
        waitMs: this.req.waitMs,
        signal: this.req.signal,
        onWait: (e) => this.log.info(`${e.message}; waiting for it to finish…`),
      });
      await ensureSchema(this.#db.connection);
      const abandoned = await markAbandonedAttempts(this.#db.connection, this.req.now());
      if (abandoned > 0) this.log.warn(`${abandoned} earlier load attempt(s) had been cut short (crash or kill); recorded as interrupted`);
    }
    return this.#db.connection;
  }

  /** State for the plan; a dry run reads it without creating or changing the database. */
  async currentState(exportName: string): Promise<Map<string, CurrentPeriod>> {
    if (!this.req.dryRun) return this.exclusive(async () => currentPeriods(await this.db(), exportName));
    if (!existsSync(this.req.database)) return new Map();
    const ro = await openDatabase(this.req.database, { readOnly: true });
    try {
      const exists = await ro.connection.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'finops' AND table_name = 'periods'");
      if (Number(exists.getRows()[0][0]) === 0) return new Map();
      return await currentPeriods(ro.connection, exportName);
    } finally {
      ro.connection.closeSync();
      ro.instance.closeSync();
    }
  }

  close(): void {
    if (this.#db) {
      this.#db.connection.closeSync();
      this.#db.instance.closeSync();
      this.#db = undefined;
    }
  }

  async planExport(exp: ExportSource, client: S3Client): Promise<PlannedPeriod[]> {
    const tablePrefix = cleanExportName(exp.name);
    const { curVersion, periods } = await discoverPeriods({
      client,
      bucket: exp.bucket,
      prefix: exp.prefix,
      name: exp.name,
      curVersion: exp.curVersion,
      signal: this.req.signal,
    });
    const selected = periods.filter((p) => inRange(p.period, this.req.start, this.req.end));
    this.log.debug(`${exp.name}: ${periods.length} billing period(s) in s3://${exp.bucket}/${exp.prefix}, ${selected.length} selected`);
    const state = await this.currentState(exp.name);
    const plans: PlannedPeriod[] = [];
    for (const discovered of selected) {
      if (this.req.signal.aborted) throw new InterruptedError();
      const current = state.get(discovered.period);
      const base = { export: exp, tablePrefix, curVersion, discovered, current };
      try {
        const obj = await getText(client, exp.bucket, discovered.manifestKey, this.req.signal);
        const manifest =
          curVersion === "v1"
            ? parseLegacyManifest(obj.text, discovered.manifestKey, exp.bucket)
            : parseCur2Manifest(obj.text, discovered.manifestKey, exp.bucket, obj.etag);
        const changed = !current || current.version !== manifest.version;
        const action = changed || this.req.force ? "import" : "skip";
        const reason = !current ? "new" : changed ? "changed" : this.req.force ? "forced" : "unchanged";
        plans.push({ ...base, manifest, manifestEtag: obj.etag, manifestLastModified: obj.lastModified, action, reason });
      } catch (err) {
        if (err instanceof InterruptedError) throw err;
        plans.push({ ...base, action: "failed", reason: null, error: errorMessage(err) });
      }
    }
    return plans;
  }

  /** Sizes and ETags of the period's files (HEAD, several at once): the disk check, and the ETag every byte is pinned to. */
  async inspect(plan: PlannedPeriod, client: S3Client): Promise<ObjectInfo[]> {
    const files = plan.manifest!.files;
    const infos: ObjectInfo[] = new Array(files.length);
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        infos[i] = await headObject(client, files[i].bucket, files[i].key, this.req.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
    return infos;
  }

  checkDiskSpace(plan: PlannedPeriod, needed: number): void {
    mkdirSync(this.spoolRoot, { recursive: true });
    checkDiskSpace(this.spoolRoot, needed, plan.manifest!.compression === "zip");
  }

  async download(plan: PlannedPeriod, client: S3Client, budget: SpoolBudget): Promise<Spooled> {
    const manifest = plan.manifest!;
    const t0 = performance.now();
    const infos = await this.inspect(plan, client);
    const periodBytes = infos.reduce((a, b) => a + b.size, 0);
    this.checkDiskSpace(plan, periodBytes);
    const dir = mkdtempSync(join(this.spoolRoot, `${SPOOL_PREFIX}${process.pid}-`));
    budget.enter(periodBytes);
    let reserved = 0;
    try {
      const files: LocalFile[] = manifest.files.map((f, i) => {
        const name = `${String(i + 1).padStart(5, "0")}-${safeName(f.key)}`;
        return {
          path: join(dir, name),
          source: s3Url(f.bucket, f.key),
          format: manifest.format,
          gzip: manifest.compression === "gzip" || f.key.endsWith(".gz"),
        };
      });
      let done = 0;
      let filesDone = 0;
      const total = files.length;
      const expected = infos.reduce((a, b) => a + b.size, 0);
      const label = `${plan.export.name} ${plan.discovered.period}: downloading`;
      this.req.progress.phase(`${label} ${total} file(s)`);
      const report = () => this.req.progress.bytes(label, done, Math.max(expected, done), filesDone, total);
      let next = 0;
      const worker = async () => {
        while (next < files.length) {
          const i = next++;
          const ref = manifest.files[i];
          await budget.reserve(infos[i].size, this.req.signal);
          reserved += infos[i].size;
          this.peakSpool = Math.max(this.peakSpool, budget.used);
          await downloadObject(client, ref.bucket, ref.key, files[i].path, {
            signal: this.req.signal,
            etag: infos[i].etag,
            size: infos[i].size,
            idleTimeoutMs: this.req.idleTimeoutMs,
            onBytes: (n) => {
              done += n;
              report();
            },
          });
          filesDone += 1;
          if (filesDone === 1) await this.req.pause?.("download");
          if (this.req.signal.aborted) throw new InterruptedError();
          if (manifest.compression === "zip") {
            const csv = files[i].path.replace(/\.zip$/i, "");
            try {
              await unzipSingleCsv(files[i].path, csv);
            } catch (err) {
              throw new AppError(`${files[i].source}: cannot unpack the ZIP file: ${errorMessage(err)}`);
            }
            rmSync(files[i].path, { force: true });
            files[i] = { ...files[i], path: csv, gzip: false };
          }
          report();
        }
      };
      const concurrency = Math.max(1, Math.min(this.req.concurrency ?? 4, files.length));
      await Promise.all(Array.from({ length: concurrency }, worker));
      // The download's buffers are garbage now: collect them before DuckDB needs the memory.
      Bun.gc(true);
      this.log.debug(`${plan.export.name} ${plan.discovered.period}: downloaded ${files.length} file(s), ${formatBytes(done)}, in ${((performance.now() - t0) / 1000).toFixed(2)} s (spool peak so far ${formatBytes(this.peakSpool)})`);
      // Overwrite mode rewrites files in place: if the manifest changed while we read, the files may mix deliveries.
      const again = await getText(client, plan.export.bucket, plan.discovered.manifestKey, this.req.signal);
      if (plan.manifestEtag && again.etag !== plan.manifestEtag) {
        throw new AppError(`${s3Url(plan.export.bucket, plan.discovered.manifestKey)} changed while the period was downloading; run the import again`);
      }
      return { dir, files, bytes: done, reserved, periodBytes };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      budget.leave(periodBytes, reserved);
      throw err;
    }
  }

  result(plan: PlannedPeriod, outcome: Outcome, extra: Partial<PeriodOutcome> = {}): PeriodOutcome {
    const r: PeriodOutcome = {
      export: plan.export.name,
      period: plan.discovered.period,
      version: plan.manifest?.version ?? null,
      previousVersion: plan.current?.version ?? null,
      reason: plan.reason,
      files: plan.manifest?.files.length ?? 0,
      bytes: 0,
      rows: plan.current && outcome === "up to date" ? plan.current.rows : null,
      seconds: 0,
      outcome,
      error: plan.error ?? null,
      ...extra,
    };
    this.results.push(r);
    return r;
  }

  async runExport(exp: ExportSource): Promise<void> {
    const client = await createS3Client(exp, this.req.env);
    try {
      let plans: PlannedPeriod[];
      try {
        plans = await this.planExport(exp, client);
      } catch (err) {
        if (err instanceof InterruptedError) throw err;
        if (err instanceof AppError && err.exitCode === 2) throw err;
        this.results.push({
          export: exp.name,
          period: "-",
          version: null,
          previousVersion: null,
          reason: null,
          files: 0,
          bytes: 0,
          rows: null,
          seconds: 0,
          outcome: "failed",
          error: errorMessage(err),
        });
        this.log.error(`${exp.name}: ${errorMessage(err)}`);
        return;
      }
      if (this.req.pick) {
        const picked = await this.req.pick(plans);
        plans = plans.filter((p) => picked.has(periodKey(exp.name, p.discovered.period)));
        for (const p of plans) if (p.action === "skip") p.action = "import";
      }
      if (plans.length > 0 && !this.req.dryRun) {
        await this.exclusive(async () => registerExport(
          await this.db(),
          {
            name: exp.name,
            tablePrefix: plans[0].tablePrefix,
            flavour: exportFlavour(plans),
            curVersion: plans[0].curVersion,
            bucket: exp.bucket,
            prefix: exp.prefix,
          },
          this.req.now(),
        ));
      }
      for (const p of plans) {
        if (p.action === "failed") {
          this.result(p, "failed");
          this.log.error(`${exp.name} ${p.discovered.period}: ${p.error}`);
          if (!this.req.dryRun) await this.recordFailure(p, p.error ?? "failed");
        } else if (p.action === "skip") this.result(p, "up to date");
        else if (this.req.dryRun) this.result(p, "would import");
      }
      if (this.req.dryRun) return;
      await this.importPlans(plans.filter((p) => p.action === "import"), client);
    } finally {
      client.destroy();
    }
  }

  /** Download period i+1 while period i loads; at most two periods are spooled at once. */
  async importPlans(plans: PlannedPeriod[], client: S3Client): Promise<void> {
    const budget = new SpoolBudget();
    const drop = (s: Spooled) => {
      rmSync(s.dir, { recursive: true, force: true });
      budget.leave(s.periodBytes, s.reserved);
    };
    const start = (p: PlannedPeriod) => {
      const began = performance.now();
      const promise = this.download(p, client, budget).then(
        (s) => ({ ok: true as const, spooled: s, began }),
        (error: unknown) => ({ ok: false as const, error, began }),
      );
      return promise;
    };
    let pending = plans.length ? start(plans[0]) : undefined;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      const got = await pending!;
      pending = undefined;
      if (this.req.signal.aborted) {
        if (got.ok) drop(got.spooled);
        throw new InterruptedError();
      }
      const overlap = this.req.overlap ?? true;
      if (overlap && i + 1 < plans.length) pending = start(plans[i + 1]);
      try {
        if (!got.ok) throw got.error;
        await this.loadOne(plan, got.spooled, got.began);
      } catch (err) {
        if (err instanceof InterruptedError || this.req.signal.aborted) {
          const rest = await pending; // woken by the abort if it waits for spool room
          if (rest?.ok) drop(rest.spooled);
          throw new InterruptedError();
        }
        const message = errorMessage(err);
        this.req.progress.clear();
        this.log.error(`${plan.export.name} ${plan.discovered.period}: ${message}`);
        this.result(plan, "failed", { error: message, seconds: (performance.now() - got.began) / 1000 });
        if (!got.ok) await this.recordFailure(plan, message);
      } finally {
        if (got.ok) drop(got.spooled);
        if (!overlap && i + 1 < plans.length) pending = start(plans[i + 1]);
      }
    }
  }

  recordFailure(plan: PlannedPeriod, message: string): Promise<void> {
    return this.exclusive(() => this.#recordFailure(plan, message));
  }

  async #recordFailure(plan: PlannedPeriod, message: string): Promise<void> {
    const con = await this.db();
    const id = await startAttempt(con, {
      export: plan.export.name,
      period: plan.discovered.period,
      version: plan.manifest?.version ?? "",
      manifestKey: plan.discovered.manifestKey,
      manifestEtag: plan.manifestEtag ?? "",
      files: plan.manifest?.files.length ?? 0,
      bytes: 0,
      startedAt: this.req.now(),
    });
    await finishAttempt(con, id, "failed", message, this.req.now());
  }

  loadOne(plan: PlannedPeriod, spooled: Spooled, began: number): Promise<void> {
    return this.exclusive(() => this.#loadOne(plan, spooled, began));
  }

  async #loadOne(plan: PlannedPeriod, spooled: Spooled, began: number): Promise<void> {
    const con = await this.db();
    const manifest = plan.manifest!;
    const id = await startAttempt(con, {
      export: plan.export.name,
      period: plan.discovered.period,
      version: manifest.version,
      manifestKey: plan.discovered.manifestKey,
      manifestEtag: plan.manifestEtag ?? "",
      files: spooled.files.length,
      bytes: spooled.bytes,
      startedAt: this.req.now(),
    });
    this.req.progress.phase(`${plan.export.name} ${plan.discovered.period}: loading ${spooled.files.length} file(s) into DuckDB`);
    const loadStarted = performance.now();
    // Runs beside DuckDB's load; the period commits only once every gzip file has proved whole.
    const verified = verifyGzipFiles(spooled.files);
    verified.catch(() => undefined);
    const load = () => loadPeriod(con, {
        beforeCommit: () => verified,
        exportName: plan.export.name,
        tablePrefix: plan.tablePrefix,
        period: plan.discovered.period,
        flavour: flavourOf(plan.curVersion, manifest),
        version: manifest.version,
        files: spooled.files,
        columns: manifest.columns,
        attemptId: id,
        bytes: spooled.bytes,
        signal: this.req.signal,
        now: this.req.now,
        onProgress: (pct) => this.req.progress.percent(pct),
        pause: this.req.pause,
      });
    try {
      let rows: number;
      try {
        ({ rows } = await load());
      } catch (err) {
        // Every DuckDB thread holds a row group in memory: a period too wide for the limit is loaded again on one.
        if (!/Out of Memory Error/.test(errorMessage(err)) || this.#threads === 1 || this.req.signal.aborted) throw err;
        this.log.warn(`${plan.export.name} ${plan.discovered.period}: out of memory with ${this.#threads} DuckDB threads; loading again on one (a larger --memory-limit is faster)`);
        await con.run("SET threads = 1");
        try {
          ({ rows } = await load());
        } finally {
          await con.run(`SET threads = ${this.#threads}`);
        }
      }
      const seconds = (performance.now() - began) / 1000;
      this.req.progress.clear();
      this.log.debug(`${plan.export.name} ${plan.discovered.period}: loaded in ${((performance.now() - loadStarted) / 1000).toFixed(2)} s`);
      this.log.info(`${plan.export.name} ${plan.discovered.period}: imported ${rows.toLocaleString("en-US")} rows (version ${manifest.version})`);
      this.result(plan, "imported", { rows, bytes: spooled.bytes, seconds });
    } catch (loadError) {
      const interrupted = loadError instanceof InterruptedError || this.req.signal.aborted;
      // A damaged gzip file often shows as a CSV error first: the file's own fault is the clearer message.
      const err = interrupted ? loadError : await verified.then(() => loadError, (gzipError: unknown) => gzipError);
      await finishAttempt(con, id, interrupted ? "interrupted" : "failed", interrupted ? "interrupted (Ctrl-C)" : errorMessage(err), this.req.now());
      throw err;
    }
  }
}

export async function importCur(req: ImportRequest): Promise<PeriodOutcome[]> {
  const prefixes = new Map<string, string>();
  for (const exp of req.exports) {
    const prefix = cleanExportName(exp.name);
    const other = prefixes.get(prefix);
    if (other !== undefined && other !== exp.name) {
      throw new AppError(`exports "${other}" and "${exp.name}" would share the tables aws_billing.${prefix}_*`, {
        hint: "Export names that differ only in case or punctuation cannot live in one database.",
        exitCode: 2,
      });
    }
    prefixes.set(prefix, exp.name);
  }
  const run = new ImportRun(req);
  try {
    if (!req.dryRun) {
      // Open (and lock) the database first: if another import holds it, say so before touching S3.
      await run.db();
      removeStaleSpools(run.spoolRoot);
    }
    // Several exports (--all) proceed side by side: their downloads overlap, their loads take turns. With --pick the
    // prompts come one export at a time.
    const parallel = req.pick || req.overlap === false ? 1 : Math.min(3, req.exports.length);
    let next = 0;
    const worker = async () => {
      while (next < req.exports.length) {
        if (req.signal.aborted) throw new InterruptedError();
        await run.runExport(req.exports[next++]);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    req.progress.clear();
    run.close();
  }
  // The summary reads in export order, then by period, whatever order the work finished in.
  const order = new Map(req.exports.map((e, i) => [e.name, i]));
  return run.results.sort((a, b) => (order.get(a.export) ?? 0) - (order.get(b.export) ?? 0) || a.period.localeCompare(b.period));
}

export interface ManifestRow {
  export: string;
  period: Period;
  version: string | null;
  files: number | null;
  manifestKey: string;
  manifestLastModified: string | null;
  state: "new" | "changed" | "up to date" | "error";
  rowsHeld: number | null;
  versionHeld: string | null;
  error: string | null;
}

/** What the bucket holds per billing period against what the database holds: one small GET per period, no data. */
export async function listManifests(req: Omit<ImportRequest, "force" | "dryRun" | "pick" | "progress">): Promise<ManifestRow[]> {
  const run = new ImportRun({ ...req, force: false, dryRun: true, progress: { phase() {}, percent() {}, bytes() {}, line() {}, clear() {} } });
  const rows: ManifestRow[] = [];
  for (const exp of req.exports) {
    const client = await createS3Client(exp, req.env);
    try {
      const plans = await run.planExport(exp, client);
      for (const p of plans) {
        rows.push({
          export: exp.name,
          period: p.discovered.period,
          version: p.manifest?.version ?? null,
          files: p.manifest?.files.length ?? null,
          manifestKey: p.discovered.manifestKey,
          manifestLastModified: p.manifestLastModified?.toISOString() ?? null,
          state: p.action === "failed" ? "error" : p.reason === "new" ? "new" : p.reason === "changed" ? "changed" : "up to date",
          rowsHeld: p.current?.rows ?? null,
          versionHeld: p.current?.version ?? null,
          error: p.error ?? null,
        });
      }
    } finally {
      client.destroy();
    }
  }
  return rows;
}
