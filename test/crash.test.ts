/**
 * Crashes and Ctrl-C, with the compiled binary: SIGKILL at several moments of an import (during the download, with
 * the period table written inside the open transaction, just before COMMIT) leaves the database readable, the previous
 * version of each period intact and the state matching the tables; the next run cleans up and completes. SIGINT
 * stops cleanly: exit 130, spool folder removed, nothing half-written.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { binaryWorkspace, removeWorkspaces, runBinary, type BinaryWorkspace } from "./helpers/cli.ts";
import { currentVersions, periodTotals, query } from "./helpers/db.ts";
import { legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const server = useFixtureS3({ trees: [], teardown: removeWorkspaces });

const BUCKET = "crash-tests";
let n = 0;

interface Setup {
  ws: BinaryWorkspace;
  name: string;
  prefix: string;
  db: string;
  spool: string;
  args: string[];
  env: Record<string, string>;
}

async function setup(): Promise<Setup> {
  const name = `crash-${++n}`;
  const ws = binaryWorkspace({ copy: false });
  const spool = join(ws.dir, "spool");
  mkdirSync(spool);
  const db = join(ws.dir, "billing.duckdb");
  // Version 1: 2025-08 = 3 files x 400 rows x 0.5, 2025-09 = 100 rows x 2.
  await putLegacyPeriod(server.s3, { bucket: BUCKET, prefix: "cur", name, period: "2025-08", version: "v1", files: [1, 2, 3].map(() => legacyCsv("2025-08", 400, 0.5)) });
  await putLegacyPeriod(server.s3, { bucket: BUCKET, prefix: "cur", name, period: "2025-09", version: "v1", files: [legacyCsv("2025-09", 100, 2)] });
  const env = { ...server.s3.env, TMPDIR: spool };
  const args = ["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", name, "-d", db];
  const first = await runBinary(ws, args, { env });
  expect(first.exitCode).toBe(0);
  // Version 2 of 2025-08: 3 files x 500 rows x 1.
  await putLegacyPeriod(server.s3, { bucket: BUCKET, prefix: "cur", name, period: "2025-08", version: "v2", files: [1, 2, 3].map(() => legacyCsv("2025-08", 500, 1)) });
  return { ws, name, prefix: name.replace("-", "_"), db, spool, args, env };
}

const V1 = { "2025-08": { rows: 1200, cost: 600 }, "2025-09": { rows: 100, cost: 200 } };
const V2 = { "2025-08": { rows: 1500, cost: 1500 }, "2025-09": { rows: 100, cost: 200 } };

/** Start the import paused at `point`, and send `signal` once it says it is there. */
async function interruptAt(s: Setup, point: string, signal: "SIGKILL" | "SIGINT") {
  const proc = Bun.spawn([s.ws.bin, ...s.args], {
    cwd: s.ws.dir,
    env: { ...s.ws.env, ...s.env, FINOPS_DEBUG_PAUSE: `${point}:30000` },
    stdout: "pipe",
    stderr: "pipe",
  });
  let stderr = "";
  const reader = proc.stderr.getReader();
  const decoder = new TextDecoder();
  while (!stderr.includes(`debug pause at ${point}`)) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += decoder.decode(value);
  }
  expect(stderr).toContain(`debug pause at ${point}`);
  proc.kill(signal);
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stderr += decoder.decode(value);
    }
  })();
  const exitCode = await proc.exited;
  await rest;
  return { exitCode, signalCode: proc.signalCode, stderr };
}

/** The state tells the truth: every current period's row count is its table's. */
async function expectStateMatchesTables(db: string) {
  const periods = await query(db, "SELECT table_name, rows FROM finops.periods");
  expect(periods.length).toBeGreaterThan(0);
  for (const p of periods) {
    const [c] = await query(db, `SELECT count(*)::BIGINT AS n FROM aws_billing."${String(p.table_name)}"`);
    expect(Number(c.n)).toBe(Number(p.rows));
  }
}

