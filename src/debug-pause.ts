/**
 * Named pause points for crash tests: with FINOPS_DEBUG_PAUSE=<point>:<ms> the import stops at that point, says so
 * on stderr ("debug pause at <point>"), and waits, so a test can kill the process at an exact moment. Points:
 * `download` (a period's first file is on disk, the rest not yet), `load` (the period table is written inside the
 * open transaction), `commit` (table, view and state are written, just before COMMIT). Unset, it does nothing.
 */
import type { Writable } from "node:stream";

export type PausePoint = "download" | "load" | "commit";

export function pauser(env: Record<string, string | undefined>, stderr: Writable, signal?: AbortSignal): (point: PausePoint) => Promise<void> {
  const spec = env.FINOPS_DEBUG_PAUSE;
  if (!spec) return async () => {};
  const [point, ms] = spec.split(":");
  const done = new Set<string>();
  return async (at) => {
    if (at !== point || done.has(at)) return;
    done.add(at);
    stderr.write(`debug pause at ${at}\n`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Number(ms) || 60_000);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  };
}
