/**
 * Tuning values, resolved once: DuckDB threads and memory limit, the idle timeout of S3 bodies, where downloads are
 * spooled, and the crash-test pause point. Flags > FINOPS_* variables > the config file > defaults.
 */
import { availableParallelism, tmpdir } from "node:os";
import { UsageError } from "../errors.ts";
import { MEMORY } from "./file.ts";

/**
 * Bulk-load defaults, measured on a 2-core machine (README, Performance): every core, at most 4, and 224 MB of DuckDB
 * memory, so that importing a 2,000,000-row period keeps the whole process near 500 MB. Each period's load adapts
 * this to its column count, and falls back to one thread and then to more memory when it does not fit
 * (src/cur/load-settings.ts); a limit set with --memory-limit or the config file is never raised.
 */
export const DEFAULT_MEMORY_LIMIT = "224MB";
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * How long an S3 request may take, as the AWS CLI bounds it: 60 s to connect (--cli-connect-timeout), 60 s to wait for
 * the response (--cli-read-timeout), 3 attempts (its "standard" retry mode). A server that never answers fails a
 * request after at most attempts x (connect + read) — 6 minutes with the defaults, seconds when set short.
 */
export interface NetworkBounds {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxAttempts: number;
}
export const DEFAULT_NETWORK: NetworkBounds = { connectTimeoutMs: 60_000, readTimeoutMs: 60_000, maxAttempts: 3 };

export type PausePoint = "download" | "load" | "commit" | "lake-upload" | "lake-state";

export interface Tuning {
  threads: number;
  memoryLimit: string;
  /** The same limit in bytes (DuckDB's units: "224MB" is 224,000,000). */
  memoryLimitBytes: number;
  memoryLimitFrom: "flag" | "file" | "default";
  idleTimeoutMs: number;
  /** The folder download spool folders are made in (TMPDIR, else the system's temporary folder). */
  spoolRoot: string;
  network: NetworkBounds;
  /** FINOPS_DEBUG_PAUSE=<point>:<ms>: stop at a named point of the import (crash tests). */
  debugPause?: { point: PausePoint; ms: number };
}

/** A DuckDB memory size such as 512MB or 2GB, or a usage error. */
export function checkMemoryLimit(value: string): string {
  if (!MEMORY.test(value.trim())) throw new UsageError(`--memory-limit must be a size like 512MB or 2GB, got "${value}"`);
  return value.trim();
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** Bytes of a DuckDB memory size ("224MB" is 224,000,000 bytes in DuckDB's units, "1GiB" 2^30). */
export function parseMemorySize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`not a memory size: ${text}`);
  return Math.round(Number(m[1]) * unit);
}

export function defaultThreads(cpus = availableParallelism()): number {
  return Math.max(1, Math.min(4, cpus));
}

function positiveInteger(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** A number of seconds (--connect-timeout 5, --read-timeout 0.5), or a usage error naming the flag. */
export function checkSeconds(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw new UsageError(`${flag} must be a number of seconds greater than 0, got "${value}"`);
  return n;
}

export interface TuningFlags {
  memoryLimit?: string;
  connectTimeout?: string;
  readTimeout?: string;
}

export interface TuningFile {
  memoryLimit?: string;
  /** Seconds, from [aws] connect_timeout / read_timeout / max_attempts. */
  connectTimeout?: number;
  readTimeout?: number;
  maxAttempts?: number;
}

export function resolveTuning(env: Record<string, string | undefined>, file: TuningFile, flags: TuningFlags = {}): Tuning {
  const seconds = (flag: string | undefined, name: string, fromFile: number | undefined, fallback: number) =>
    flag !== undefined ? checkSeconds(flag, name) * 1000 : fromFile !== undefined ? fromFile * 1000 : fallback;
  const flagLimit = flags.memoryLimit === undefined ? undefined : checkMemoryLimit(flags.memoryLimit);
  const memoryLimit = flagLimit ?? file.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const pause = /^(download|load|commit|lake-upload|lake-state)(?::(\d+))?$/.exec(env.FINOPS_DEBUG_PAUSE ?? "");
  return {
    threads: positiveInteger(env.FINOPS_DUCKDB_THREADS) ?? defaultThreads(),
    memoryLimit,
    memoryLimitBytes: parseMemorySize(memoryLimit),
    memoryLimitFrom: flagLimit ? "flag" : file.memoryLimit ? "file" : "default",
    idleTimeoutMs: positiveInteger(env.FINOPS_IDLE_TIMEOUT_MS) ?? DEFAULT_IDLE_TIMEOUT_MS,
    spoolRoot: env.TMPDIR || tmpdir(),
    network: {
      connectTimeoutMs: seconds(flags.connectTimeout, "--connect-timeout", file.connectTimeout, DEFAULT_NETWORK.connectTimeoutMs),
      readTimeoutMs: seconds(flags.readTimeout, "--read-timeout", file.readTimeout, DEFAULT_NETWORK.readTimeoutMs),
      maxAttempts: file.maxAttempts ?? DEFAULT_NETWORK.maxAttempts,
    },
    debugPause: pause ? { point: pause[1] as PausePoint, ms: Number(pause[2]) || 60_000 } : undefined,
  };
}

