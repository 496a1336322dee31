/**
 * start_date / end_date on an export in the config file: `--all` imports only the configured months of that export
 * (the others all of theirs), and --start-date / --end-date still win over the file.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { periodTotals, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { costColumnOf, expectedTotals, exportTruth } from "./helpers/truth.ts";

const server = useFixtureS3();

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "finops-range-"));
  writeFileSync(
    join(dir, "finops.toml"),
    `[database]
path = "billing.duckdb"

[[aws.exports]]
name = "cur-v1-gzip"
bucket = "billing-fixtures"
prefix = "cur"
cur_version = "v1"
start_date = "2025-09"
end_date = "2025-09"

[[aws.exports]]
name = "focus"
bucket = "billing-fixtures"
prefix = "focus"
`,
  );
  return dir;
}

const held = async (db: string) =>
  (await query(db, "SELECT export, billing_period FROM finops.periods ORDER BY ALL")).map((r) => `${r.export} ${r.billing_period}`);

test("--all imports only the configured months of an export with start_date/end_date, every month of the others", async () => {
  const dir = workdir();
  const r = await runInProcess(["aws", "import-cur", "--all", "--json"], { env: cleanEnv(server.s3.env), cwd: dir });
  expect(r.exitCode).toBe(0);
  const focusPeriods = Object.keys(exportTruth("focus").periods).sort();
  expect(focusPeriods.length).toBeGreaterThan(1);
  expect(await held(join(dir, "billing.duckdb"))).toEqual(["cur-v1-gzip 2025-09", ...focusPeriods.map((p) => `focus ${p}`)]);
  // The one month imported is the whole month: rows and cost equal the generator's ground truth.
  const legacy = exportTruth("cur-v1-gzip");
  const totals = await periodTotals(join(dir, "billing.duckdb"), "cur_v1_gzip", costColumnOf(legacy));
  expect(totals).toEqual({ "2025-09": expectedTotals(legacy)["2025-09"] });
  // config show says so.
  const show = await runInProcess(["config", "show", "--json"], { env: cleanEnv(server.s3.env), cwd: dir });
  const rows = JSON.parse(show.stdout).settings as { key: string; value: string }[];
  expect(rows.find((s) => s.key === "aws.exports[0] cur-v1-gzip")?.value).toContain("periods 2025-09 – 2025-09");
});

test("--start-date / --end-date win over the export's start_date / end_date", async () => {
  const dir = workdir();
  const r = await runInProcess(["aws", "import-cur", "-e", "cur-v1-gzip", "--start-date", "2025-08", "--json"], { env: cleanEnv(server.s3.env), cwd: dir });
  expect(r.exitCode).toBe(0);
  // Flag start 2025-08 with the file's end 2025-09.
  expect(await held(join(dir, "billing.duckdb"))).toEqual(["cur-v1-gzip 2025-08", "cur-v1-gzip 2025-09"]);
});

test("a start_date after end_date is a config error naming the export", async () => {
  const dir = mkdtempSync(join(tmpdir(), "finops-range-"));
  writeFileSync(join(dir, "finops.toml"), `[[aws.exports]]\nname = "x"\nbucket = "b"\nstart_date = "2025-10"\nend_date = "2025-09"\n`);
  const r = await runInProcess(["aws", "import-cur", "--all"], { env: cleanEnv(server.s3.env), cwd: dir });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain("aws.exports[0].start_date: 2025-10 is after end_date 2025-09");
});
