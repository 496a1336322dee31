/**
 * A database imported by a finops from before the cost model has its periods in aws_billing but no focus."{export}"
 * views, no focus.costs and no finops.focus_accounts rows. The next import builds them when it opens the database,
 * with nothing new to download. And an import from flags alone keeps the `priority` the config gave an export.
 *
 * The old database is simulated on a fresh import of the commitments bill (six exports of every flavour): its focus
 * schema dropped and finops.focus_accounts emptied.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITMENTS_BUCKET, generateCommitmentsBill } from "../scripts/gen-fixtures.ts";
import { openDatabase } from "../src/store/duckdb.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { tableName } from "./helpers/truth.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-backfill-"));
const treeDir = join(scratch, "tree");
const truth = await generateCommitmentsBill(treeDir);
const server = useFixtureS3({ trees: [treeDir] });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const work = join(scratch, "work");
mkdirSync(work);
const db = join(work, "billing.duckdb");
const cfg = join(work, "finops.toml");
const config = (priority?: { name: string; value: number }) =>
  `[database]\npath = "${db}"\n` +
  truth.exports
    .map(
      (e) =>
        `[[aws.exports]]\nname = "${e.name}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${e.prefix}"\ncur_version = "${e.flavour === "legacy" ? "v1" : "v2"}"\n` +
        (priority?.name === e.name ? `priority = ${priority.value}\n` : ""),
    )
    .join("\n");

async function importAll(): Promise<{ stderr: string; outcomes: string[] }> {
  const r = await runInProcess(["aws", "import-cur", "--all", "-c", cfg, "--json"], { env: cleanEnv(server.s3.env), cwd: work });
  expect(r.stderr).not.toContain("[error]");
  expect(r.stderr).not.toContain("[warn]");
  expect(r.exitCode).toBe(0);
  return { stderr: r.stderr, outcomes: (JSON.parse(r.stdout).periods as { outcome: string }[]).map((p) => p.outcome) };
}

/** Write to the database as an older finops left it. */
async function alter(sql: string): Promise<void> {
  const { instance, connection } = await openDatabase(db);
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** What the cost model holds: focus.costs and each export's view (rows, sums), and finops.focus_accounts. */
async function costModel() {
  const costs = await query(
    db,
    "SELECT count(*)::BIGINT AS n, round(sum(EffectiveCost), 9) AS effective, round(sum(BilledCost), 9) AS billed, list(DISTINCT x_Export ORDER BY x_Export) AS exports FROM focus.costs",
  );
  const views: Record<string, unknown>[] = [];
  for (const e of truth.exports) {
    const [v] = await query(db, `SELECT count(*)::BIGINT AS n, round(sum(EffectiveCost), 9) AS effective FROM focus."${tableName(e.name)}"`);
    views.push({ export: e.name, ...v });
  }
  const accounts = await query(db, "SELECT export, billing_period, billing_account_id, billing_period_start::VARCHAR AS start, rows::BIGINT AS rows FROM finops.focus_accounts ORDER BY ALL");
  return { costs: costs[0], views, accounts };
}

const focusViews = async () => (await query(db, "SELECT view_name FROM duckdb_views() WHERE schema_name = 'focus' ORDER BY 1")).map((r) => String(r.view_name));
const backfillLines = (stderr: string) => stderr.split("\n").filter((l) => l.includes("building the cost model"));

describe("an import builds the cost model of a database written before it", () => {
  let before: Awaited<ReturnType<typeof costModel>>;
  beforeAll(async () => {
    writeFileSync(cfg, config());
    await importAll();
    before = await costModel();
  });

  test("the fresh import has the cost model (the baseline the rest compares with)", () => {
    expect(Number(before.costs!.n)).toBeGreaterThan(0);
    expect(Number(before.costs!.effective)).not.toBe(0);
    expect(before.accounts.length).toBeGreaterThanOrEqual(truth.exports.length);
  });

  test("focus schema dropped and finops.focus_accounts emptied → a no-op import rebuilds focus.costs, every view and the accounts, saying so once", async () => {
    await alter("DROP SCHEMA focus CASCADE; DELETE FROM finops.focus_accounts;");
    expect(await focusViews()).toEqual([]);
    expect(await query(db, "SELECT * FROM finops.focus_accounts")).toEqual([]);

    const { stderr, outcomes } = await importAll();
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o === "up to date")).toBe(true);
    expect(backfillLines(stderr)).toEqual([`[info] building the cost model for ${truth.exports.length} exports written by an older finops`]);
    expect(await focusViews()).toEqual(["costs", ...truth.exports.map((e) => tableName(e.name))].sort());
    expect(await costModel()).toEqual(before);

    // Built once: the next import has nothing to build.
    expect(backfillLines((await importAll()).stderr)).toEqual([]);
  });

  test("one export's view missing → only that export is rebuilt", async () => {
    const one = truth.exports.find((e) => e.flavour === "cur2")!;
    await alter(`DROP VIEW focus."${tableName(one.name)}"`);
    const { stderr } = await importAll();
    expect(backfillLines(stderr)).toEqual(["[info] building the cost model for 1 export written by an older finops"]);
    expect(await costModel()).toEqual(before);
  });

  test("a period missing from finops.focus_accounts (its view still there) → its export is rebuilt", async () => {
    const one = truth.exports.find((e) => e.flavour === "focus")!;
    await alter(`DELETE FROM finops.focus_accounts WHERE export = '${one.name}' AND billing_period = '2025-09'`);
    const { stderr } = await importAll();
    expect(backfillLines(stderr)).toEqual(["[info] building the cost model for 1 export written by an older finops"]);
    expect(await costModel()).toEqual(before);
  });

  test("reports' summaries written with a MAP of tags per row (before finops.daily_tags) → the reports say what to do; a no-op import rebuilds them as they were", async () => {
    const summaries = async () => ({
      daily: await query(db, "SELECT export, billing_period, sum(line_items)::BIGINT AS items, round(sum(EffectiveCost), 9) AS effective, count(x_TagSet)::BIGINT AS tagged FROM finops.daily_costs GROUP BY ALL ORDER BY ALL"),
      tags: await query(db, "SELECT export, billing_period, key, count(*)::BIGINT AS sets FROM finops.daily_tags GROUP BY ALL ORDER BY ALL"),
    });
    const tagsReport = async () => {
      const r = await runInProcess(["report", "tags", "-c", cfg, "--json"], { env: cleanEnv(server.s3.env), cwd: work });
      return { ...r, report: r.exitCode === 0 ? JSON.parse(r.stdout) : undefined };
    };
    const fresh = await summaries();
    const report = await tagsReport();
    expect(report.exitCode).toBe(0);
    expect(fresh.tags.length).toBeGreaterThan(0);
    expect(report.report.keys.length).toBeGreaterThan(0);

    await alter("ALTER TABLE finops.daily_costs DROP COLUMN x_TagSet; ALTER TABLE finops.daily_costs ADD COLUMN Tags MAP(VARCHAR, VARCHAR); DROP TABLE finops.daily_tags;");
    const old = await tagsReport();
    expect(old.exitCode).toBe(1);
    expect(old.stderr).toContain("the reports' summaries in this database were written by an older finops");
    expect(old.stderr).toContain("finops aws import-cur");

    const { stderr, outcomes } = await importAll();
    expect(outcomes.every((o) => o === "up to date")).toBe(true);
    expect(backfillLines(stderr)).toEqual([`[info] building the cost model for ${truth.exports.length} exports written by an older finops`]);
    expect(await summaries()).toEqual(fresh);
    expect((await tagsReport()).report).toEqual(report.report);
    expect(await costModel()).toEqual(before);
  });
});

