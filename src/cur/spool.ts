/**
 * The spool: private folders (0700) under the spool root where a period's files wait for DuckDB, one per period,
 * always removed; a budget that keeps it near one period; a disk check before any byte is downloaded; and the removal
 * of folders a killed process left behind.
 */
import { processAlive } from "../pid.ts";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { AppError, InterruptedError } from "../errors.ts";
import { formatBytes } from "../output/table.ts";
import type { LocalFile } from "./select.ts";

const SPOOL_PREFIX = "finops-spool-";

/** A period's files on local disk. */
export interface SpooledPeriod {
  dir: string;
  files: LocalFile[];
  bytes: number;
  /** What this period holds of the spool budget (given back when its folder is removed). */
  reserved: number;
  periodBytes: number;
}

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

/** A new private spool folder for one period, named after this process (so a later run can tell it is stale). */
export function makeSpoolDir(root: string): string {
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `${SPOOL_PREFIX}${process.pid}-`));
}

/** Spool folders left by a process that no longer runs (a crash, SIGKILL) are removed. */
export function removeStaleSpools(root: string): number {
  let removed = 0;
  if (!existsSync(root)) return 0;
  for (const entry of readdirSync(root)) {
    const m = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`).exec(entry);
    if (!m) continue;
    if (!processAlive(Number(m[1]))) {
      rmSync(join(root, entry), { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
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
  /** The most the budget held at once (bytes), for --verbose. */
  peak = 0;
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
        this.peak = Math.max(this.peak, this.#used);
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

  /** Remove a period's folder and give back its share. */
  drop(s: Pick<SpooledPeriod, "dir" | "periodBytes" | "reserved">): void {
    rmSync(s.dir, { recursive: true, force: true });
    this.leave(s.periodBytes, s.reserved);
  }
}
