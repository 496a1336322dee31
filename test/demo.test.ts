/** `npm run demo` (scripts/demo.ts): the README's main-job command works and prints the cost tables. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./helpers/cli.ts";

test("the demo imports both sample exports, re-imports nothing, and prints cost per service per month", async () => {
  const proc = Bun.spawn([process.execPath, join(repoRoot, "scripts", "demo.ts")], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(code).toBe(0);
  // First run: every period imported; second run: all up to date, and no data file downloaded.
  expect(stdout.match(/│ imported\s+│/g)?.length).toBe(6);
  expect(stdout.match(/│ up to date\s+│/g)?.length).toBe(6);
  expect(stderr).toContain("data files downloaded by the second run: 0");
  // Two cost tables, services as rows, months as columns, money with two decimals.
  // Three: the two SQL pivots and `finops report costs` (which adds total, change, and an (other) row past --top 8).
  expect(stdout.match(/│ service\s+│ 2025-08 │ 2025-09 │ 2025-10 │/g)?.length).toBe(3);
  expect(stdout).toMatch(/│ service\s+│ 2025-08 │ 2025-09 │ 2025-10 │\s+total │ change 2025-10 │\s+% │/);
  expect(stdout).toMatch(/│ \(other\)\s+│/);
  // report movers, and the HTML report written.
  expect(stdout).toMatch(/│ service\s+│ 2025-09 │ 2025-10 │\s+change │\s+% │/);
  expect(stderr).toContain("The HTML report is data/demo-report.html");
  expect(readFileSync(join(repoRoot, "data", "demo-report.html"), "utf8")).toContain('<svg class="chart"');
  expect(stdout).toMatch(/│ AmazonEC2\s+│\s+-?\d+\.\d\d │/);
  // The FOCUS cost model: focus.costs, counted from the CUR 2.0 export (the more recent flavour).
  expect(stdout).toMatch(/│ ServiceName\s+│ ChargeCategory │\s+billed │\s+effective │ from export\s+│/);
  expect(stdout).toMatch(/│ cur2-parquet │/);
  expect(stdout).not.toMatch(/│ cur-v1-gzip\s+│\s*$/m);
});

test("finops query \"SELECT * FROM focus.costs LIMIT 1\" on the demo database: one row, every FOCUS column", async () => {
  const { FOCUS_COLUMNS } = await import("../src/model/focus.ts");
  const proc = Bun.spawn([process.execPath, join(repoRoot, "main.ts"), "query", "-d", join(repoRoot, "data", "demo.duckdb"), "--json", "SELECT * FROM focus.costs LIMIT 1"], {
    cwd: repoRoot,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  const parsed = JSON.parse(stdout);
  const rows = Array.isArray(parsed) ? parsed : parsed.rows;
  expect(rows).toHaveLength(1);
  expect(Object.keys(rows[0]).sort()).toEqual(FOCUS_COLUMNS.map(([n]) => n).sort());
});
