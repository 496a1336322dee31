/**
 * A wide legacy CUR: the real report's columns plus 300 cost allocation tags (400 columns), as enterprises that
 * activate hundreds of tags receive it. With the default settings and no flag it imports every row: finops picks the
 * DuckDB threads and memory limit from the column count (src/cur/load-settings.ts). Before, it failed at once with
 * `Out of Memory Error: could not allocate block of size 256.0 KiB`. The benchmark shows its speed and peak RSS.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_SHAPES, generateBenchShape } from "../scripts/fixtures/bench-exports.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { duckdbAlone, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-wide-"));
const treeDir = join(scratch, "tree");
const shape = { ...BENCH_SHAPES.find((s) => s.name === "legacy-csv-wide")!, rowsFactor: 1, files: 2 };
// more rows than two row groups per file: enough for the load to fill a row group on each thread
const truth = await generateBenchShape({ outDir: treeDir, shape, rows: 300_000 });
const [exp] = truth.exports;
const period = Object.values(exp!.periods)[0]!;
const version = period.versions[period.currentKey]!;
const server = useFixtureS3({ trees: [treeDir] });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("a 400-column legacy CUR (300 tags) imports with the default settings: every row, every column, the cost", async () => {
  expect(version.columnCount).toBeGreaterThanOrEqual(395);
  const cwd = mkdtempSync(join(scratch, "work-"));
  const db = join(cwd, "billing.duckdb");
  const r = await runInProcess(["aws", "import-cur", "-b", exp!.bucket, "-p", exp!.prefix, "-e", exp!.name, "-d", db, "--json"], { env: cleanEnv(server.s3.env), cwd });
  expect(r.stderr).not.toContain("[error]");
  expect(r.exitCode).toBe(0);
  // at the first settings: the reports' summary used to group by every line item's 60-entry tag map and run out of
  // memory at 400 MB, so the period was loaded a second time with 800 MB
  expect(r.stderr).not.toContain("out of memory");
  const periods = JSON.parse(r.stdout).periods as { outcome: string; rows: number }[];
  expect(periods.map((p) => [p.outcome, p.rows])).toEqual([["imported", 300_000]]);

  const [p] = await query(db, "SELECT table_name FROM finops.periods WHERE export = $1", [exp!.name]);
  const cols = await query(db, "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = $1", [String(p!.table_name)]);
  expect(cols.length).toBe(version.columnCount);
  expect(cols.filter((c) => String(c.column_name).startsWith("resourceTags_user:tag-")).length).toBe(300);

  const [got] = await query(db, `SELECT count(*)::BIGINT AS rows, sum("lineItem_UnblendedCost")::DOUBLE AS cost, count("resourceTags_user:tag-300")::BIGINT AS tagged FROM aws_billing."${String(p!.table_name)}"`);
  expect(Number(got!.rows)).toBe(version.rows);
  expect(Math.abs(Number(got!.cost) - Number(version.costText))).toBeLessThan(1e-4);
  // the last tag column holds the file's values, not NULLs: DuckDB alone reads as many
  const files = version.files.map((f) => `'${join(treeDir, exp!.bucket, f.key).replaceAll("'", "''")}'`).join(", ");
  const [want] = await duckdbAlone<{ tagged: string }>(`SELECT count("resourceTags/user:tag-300")::BIGINT AS tagged FROM read_csv([${files}], all_varchar = true, header = true)`);
  expect(Number(got!.tagged)).toBe(Number(want!.tagged));
  expect(Number(want!.tagged)).toBeGreaterThan(30_000);

  // The reports' summary: every line item and its cost once, and the cost of each tag as the files hold it (DuckDB
  // alone reads the CSV), for a tag of the first and of the last wide column.
  const [daily] = await query(db, `SELECT sum(line_items)::BIGINT AS items, sum(x_UnblendedCost)::DOUBLE AS cost FROM finops.daily_costs`);
  expect(Number(daily!.items)).toBe(version.rows);
  expect(Math.abs(Number(daily!.cost) - Number(version.costText))).toBeLessThan(1e-4);
  for (const k of ["001", "300"]) {
    const [s] = await query(db, `SELECT sum(x_UnblendedCost)::DOUBLE AS cost, sum(line_items)::BIGINT AS items FROM finops.daily_costs d JOIN finops.daily_tags t USING (export, billing_period, x_TagSet) WHERE t.key = 'user_tag_${k}'`);
    const [f] = await duckdbAlone<{ cost: number; items: string }>(
      `SELECT sum(CAST("lineItem/UnblendedCost" AS DOUBLE)) AS cost, count(*)::BIGINT AS items FROM read_csv([${files}], all_varchar = true, header = true) WHERE coalesce("resourceTags/user:tag-${k}", '') <> ''`,
    );
    expect(Number(s!.items)).toBe(Number(f!.items));
    expect(Math.abs(Number(s!.cost) - Number(f!.cost))).toBeLessThan(1e-4);
  }
}, 240_000);
