/**
 * The DuckDB settings a period is loaded with, chosen from what its files say rather than one constant, and the
 * settings it is loaded again with when DuckDB runs out of memory.
 *
 * While DuckDB appends rows to a table, every thread holds a block (256 KiB) per column for the row group it is
 * filling, and the reader beside it holds what it decodes: the memory a load needs grows with columns x threads, and
 * for Parquet with the row groups the readers hold. Measured on a 2-core machine (README, Performance):
 *   - CSV: a noisy 125-column CUR 2.0 CSV period (4 MAP columns read from JSON text) runs out of memory on two
 *     threads at 224, 240 and 262 MB, once in five runs at 313 MB (the other four: 12.4–15.3 s, 488–599 MiB RSS),
 *     never at 350 MB (12.8–13.9 s, 492–511 MiB); a 97-column legacy one loads on two at 230 MB (9.4–9.9 s,
 *     368–376 MiB); a 400-column legacy one (300 cost allocation tags) runs out at once at 250 MB on one thread and at
 *     400 MB on two (each thread's first blocks: ~0.5 MiB per column), and loads on one at 300 MB (29.0 s, 434 MiB
 *     RSS) as fast as at 400 MB (29.8 s, 559 MiB). Estimate: 48 MiB + per thread 32 MiB (the CSV reader's buffers)
 *     + 0.55 MiB per column + 10.5 MiB per MAP column. (It was 48 MiB + 1 MiB per column and thread: 313 MB for the
 *     CUR 2.0 CSV, 400 MB for the wide legacy one.)
 *   - Parquet: 94–125 columns with row groups of 122,880 rows load on two threads at 200 MB as fast as at 313 MB
 *     (and 60–120 MiB leaner); one 1,000,000-row group of 125 columns (93 MB compressed) runs out at 200 MB and loads at
 *     224 MB. Estimate: 48 MiB + 0.5 MiB per column and thread + half the largest row group (compressed, from the
 *     files' Parquet metadata) per reading thread (a row group is read by one thread: at most one per row group).
 * So:
 *   1. the first attempt runs on as many threads (up to the configured number) as keep the estimate within
 *      FIRST_ATTEMPT_CEILING, with the configured limit raised, up to that ceiling, to what those threads need
 *      (a 125-column CUR 2.0 CSV on two threads gets 350 MB, a 97-column legacy CSV 230 MB; a narrow Parquet
 *      period keeps 224 MB; a wide legacy CSV period, 400 columns, gets 313 MB on one thread);
 *   2. out of memory on several threads: again on as many with a quarter more memory (up to that ceiling), then on
 *      one with the first limit;
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
  /** The files' format, and for Parquet what their metadata says about row groups (absent: CSV's estimate). */
  shape?: FileShape;
  /** Physical memory; the escalation stops at a quarter of it. */
  totalMemoryBytes?: number;
}

/** What the period's files say that the memory a load needs depends on. */
export type FileShape =
  | {
      format: "csv";
      /** Columns read from JSON text into a MAP (CUR 2.0 CSV's product, resource_tags, …). */
      mapColumns?: number;
    }
  | {
      format: "parquet";
      /** Compressed bytes of the largest row group of any file (the sum of its column chunks). */
      largestRowGroupBytes: number;
      /** Row groups in all the files: no more threads than these read at once. */
      rowGroups: number;
    };

const MiB = 1024 * 1024;
const BASE_NEED = 48 * MiB;
const PER_COLUMN_THREAD = { csv: 0.55 * MiB, parquet: 0.5 * MiB };
/** What each thread reading CSV holds besides its columns' blocks: the reader's buffers (CSV_BUFFER_BYTES, src/cur/select.ts). */
const CSV_PER_THREAD = 32 * MiB;
/** A MAP column read from CSV, per thread: its JSON parsed and its entries, a list of every row group's maps. */
const CSV_PER_MAP_THREAD = 10.5 * MiB;
/** The share of its largest row group (compressed) that each thread reading a Parquet file is counted for. */
const ROW_GROUP_SHARE = 0.5;
/** The first attempt stays within this, so that the whole process stays near 512 MiB where the shape allows. */
export const FIRST_ATTEMPT_CEILING = 400 * 1000 * 1000;
const ESCALATION_CEILING = 4 * 1024 * MiB;
/** The first retry on as many threads gets this much of the first attempt's limit (up to FIRST_ATTEMPT_CEILING). */
const RETRY_MORE = 1.25;

