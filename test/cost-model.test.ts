/**
 * The cost model (src/model/): the commitments bill (scripts/fixtures/commitments.ts — an EDP discount, Savings Plans,
 * Reserved Instances, credits, refunds, tax) as legacy CSV, legacy Parquet, CUR 2.0 Parquet and CSV and FOCUS 1.2,
 * imported into one database, read through focus."{export}" and focus.costs. Ground truth is the generator's own
 * line items (commitments-truth.json), never finops' SQL.
 *
 * One difference is by design: a FOCUS export's EffectiveCost is AWS's own, after discounts (net amortized), so for it
 * EffectiveCost is compared with the truth's net amortized sum; for the CUR flavours EffectiveCost is the amortized
 * cost on the gross columns and x_NetAmortizedCost the one on the net columns (issue #12, Build 3).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITMENTS_BUCKET, generateCommitmentsBill, type CommitmentsExportTruth } from "../scripts/gen-fixtures.ts";
import { FOCUS_COLUMNS, tagKey } from "../src/model/focus.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { tableName } from "./helpers/truth.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-cost-model-"));
const treeDir = join(scratch, "tree");
const truth = await generateCommitmentsBill(treeDir);
const server = useFixtureS3({ trees: [treeDir] });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const work = mkdtempSync(join(scratch, "work-"));
const db = join(work, "billing.duckdb");
const config = (priority?: { name: string; value: number }) =>
  `[database]\npath = "${db}"\n` +
  truth.exports
    .map(
      (e) =>
        `[[aws.exports]]\nname = "${e.name}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${e.prefix}"\ncur_version = "${e.flavour === "legacy" ? "v1" : "v2"}"\n` +
        (priority?.name === e.name ? `priority = ${priority.value}\n` : ""),
    )
    .join("\n");
const cfg = join(work, "finops.toml");

async function importAll(): Promise<void> {
  const r = await runInProcess(["aws", "import-cur", "--all", "-c", cfg, "--json"], { env: cleanEnv(server.s3.env), cwd: work });
  expect(r.stderr).not.toContain("[error]");
  expect(r.exitCode).toBe(0);
}

const view = (e: CommitmentsExportTruth) => `focus."${tableName(e.name)}"`;
const near = (got: unknown, want: number) => expect(Math.abs(Number(got) - want)).toBeLessThan(1e-6);
const main = truth.exports.filter((e) => e.name !== "no-commitments");

describe("focus views over every flavour of one bill", () => {
  test("import of all six exports", async () => {
    writeFileSync(cfg, config());
    await importAll();
  });

  test("every FOCUS column has its documented DuckDB type, in focus.costs and in each export's view", async () => {
    const cols = await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'focus' AND table_name = 'costs' ORDER BY column_index");
    expect(cols.map((c) => [String(c.column_name), String(c.data_type)])).toEqual(FOCUS_COLUMNS);
    for (const e of truth.exports) {
      const v = await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'focus' AND table_name = $1 ORDER BY column_index", [tableName(e.name)]);
      expect(v.map((c) => [String(c.column_name), String(c.data_type)])).toEqual(FOCUS_COLUMNS);
    }
  });

  for (const e of truth.exports) {
    test(`${e.name} (${e.flavour}${e.format ? `, ${e.format}` : ""}): per period, rows as the raw table, BilledCost, EffectiveCost, x_NetAmortizedCost and ListCost as the generator's line items`, async () => {
      for (const [period, p] of Object.entries(e.periods)) {
        const [raw] = await query(db, `SELECT count(*)::BIGINT AS n FROM aws_billing."${tableName(e.name)}_${period.slice(0, 4)}_${period.slice(5, 7)}"`);
        const [got] = await query(
          db,
          `SELECT count(*)::BIGINT AS n, sum(BilledCost) AS billed, sum(EffectiveCost) AS effective, sum(x_NetAmortizedCost) AS net,
                  sum(ListCost) AS list, count(DISTINCT x_Flavour)::BIGINT AS flavours
           FROM ${view(e)} WHERE strftime(BillingPeriodStart, '%Y-%m') = $1`,
          [period],
        );
        expect(Number(got!.n)).toBe(Number(raw!.n));
        expect(Number(got!.n)).toBe(p.rows);
        near(got!.billed, p.sums.billed.rounded);
        near(got!.effective, e.flavour === "focus" ? p.sums.netAmortized.rounded : p.sums.effective.rounded);
        near(got!.net, p.sums.netAmortized.rounded);
        near(got!.list, p.sums.list.rounded);
      }
    });
  }

  test("the same bill in five flavours: the same aggregates by (ChargeCategory, ServiceName, SubAccountId, RegionId, day)", async () => {
    for (const e of main) {
      for (const [period, p] of Object.entries(e.periods)) {
        const got = await query(
          db,
          `SELECT ChargeCategory AS cat, ServiceName AS svc, SubAccountId AS acct, RegionId AS region, strftime(ChargePeriodStart, '%Y-%m-%d') AS day,
                  sum(BilledCost) AS billed, sum(EffectiveCost) AS effective, sum(x_NetAmortizedCost) AS net, sum(ListCost) AS list
           FROM ${view(e)} WHERE strftime(BillingPeriodStart, '%Y-%m') = $1 GROUP BY ALL`,
          [period],
        );
        const key = (cat: unknown, svc: unknown, acct: unknown, region: unknown, day: unknown) => JSON.stringify([cat, svc, acct, region ?? null, day]);
        const byKey = new Map(got.map((g) => [key(g.cat, g.svc, g.acct, g.region, g.day), g]));
        for (const want of p.groups) {
          const g = byKey.get(key(want.chargeCategory, want.serviceName, want.subAccountId, want.regionId, want.day));
          if (!g) throw new Error(`${e.name} ${period}: no group ${key(want.chargeCategory, want.serviceName, want.subAccountId, want.regionId, want.day)}`);
          near(g.billed, want.billed.rounded);
          near(g.net, want.netAmortized.rounded);
          near(g.list, want.list.rounded);
          near(g.effective, e.flavour === "focus" ? want.netAmortized.rounded : want.effective.rounded);
        }
        expect(got.length).toBe(p.groups.length);
      }
    }
  });

  test("Tags: each flavour's tags read under the same keys with the same values", async () => {
    const want = new Set<string>();
    for (const l of truth.lines) {
      for (const [k, v] of Object.entries(l.tags ?? {})) want.add(JSON.stringify([tagKey(truth.tagKeys[k]!.legacy.slice("resourceTags/".length)), v]));
    }
    expect(want.size).toBeGreaterThan(3);
    for (const e of main) {
      const got = await query(db, `SELECT DISTINCT unnest(map_keys(Tags)) AS k, unnest(map_values(Tags)) AS v FROM ${view(e)}`);
      expect(new Set(got.map((g) => JSON.stringify([g.k, g.v])))).toEqual(want);
    }
  });

  test("a period without net columns and an export without any commitment column read through the view", async () => {
    const legacyCsv = truth.exports.find((e) => e.key === "legacyCsv")!;
    expect(legacyCsv.periods["2025-08"]!.hasNetColumns).toBe(false);
    const noCommit = truth.exports.find((e) => e.name === "no-commitments")!;
    expect(Object.values(noCommit.periods).every((p) => !p.hasCommitmentColumns)).toBe(true);
    const [row] = await query(db, `SELECT count(*)::BIGINT AS n, count(CommitmentDiscountId)::BIGINT AS c FROM ${view(noCommit)}`);
    expect(Number(row!.n)).toBe(Object.values(noCommit.periods)[0]!.rows);
    expect(Number(row!.c)).toBe(0);
  });
});

describe("focus.costs counts each (billing account, billing period) once", () => {
  const periodSums = async () =>
    query(db, "SELECT x_Export AS e, strftime(BillingPeriodStart, '%Y-%m') AS p, count(*)::BIGINT AS n, sum(BilledCost) AS billed FROM focus.costs GROUP BY ALL ORDER BY p, e");

  test("by default from the most recent flavour (FOCUS); list-exports shows the others shadowed", async () => {
    const focusExport = truth.exports.find((e) => e.flavour === "focus")!;
    const sums = await periodSums();
    const payer = sums.filter((s) => s.e !== "no-commitments");
    expect(payer.map((s) => [s.e, s.p])).toEqual(Object.keys(focusExport.periods).map((p) => [focusExport.name, p]));
    for (const s of payer) near(s.billed, focusExport.periods[String(s.p)]!.sums.billed.rounded);
    // the member account's own report belongs to the same billing account (its payer) and period: shadowed too
    expect(sums.some((s) => s.e === "no-commitments")).toBe(false);

    const r = await runInProcess(["aws", "list-exports", "-d", db, "--json"], { env: cleanEnv(), cwd: work });
    expect(r.exitCode).toBe(0);
    const listed = JSON.parse(r.stdout).exports as { name: string; focus: { counted: string[]; shadowed: { period: string; by: string }[] } }[];
    const legacy = listed.find((x) => x.name === "commitments-cur-csv")!;
    expect(legacy.focus.counted).toEqual([]);
    expect(legacy.focus.shadowed.map((s) => [s.period, s.by])).toEqual([["2025-08", focusExport.name], ["2025-09", focusExport.name]]);
    expect(listed.find((x) => x.name === focusExport.name)!.focus.counted).toEqual(["2025-08", "2025-09"]);
    expect(listed.find((x) => x.name === "no-commitments")!.focus.shadowed.map((s) => [s.period, s.by])).toEqual([["2025-08", focusExport.name]]);
    const table = await runInProcess(["aws", "list-exports", "-d", db], { env: cleanEnv(), cwd: work });
    expect(table.stdout).toContain(`2025-08, 2025-09 shadowed by ${focusExport.name}`);
  });

  test("priority = N in the config flips it, with no new download", async () => {
    writeFileSync(cfg, config({ name: "commitments-cur-csv", value: 10 }));
    await importAll();
    const legacyCsv = truth.exports.find((e) => e.name === "commitments-cur-csv")!;
    const sums = (await periodSums()).filter((s) => s.e !== "no-commitments");
    expect(sums.map((s) => [s.e, s.p])).toEqual([["commitments-cur-csv", "2025-08"], ["commitments-cur-csv", "2025-09"]]);
    for (const s of sums) near(s.billed, legacyCsv.periods[String(s.p)]!.sums.billed.rounded);
  });
});
