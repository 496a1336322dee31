/**
 * The overlapped pipeline (downloading period i+1 while period i loads, several exports side by side) gives exactly
 * the tables a strictly sequential import gives.
 */
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../src/context.ts";
import { loadSettings } from "../src/config/index.ts";
import { resolveExports } from "../src/config/exports.ts";
import { importCur } from "../src/cur/import.ts";
import { NullProgress } from "../src/output/progress.ts";
import { cleanEnv } from "./helpers/cli.ts";
import { contentHash, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { loadTruth, tableName } from "./helpers/truth.ts";
import { Writable } from "node:stream";

const server = useFixtureS3();

async function importAll(overlap: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "finops-pipe-"));
  const database = join(dir, "f.duckdb");
  const env = cleanEnv({ ...server.s3.env, TMPDIR: dir });
  const stderr = new Writable({ write: (_c, _e, cb) => cb() });
  const settings = loadSettings({ cwd: dir, env, flags: {} });
  const exports = loadTruth().exports.flatMap((e) => resolveExports({ exportName: e.name, bucket: e.bucket, prefix: e.prefix }, settings));
  const results = await importCur({
    exports,
    database,
    force: false,
    dryRun: false,
    tuning: settings.tuning,
    env,
    signal: new AbortController().signal,
    logger: createLogger({ stderr, stderrIsTTY: false, env }, "quiet"),
    progress: new NullProgress(),
    now: () => new Date("2026-01-01T00:00:00Z"),
    overlap,
  });
  expect(results.filter((r) => r.status !== "imported")).toEqual([]);
  expect(results).toHaveLength(18);
  return database;
}

test("overlapped and sequential imports of every fixture export give identical tables, views and state", async () => {
  const overlapped = await importAll(true);
  const sequential = await importAll(false);
  for (const e of loadTruth().exports) {
    const view = tableName(e.name);
    expect(await contentHash(overlapped, view)).toBe(await contentHash(sequential, view));
  }
  const state = (db: string) => query(db, "SELECT export, billing_period, version, rows, table_name, files, bytes FROM finops.periods ORDER BY 1, 2");
  expect(await state(overlapped)).toEqual(await state(sequential));
  const columns = (db: string) => query(db, "SELECT * FROM finops.columns ORDER BY export, billing_period, column_name");
  expect(await columns(overlapped)).toEqual(await columns(sequential));
});