/** The estimate of what one load needs with `threads` threads on a table of `columns` columns from files of `shape`. */
export function loadNeed(columns: number, threads: number, shape: FileShape = { format: "csv" }): number {
  if (shape.format === "csv") return BASE_NEED + threads * (CSV_PER_THREAD + columns * PER_COLUMN_THREAD.csv + (shape.mapColumns ?? 0) * CSV_PER_MAP_THREAD);
  const readers = Math.max(1, Math.min(threads, shape.rowGroups));
  return BASE_NEED + columns * threads * PER_COLUMN_THREAD.parquet + readers * shape.largestRowGroupBytes * ROW_GROUP_SHARE;
}

/** Bytes rounded up to whole MB, as the limits are set and logged. */
const wholeMB = (bytes: number) => Math.ceil(bytes / 1e6) * 1e6;

/** The settings of each attempt, in order: the first, then the ones to fall back on after running out of memory. */
export function loadAttempts(input: LoadSettingsInput): LoadSettings[] {
  const { columns, memoryLimitBytes: configured, shape } = input;
  if (input.memoryLimitFromUser) {
    const first = { threads: input.threads, memoryLimitBytes: configured };
    return input.threads > 1 ? [first, { threads: 1, memoryLimitBytes: configured }] : [first];
  }
  // The first attempts stay within the ceiling, or within the configured limit where that is higher.
  const firstCeiling = Math.max(configured, FIRST_ATTEMPT_CEILING);
  let threads = input.threads;
  while (threads > 1 && loadNeed(columns, threads, shape) > firstCeiling) threads--;
  // The limit rises to what the chosen threads need (whole MB), up to the ceiling. It used to rise only where even one
  // thread needed more than the configured limit, so a noisy 125-column CUR 2.0 CSV period (need on two threads:
  // 313 MB) ran out of memory at 224 MB on two threads and was loaded again on one: 17.5 s and 550 MiB RSS, against
  // 11.0 s and 541 MiB at 313 MB on two (README, Performance).
  const firstLimit = Math.max(configured, Math.min(wholeMB(loadNeed(columns, threads, shape)), firstCeiling));
  const attempts: LoadSettings[] = [{ threads, memoryLimitBytes: firstLimit }];
  // Out of memory on several threads: first on as many with a quarter more, within the ceiling, then on one. A
  // 10,000,000-row legacy CSV (one 939 MB file) that loads on two threads at 230 MB in 60-65 s ran out of memory
  // there beside a 3 GB write to the same disk (2 of 2 runs), and loaded beside it at 250 and 260 MB in 53-59 s; on
  // one thread it takes 88 s.
  const more = Math.min(wholeMB(firstLimit * RETRY_MORE), firstCeiling);
  if (threads > 1 && more > firstLimit) attempts.push({ threads, memoryLimitBytes: more });
  if (threads > 1) attempts.push({ threads: 1, memoryLimitBytes: firstLimit });
  const ceiling = Math.max(firstLimit, Math.min(ESCALATION_CEILING, Math.floor((input.totalMemoryBytes ?? totalmem()) / 4)));
  for (let limit = firstLimit * 2; limit / 2 < ceiling; limit *= 2) attempts.push({ threads: 1, memoryLimitBytes: Math.min(limit, ceiling) });
  return attempts;
}

/** A size as DuckDB's SET memory_limit takes it, and as the log says it. */
export function memorySizeText(bytes: number): string {
  return bytes % (1000 * 1000 * 1000) === 0 ? `${bytes / 1e9}GB` : `${Math.round(bytes / 1e6)}MB`;
}
