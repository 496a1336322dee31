/**
 * Named pause points for crash tests: with FINOPS_DEBUG_PAUSE=<point>:<ms> (read by config/tuning.ts) the import stops
 * at that point, says so on stderr ("debug pause at <point>"), and waits, so a test can kill the process at an exact
 * moment. Points: `download` (a period's first file is on disk, the rest not yet), `load` (the period table is written
 * inside the open transaction), `commit` (table, view and state are written, just before COMMIT); and of `lake export`:
 * `lake-upload` (a period's Parquet file is written locally, its upload not begun) and `lake-state` (the period's
 * object is in place, the lake's `_finops_lake.json` not yet updated). Unset, it does nothing.
 */
import type { Writable } from "node:stream";
import type { PausePoint, Tuning } from "./config/tuning.ts";

export function pauser(spec: Tuning["debugPause"], stderr: Writable, signal?: AbortSignal): (point: PausePoint) => Promise<void> {
  if (!spec) return async () => {};
  let done = false;
  return async (at) => {
    if (at !== spec.point || done) return;
    done = true;
    stderr.write(`debug pause at ${at}\n`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, spec.ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  };
}
