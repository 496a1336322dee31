/** `npm run demo` (scripts/demo.ts): the README's main-job command works and prints the cost tables. */
import { expect, test } from "bun:test";
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
  expect(stdout.match(/│ service\s+│ 2025-08 │ 2025-09 │ 2025-10 │/g)?.length).toBe(2);
  expect(stdout).toMatch(/│ AmazonEC2\s+│\s+-?\d+\.\d\d │/);
});