describe("priority: only the config sets it", () => {
  const target = truth.exports.find((e) => e.name === "commitments-cur-csv")!;
  const priorityOf = async () => (await query(db, "SELECT priority FROM finops.exports WHERE name = $1", [target.name]))[0]!.priority;
  const countedFrom = async () => (await query(db, "SELECT DISTINCT x_Export AS e FROM focus.costs WHERE x_Export <> 'no-commitments' ORDER BY 1")).map((r) => r.e);

  test("an import from flags alone keeps the priority the config gave; the config without it clears it", async () => {
    writeFileSync(cfg, config({ name: target.name, value: 10 }));
    await importAll();
    expect(await priorityOf()).toBe(10);
    expect(await countedFrom()).toEqual([target.name]);

    // The same export named by flags from a folder with no config file: nothing new, and the priority stays.
    const elsewhere = mkdtempSync(join(scratch, "flags-"));
    const r = await runInProcess(["aws", "import-cur", "-b", COMMITMENTS_BUCKET, "-p", target.prefix, "-e", target.name, "--cur-version", "v1", "-d", db, "--json"], {
      env: cleanEnv(server.s3.env),
      cwd: elsewhere,
    });
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout).periods as { outcome: string }[]).every((p) => p.outcome === "up to date")).toBe(true);
    expect(await priorityOf()).toBe(10);
    expect(await countedFrom()).toEqual([target.name]);

    writeFileSync(cfg, config());
    await importAll();
    expect(await priorityOf()).toBeNull();
    expect(await countedFrom()).toEqual([truth.exports.find((e) => e.flavour === "focus")!.name]);
  });
});
