/**
 * Tuning values, resolved once: DuckDB threads and memory limit, the idle timeout of S3 bodies, where downloads are
 * spooled, and the crash-test pause point. Flags > FINOPS_* variables > the config file > defaults.
 */
import { availableParallelism, tmpdir } from "node:os";
import { UsageError } from "../errors.ts";
import { MEMORY } from "./file.ts";

/**
 * Bulk-load defaults, measured on a 2-core machine (README, Performance): every core, at most 4, and 224 MB of DuckDB
 * memory, so that importing a 2,000,000-row period keeps the whole process near 500 MB. A period that does not fit
 * (wide Parquet files decode a row group per thread) is loaded again on one thread; --memory-limit raises the limit.
 */
export const DEFAULT_MEMORY_LIMIT = "224MB";
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export type PausePoint = "download" | "load" | "commit";

export interface Tuning {
  threads: number;
  memoryLimit: string;
  memoryLimitFrom: "flag" | "file" | "default";
  idleTimeoutMs: number;
  /** The folder download spool folders are made in (TMPDIR, else the system's temporary folder). */
  spoolRoot: string;
  /** FINOPS_DEBUG_PAUSE=<point>:<ms>: stop at a named point of the import (crash tests). */
  debugPause?: { point: PausePoint; ms: number };
}

/** A DuckDB memory size such as 512MB or 2GB, or a usage error. */
export function checkMemoryLimit(value: string): string {
  if (!MEMORY.test(value.trim())) throw new UsageError(`--memory-limit must be a size like 512MB or 2GB, got "${value}"`);
  return value.trim();
}

export function defaultThreads(cpus = availableParallelism()): number {
  return Math.max(1, Math.min(4, cpus));
}

function positiveInteger(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

export function resolveTuning(env: Record<string, string | undefined>, file: { memoryLimit?: string }, flags: { memoryLimit?: string } = {}): Tuning {
  const flagLimit = flags.memoryLimit === undefined ? undefined : checkMemoryLimit(flags.memoryLimit);
  const pause = /^(download|load|commit)(?::(\d+))?$/.exec(env.FINOPS_DEBUG_PAUSE ?? "");
  return {
    threads: positiveInteger(env.FINOPS_DUCKDB_THREADS) ?? defaultThreads(),
    memoryLimit: flagLimit ?? file.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    memoryLimitFrom: flagLimit ? "flag" : file.memoryLimit ? "file" : "default",
    idleTimeoutMs: positiveInteger(env.FINOPS_IDLE_TIMEOUT_MS) ?? DEFAULT_IDLE_TIMEOUT_MS,
    spoolRoot: env.TMPDIR || tmpdir(),
    debugPause: pause ? { point: pause[1] as PausePoint, ms: Number(pause[2]) || 60_000 } : undefined,
  };
}

