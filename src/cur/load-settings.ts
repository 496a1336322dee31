/**
 * The DuckDB settings a period is loaded with, chosen from what its files say rather than one constant, and the
 * settings it is loaded again with when DuckDB runs out of memory.
 *
 * While DuckDB appends rows to a table, every thread holds a block (256 KiB) per column for the row group it is
 * filling, and a CSV or Parquet reader decodes a row group per thread beside it: the memory a load needs grows with
 * columns x threads. Measured on a 2-core machine (README, Performance): a ~100-column period loads on 2 threads in
 * 224 MB; a 400-column one (300 cost allocation tags) runs out of memory at 224 MB even on one thread and loads on
 * one in 400 MB. So:
 *   1. the first attempt runs on as many threads (up to the configured number) as keep 48 MiB + 1 MiB per column and
 *      thread within FIRST_ATTEMPT_CEILING, with the configured limit raised, up to that ceiling, to what those
 *      threads need (125 columns on two threads get 313 MB; a wide period, 400 columns, gets 400 MB on one);
 *   2. out of memory on several threads: again on one;
 *   3. out of memory on one thread with finops' own limit: again with twice the limit, up to a quarter of the
 *      machine's memory (at most 4 GiB). A limit the user set (flag or config) is never raised: they chose it.
 * Every retry is said in the log and counted by the benchmark.
 */
import { totalmem } from "node:os";

export interface LoadSettings {
  threads: number;
  memoryLimitBytes: number;
}

export interface LoadSettingsInput {
  /** Columns of the period's table. */
  columns: number;
  /** The configured DuckDB threads. */
  threads: number;
  /** The configured memory limit, in bytes. */
  memoryLimitBytes: number;
  /** Whether the user chose the limit (flag or config file): then it is never raised. */
  memoryLimitFromUser: boolean;
  /** Physical memory; the escalation stops at a quarter of it. */
  totalMemoryBytes?: number;
}

const MiB = 1024 * 1024;
const BASE_NEED = 48 * MiB;
const PER_COLUMN_THREAD = 1 * MiB;
/** The first attempt stays within this, so that the whole process stays near 512 MiB where the shape allows. */
export const FIRST_ATTEMPT_CEILING = 400 * 1000 * 1000;
const ESCALATION_CEILING = 4 * 1024 * MiB;

/** DuckDB's estimate of what one load needs with `threads` threads on a table of `columns` columns. */
export function loadNeed(columns: number, threads: number): number {
  return BASE_NEED + columns * threads * PER_COLUMN_THREAD;
}

/** The settings of each attempt, in order: the first, then the ones to fall back on after running out of memory. */
export function loadAttempts(input: LoadSettingsInput): LoadSettings[] {
  const { columns, memoryLimitBytes: configured } = input;
  if (input.memoryLimitFromUser) {
    const first = { threads: input.threads, memoryLimitBytes: configured };
    return input.threads > 1 ? [first, { threads: 1, memoryLimitBytes: configured }] : [first];
  }
  let threads = input.threads;
  while (threads > 1 && loadNeed(columns, threads) > Math.max(configured, FIRST_ATTEMPT_CEILING)) threads--;
  // The limit rises to what the chosen threads need (whole MB), up to the ceiling. It used to rise only where even one
  // thread needed more than the configured limit, so a noisy 125-column CUR 2.0 CSV period (need on two threads:
  // 313 MB) ran out of memory at 224 MB on two threads and was loaded again on one: 17.5 s and 550 MiB RSS, against
  // 11.0 s and 541 MiB at 313 MB on two (README, Performance). A 94-column legacy CSV gets 248 MB (RSS 457 → 471 MiB).
  const need = Math.ceil(loadNeed(columns, threads) / 1e6) * 1e6;
  const firstLimit = Math.max(configured, Math.min(need, Math.max(configured, FIRST_ATTEMPT_CEILING)));
  const attempts: LoadSettings[] = [{ threads, memoryLimitBytes: firstLimit }];
  if (threads > 1) attempts.push({ threads: 1, memoryLimitBytes: firstLimit });
  const ceiling = Math.max(firstLimit, Math.min(ESCALATION_CEILING, Math.floor((input.totalMemoryBytes ?? totalmem()) / 4)));
  for (let limit = firstLimit * 2; limit / 2 < ceiling; limit *= 2) attempts.push({ threads: 1, memoryLimitBytes: Math.min(limit, ceiling) });
  return attempts;
}

/** A size as DuckDB's SET memory_limit takes it, and as the log says it. */
export function memorySizeText(bytes: number): string {
  return bytes % (1000 * 1000 * 1000) === 0 ? `${bytes / 1e9}GB` : `${Math.round(bytes / 1e6)}MB`;
}
