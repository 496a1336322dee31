/**
 * A failure while a period's summaries are built (inside the period's transaction) is reported as itself. A wide
 * period (400 columns) is loaded on fewer DuckDB threads than configured and the summaries on all of them; the
 * threads were set back in a `finally`, in the failed transaction, which DuckDB refuses ("Current transaction is
 * aborted"): that message replaced the real one, so an out of memory there was not recognised and not retried.
 * Here the summaries fail while they run (a binder error would leave the transaction usable): the database's
 * `finops.daily_costs` carries a CHECK constraint that every row breaks, as a damaged or hand-edited database might.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_SHAPES, generateBenchShape } from "../scripts/fixtures/bench-exports.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { duckdbAlone, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-summary-failure-"));
const treeDir = join(scratch, "tree");
const shape = { ...BENCH_SHAPES.find((s) => s.name === "legacy-csv-wide")!, rowsFactor: 1, files: 1 };
const truth = await generateBenchShape({ outDir: treeDir, shape, rows: 2_000 });
const [exp] = truth.exports;
const server = useFixtureS3({ trees: [treeDir] });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("a wide period whose summaries fail while they run: the real error, exit 1, and no period recorded", async () => {
  const args = ["aws", "import-cur", "-b", exp!.bucket, "-p", exp!.prefix, "-e", exp!.name, "--json", "-v"];
  // two threads configured: the 400-column load runs on one, the summaries on two
  const env = cleanEnv({ ...server.s3.env, FINOPS_DUCKDB_THREADS: "2" });
  // the summary table's real columns, from an import that succeeds
  const first = mkdtempSync(join(scratch, "first-"));
  const ok = await runInProcess([...args, "-d", join(first, "billing.duckdb")], { env, cwd: first });
  expect(ok.exitCode).toBe(0);
  const columns = await query(join(first, "billing.duckdb"), "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'finops' AND table_name = 'daily_costs' ORDER BY column_index");
  expect(columns.map((c) => c.column_name)).toContain("line_items");

  const cwd = mkdtempSync(join(scratch, "work-"));
  const db = join(cwd, "billing.duckdb");
  const defs = columns.map((c) => `"${String(c.column_name)}" ${String(c.data_type)}${c.column_name === "line_items" ? " CHECK (line_items < 0)" : ""}`);
  await duckdbAlone(`ATTACH '${db.replaceAll("'", "''")}' AS d; CREATE SCHEMA d.finops; CREATE TABLE d.finops.daily_costs (${defs.join(", ")})`);
  const r = await runInProcess([...args, "-d", db], { env, cwd });
  expect(r.stderr).toContain("loading on 1 thread(s)");
  expect(r.exitCode).toBe(1);
  const [p] = JSON.parse(r.stdout).periods as { outcome: string; error: string | null }[];
  expect(p!.outcome).toBe("failed");
  expect(p!.error).toContain("CHECK constraint failed");
  expect(p!.error).not.toContain("transaction is aborted");
  expect(r.stderr).toContain("[error] bench-legacy-csv-wide 2025-09: Constraint Error: CHECK constraint failed");
  expect(await query(db, "SELECT count(*)::INTEGER AS n FROM finops.periods")).toEqual([{ n: 0 }]);
}, 120_000);
