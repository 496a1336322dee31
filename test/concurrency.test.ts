/**
 * Two processes, one database: a second import while one runs gets a clear message naming the other process (or waits
 * for it with --wait); read-only commands during an import wait for the period being loaded to commit, and say so. The spool folder is private.
 */
import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { binaryWorkspace, removeWorkspaces, runBinary } from "./helpers/cli.ts";
import { periodTotals } from "./helpers/db.ts";
import { legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const server = useFixtureS3({
  trees: [],
  setup: (s3) => putLegacyPeriod(s3, { bucket: "concurrency", prefix: "cur", name: "shared", period: "2025-08", version: "v1", files: [legacyCsv("2025-08", 100, 1)] }),
  teardown: removeWorkspaces,
});

async function waitFor(stream: ReadableStream<Uint8Array>, text: string): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  reader.releaseLock();
  return seen;
}

test("a second import is refused naming the first process; read-only commands wait for the commit; --wait waits and then imports", async () => {
  const ws = binaryWorkspace({ copy: false });
  const spool = join(ws.dir, "spool");
  mkdirSync(spool);
  const db = join(ws.dir, "billing.duckdb");
  const args = ["aws", "import-cur", "-b", "concurrency", "-p", "cur", "-e", "shared", "-d", db];
  const env = { ...server.s3.env, TMPDIR: spool };
  // The first import holds the database while it stops inside its load transaction for 4 s.
  const first = Bun.spawn([ws.bin, ...args], { cwd: ws.dir, env: { ...ws.env, ...env, FINOPS_DEBUG_PAUSE: "load:4000" }, stdout: "pipe", stderr: "pipe" });
  expect(await waitFor(first.stderr, "debug pause at load")).toContain("debug pause at load");

  // While it runs: the spool folder is private.
  const spools = readdirSync(spool).filter((e) => e.startsWith("finops-spool-"));
  expect(spools).toHaveLength(1);
  expect(statSync(join(spool, spools[0])).mode & 0o777).toBe(0o700);

  const second = await runBinary(ws, args, { env });
  expect(second.exitCode).toBe(1);
  expect(second.stdout).toBe("");
  expect(second.stderr).toContain(`finops: the database ${db} is in use by another process (`);
  expect(second.stderr).toContain(`PID ${first.pid})`);
  expect(second.stderr).toContain("pass --wait to wait for it");

  // --wait: waits for the first to finish, then finds the period up to date. A reader meanwhile waits for the
  // period being loaded to commit, says so, and then reads it.
  const waiting = runBinary(ws, [...args, "--wait", "--json"], { env });
  const reader = await runBinary(ws, ["aws", "list-exports", "-d", db, "--json"], { env });
  expect(reader.exitCode).toBe(0);
  expect(reader.stderr).toContain(`an import is writing ${db} (PID ${first.pid}); waiting for it to commit the period it is loading`);
  expect(JSON.parse(reader.stdout).exports.map((e: { name: string; periods: number }) => [e.name, e.periods])).toEqual([["shared", 1]]);
  const waited = await waiting;
  expect(await first.exited).toBe(0);
  expect(waited.exitCode).toBe(0);
  expect(waited.stderr).toContain("waiting for it to finish");
  expect(JSON.parse(waited.stdout).periods.map((p: { outcome: string }) => p.outcome)).toEqual(["up to date"]);
  expect(await periodTotals(db, "shared", "lineItem_UnblendedCost")).toEqual({ "2025-08": { rows: 100, cost: 100 } });
  expect(readdirSync(spool)).toEqual([]);
});
