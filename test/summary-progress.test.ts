/**
 * A period's summaries are a phase of their own on stderr, with a share that rises to 100 %: on a 400-column period
 * they take as long as its load, and the progress used to stay on "loading …: 89%" the whole time, silent for ~19 s
 * in a cron log.
 */
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger } from "../src/context.ts";
import { loadSettings } from "../src/config/index.ts";
import { resolveExports } from "../src/config/exports.ts";
import { importCur } from "../src/cur/import.ts";
import { StderrProgress, type ProgressSink } from "../src/output/progress.ts";
import { cleanEnv } from "./helpers/cli.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { exportTruth } from "./helpers/truth.ts";

const server = useFixtureS3();

type Event = { phase: string } | { percent: number };

class Recorder implements ProgressSink {
  events: Event[] = [];
  phase(text: string): void {
    this.events.push({ phase: text });
  }
  percent(p: number): void {
    this.events.push({ percent: p });
  }
  bytes(): void {}
  status(): void {}
  clear(): void {}
}

async function importWith(name: string, progress: ProgressSink): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "finops-sumprog-"));
  const env = cleanEnv({ ...server.s3.env, TMPDIR: dir });
  const settings = loadSettings({ cwd: dir, env, flags: {} });
  const e = exportTruth(name);
  const results = await importCur({
    exports: resolveExports({ exportName: e.name, bucket: e.bucket, prefix: e.prefix }, settings),
    database: join(dir, "f.duckdb"),
    force: false,
    dryRun: false,
    tuning: settings.tuning,
    env,
    signal: new AbortController().signal,
    logger: createLogger({ stderr: new Writable({ write: (_c, _e, cb) => cb() }), stderrIsTTY: false, env }, "quiet"),
    progress,
    now: () => new Date("2026-01-01T00:00:00Z"),
    overlap: false,
  });
  expect(results.map((r) => r.status)).toEqual(Object.keys(e.periods).map(() => "imported"));
}

for (const name of ["cur-v1-gzip", "cur2-parquet"]) {
  test(`${name}: each period's summaries follow its load as a phase whose share rises to 100 %`, async () => {
    const rec = new Recorder();
    await importWith(name, rec);
    const periods = Object.keys(exportTruth(name).periods).sort();
    for (const period of periods) {
      const at = (text: string) => rec.events.findIndex((ev) => "phase" in ev && ev.phase === text);
      const loading = rec.events.findIndex((ev) => "phase" in ev && ev.phase.startsWith(`${name} ${period}: loading`) && ev.phase.endsWith("into DuckDB"));
      const summaries = at(`${name} ${period}: building the cost model and the reports' summaries`);
      expect(loading).toBeGreaterThanOrEqual(0);
      expect(summaries).toBeGreaterThan(loading);
      const next = rec.events.findIndex((ev, i) => i > summaries && "phase" in ev);
      const shares = rec.events.slice(summaries + 1, next < 0 ? undefined : next).map((ev) => ("percent" in ev ? ev.percent : NaN));
      // groups, daily_costs, tag sets, one batch of tag rows (both exports carry tags), untagged resources
      expect(shares.length).toBe(5);
      expect(shares.every((p, i) => i === 0 || p > shares[i - 1])).toBe(true);
      expect(shares.at(-1)).toBe(100);
    }
  });
}

test("in a log (not a terminal), the summaries' phase is a line of its own after the load's", async () => {
  let text = "";
  const stream = new Writable({
    write: (chunk, _e, cb) => {
      text += String(chunk);
      cb();
    },
  });
  await importWith("cur-v1-gzip", new StderrProgress(stream, false));
  const lines = text.split("\n");
  const load = lines.findIndex((l) => /^cur-v1-gzip \d{4}-\d{2}: loading \d+ file\(s\) into DuckDB$/.test(l));
  const summaries = lines.findIndex((l) => /^cur-v1-gzip \d{4}-\d{2}: building the cost model and the reports' summaries$/.test(l));
  expect(load).toBeGreaterThanOrEqual(0);
  expect(summaries).toBeGreaterThan(load);
});