const spoolDirs = (dir: string) => readdirSync(dir).filter((e) => e.startsWith("finops-spool-"));
/** Tables a load fills before its period's transaction renames them (src/store/load.ts): no billing period. */
const stagingTables = async (db: string) =>
  (await query(db, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'aws_billing' AND starts_with(table_name, '__staging_') ORDER BY 1")).map((r) => String(r.table_name));

describe("SIGKILL in the middle of an import", () => {
  for (const point of ["download", "load", "commit"]) {
    test(`killed at '${point}': previous version intact, state truthful, the next run cleans up and completes`, async () => {
      const s = await setup();
      const killed = await interruptAt(s, point, "SIGKILL");
      expect(killed.signalCode).toBe("SIGKILL");

      expect(await periodTotals(s.db, s.prefix, "lineItem_UnblendedCost")).toEqual(V1);
      expect(await currentVersions(s.db, s.name)).toEqual({ "2025-08": "assembly-v1", "2025-09": "assembly-v1" });
      await expectStateMatchesTables(s.db);
      const [view] = await query(s.db, `SELECT count(*)::BIGINT AS n, sum(lineItem_UnblendedCost) AS cost FROM aws_billing."${s.prefix}"`);
      expect([Number(view.n), Number(view.cost)]).toEqual([1300, 800]);
      const started = await query(s.db, "SELECT count(*)::INT AS n FROM finops.loads WHERE outcome = 'started'");
      // The attempt row is written when loading starts: killed later than that, it says 'started' until the next run.
      expect(Number(started[0].n)).toBe(point === "download" ? 0 : 1);
      // The loaded rows wait in a committed staging table that nothing reads; the next run drops it.
      expect(await stagingTables(s.db)).toEqual(point === "download" ? [] : [`__staging_${s.prefix}_2025_08`]);

      const again = await runBinary(s.ws, [...s.args, "--json"], { env: s.env });
      expect(again.exitCode).toBe(0);
      const out = JSON.parse(again.stdout).periods as { period: string; outcome: string }[];
      expect(out.map((p) => [p.period, p.outcome])).toEqual([
        ["2025-08", "imported"],
        ["2025-09", "up to date"],
      ]);
      expect(await periodTotals(s.db, s.prefix, "lineItem_UnblendedCost")).toEqual(V2);
      await expectStateMatchesTables(s.db);
      expect(await stagingTables(s.db)).toEqual([]);
      expect(spoolDirs(s.spool)).toEqual([]);
      const outcomes = await query(s.db, "SELECT outcome FROM finops.loads WHERE export = $1 AND billing_period = '2025-08' ORDER BY id", [s.name]);
      expect(outcomes.map((o) => o.outcome)).toEqual(point === "download" ? ["imported", "imported"] : ["imported", "interrupted", "imported"]);
    });
  }
});

describe("Ctrl-C (SIGINT)", () => {
  for (const point of ["download", "load", "commit"]) {
    test(`at '${point}': exit 130, spool removed, nothing half-written`, async () => {
      const s = await setup();
      const stopped = await interruptAt(s, point, "SIGINT");
      expect(stopped.exitCode).toBe(130);
      expect(stopped.stderr).toContain("finops: interrupted");
      expect(spoolDirs(s.spool)).toEqual([]);
      expect(await stagingTables(s.db)).toEqual([]);
      expect(await periodTotals(s.db, s.prefix, "lineItem_UnblendedCost")).toEqual(V1);
      expect(await currentVersions(s.db, s.name)).toEqual({ "2025-08": "assembly-v1", "2025-09": "assembly-v1" });
      await expectStateMatchesTables(s.db);
      const started = await query(s.db, "SELECT count(*)::INT AS n FROM finops.loads WHERE outcome = 'started'");
      expect(Number(started[0].n)).toBe(0);
    });
  }
});
