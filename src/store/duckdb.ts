/**
 * Opening DuckDB. `@duckdb/node-api` (and so the native addon) is imported lazily, on first use, so that
 * `finops --help` and `finops --version` never load it.
 */
import { createRequire } from "node:module";
import { AppError } from "../errors.ts";
import { dirname } from "node:path";
import { applyAllocatorConf } from "./allocator.ts";
import { native, type NativeInfo } from "./native.ts";

type Api = typeof import("@duckdb/node-api");
let api: Promise<Api> | undefined;

/** A VARCHAR[] parameter: its value and its type (an empty list has no type of its own). Needs DuckDB loaded. */
export function varcharList(items: string[]): { value: ReturnType<Api["listValue"]>; type: ReturnType<Api["LIST"]> } {
  if (!loaded) throw new Error("DuckDB is not loaded");
  return { value: loaded.listValue(items), type: loaded.LIST(loaded.VARCHAR) };
}

let loaded: Api | undefined;

export function loadDuckDB(): Promise<Api> {
  // Before the library loads: its allocator reads its options once, when it starts (store/allocator.ts).
  api ??= applyAllocatorConf().then(() => import("@duckdb/node-api")).then((mod) => {
    loaded = mod;
    if (!native.info) {
      // Development: the ordinary platform package from node_modules.
      let dir = "node_modules";
      try {
        const require = createRequire(import.meta.url);
        dir = dirname(require.resolve(`@duckdb/node-bindings-${process.platform}-${process.arch}/package.json`));
      } catch {
        /* keep the generic name */
      }
      native.info = { source: "node_modules", dir, extracted: false };
    }
    return mod;
  });
  return api;
}

export function nativeInfo(): NativeInfo | undefined {
  return native.info;
}

/** DuckDB ran out of memory (its own errors carry no type: this is the one place their text is read for it). */
export class OutOfMemoryError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "OutOfMemoryError";
  }
}

export function isOutOfMemory(err: unknown): boolean {
  if (err instanceof OutOfMemoryError) return true;
  const text = err instanceof Error ? err.message : String(err);
  // DuckDB's own OOM, and the same failure met while committing or checkpointing (a TransactionContext or IO error
  // whose cause is an allocation: "could not allocate block", "failed to pin block").
  return /^(Error: )?Out of Memory Error/.test(text) || /(could not allocate|failed to pin) block of size/.test(text);
}

/** DuckDB invalidated the attached database (a checkpoint failed): it must be detached and attached again. */
export function isInvalidated(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /has been invalidated/.test(text) || /has been invalidated/.test(String((err as { cause?: unknown })?.cause ?? ""));
}

export interface OpenOptions {
  readOnly?: boolean;
  /** DuckDB memory_limit, e.g. "1GB". */
  memoryLimit?: string;
  threads?: number;
}

export type Connection = InstanceType<Api["DuckDBConnection"]>;
export type Instance = InstanceType<Api["DuckDBInstance"]>;

/**
 * The catalog name finops attaches the database file under. DuckDB names a catalog after its file, so the default
 * `finops.duckdb` would be catalog `finops`, and every reference to the state schema `finops` would be ambiguous.
 * finops therefore opens an in-memory instance and attaches the file under this fixed name.
 */
export const CATALOG = "finops_db";

/** DuckDB lets one process write a file at a time; name the other process instead of DuckDB's long message. */
export class DatabaseBusyError extends AppError {
  readonly pid?: number;
  constructor(path: string, holder: string, pid: number | undefined, readOnly: boolean) {
    super(`the database ${path} is in use by another process (${holder}${pid ? `, PID ${pid}` : ""})`, {
      hint: readOnly
        ? "An import is writing it: run this again when it has finished."
        : "Wait for it to finish (or pass --wait to wait for it), or use another --database.",
    });
    this.name = "DatabaseBusyError";
    this.pid = pid;
  }
}

export function describeOpenError(err: unknown, path: string, readOnly: boolean): AppError {
  const text = err instanceof Error ? err.message : String(err);
  const lock = /Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(text);
  if (lock) return new DatabaseBusyError(path, lock[1], Number(lock[2]), readOnly);
  if (/Could not set lock on file/.test(text)) return new DatabaseBusyError(path, "unknown", undefined, readOnly);
  return new AppError(`cannot open the database ${path}: ${text.split("\n")[0]}`);
}

export async function openDatabase(path: string, opts: OpenOptions = {}): Promise<{ instance: Instance; connection: Connection }> {
  try {
    return await openDatabaseRaw(path, opts);
  } catch (err) {
    throw describeOpenError(err, path, Boolean(opts.readOnly));
  }
}

async function openDatabaseRaw(path: string, opts: OpenOptions): Promise<{ instance: Instance; connection: Connection }> {
  const db = await createInstance(path, opts);
  try {
    await attachDatabase(db.connection, path, Boolean(opts.readOnly));
    return db;
  } catch (err) {
    db.instance.closeSync();
    throw err;
  }
}

/** An in-memory DuckDB instance with finops' settings and nothing attached yet (see CATALOG). */
export async function createInstance(path: string, opts: OpenOptions = {}): Promise<{ instance: Instance; connection: Connection }> {
  const { DuckDBInstance } = await loadDuckDB();
  // No TimeZone setting: it needs the ICU extension, which is not bundled. TIMESTAMP columns hold UTC values.
  const options: Record<string, string> = {};
  if (opts.memoryLimit) options.memory_limit = opts.memoryLimit;
  // Bulk loads: row order within a period table carries no meaning, and keeping it costs memory.
  options.preserve_insertion_order = "false";
  if (opts.threads) options.threads = String(opts.threads);
  // Spill beside the database file (an in-memory instance would otherwise spill into ./.tmp of the working folder).
  options.temp_directory = `${path}.tmp`;
  const instance = await DuckDBInstance.create(":memory:", options);
  try {
    const connection = await instance.connect();
    // Query progress is tracked (read through connection.progress) but never printed by DuckDB itself.
    await connection.run("SET enable_progress_bar = true; SET enable_progress_bar_print = false");
    return { instance, connection };
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

/** Attach the database file as CATALOG and make it the default (raw DuckDB errors: see describeOpenError). */
export async function attachDatabase(con: Connection, path: string, readOnly: boolean): Promise<void> {
  await con.run(`ATTACH ${literal(path)} AS ${ident(CATALOG)}${readOnly ? " (READ_ONLY)" : ""}`);
  await con.run(`USE ${ident(CATALOG)}`);
}

/** Let go of the database file (and its lock); the instance stays. */
export async function detachDatabase(con: Connection): Promise<void> {
  await con.run("USE memory");
  await con.run(`DETACH ${ident(CATALOG)}`);
}

/** Quote an SQL identifier. Every identifier finops puts into SQL goes through here; values are bound as parameters. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal, for the few places DuckDB accepts no parameter (e.g. SET, read_csv options lists). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
