#!/usr/bin/env bun
/**
 * The benchmark's baseline, run in a fresh process: DuckDB alone creating a table from the same local files with the
 * same column types finops uses (the very SELECT finops builds), no S3, no bookkeeping. Prints rows on stdout.
 *   bun scripts/bench-baseline.ts <database> <manifest.json> <legacy|cur2> <finops|duckdb> <file>...
 * `finops`: the DuckDB settings finops uses by default (threads, memory limit, preserve_insertion_order);
 * `duckdb`: DuckDB's own defaults (every core, 80% of RAM).
 */
import { readFileSync, rmSync } from "node:fs";
import { parseCur2Manifest, parseLegacyManifest } from "../src/cur/manifest.ts";
import { resolveTuning } from "../src/config/tuning.ts";
import { periodSelect } from "../src/cur/select.ts";
import { unzipSingleCsv } from "../src/cur/unzip.ts";
import { isOutOfMemory, loadDuckDB } from "../src/store/duckdb.ts";

const [database, manifestPath, flavour, settings, ...files] = process.argv.slice(2);
const text = readFileSync(manifestPath, "utf8");
const manifest = flavour === "legacy" ? parseLegacyManifest(text, manifestPath, JSON.parse(text).bucket) : parseCur2Manifest(text, manifestPath, "billing-bench", "");
// DuckDB cannot read a ZIP: unzipped first (the time counts), as finops does.
const local: string[] = [];
for (const path of files) {
  if (!path.endsWith(".zip")) {
    local.push(path);
    continue;
  }
  const csv = `${database}.${local.length}.csv`;
  await unzipSingleCsv(path, csv);
  local.push(csv);
}
const { sql } = await periodSelect({
  flavour: flavour === "legacy" ? "legacy" : "cur2",
  columns: manifest.columns,
  files: local.map((path) => ({ path, source: path, format: manifest.format, gzip: path.endsWith(".gz") })),
});
const { DuckDBInstance } = await loadDuckDB();
const tuning = resolveTuning(process.env, {});
const options: Record<string, string> =
  settings === "finops" ? { threads: String(tuning.threads), memory_limit: tuning.memoryLimit, preserve_insertion_order: "false" } : {};
const instance = await DuckDBInstance.create(database, options);
const connection = await instance.connect();
// As finops: on one thread if the period does not fit the limit on several.
const create = () => connection.run(`CREATE TABLE baseline AS ${sql}`);
try {
  await create();
} catch (err) {
  if (settings !== "finops" || !isOutOfMemory(err)) throw err;
  console.error("baseline: out of memory, again on one thread");
  await connection.run("SET threads = 1");
  await create();
}
const rows = (await connection.runAndReadAll("SELECT count(*) FROM baseline")).getRows()[0][0];
connection.closeSync();
instance.closeSync();
for (const path of local) if (!files.includes(path)) rmSync(path, { force: true });
console.log(String(rows));
