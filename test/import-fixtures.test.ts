/**
 * aws import-cur against every export flavour the fixture generator writes (fixtures/exports), served by a real S3
 * server on loopback, into real DuckDB files: rows and cost per period equal the generator's ground truth.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, runInProcess, type RunResult } from "./helpers/cli.ts";
import { currentVersions, periodTotals, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { FIXTURES, costColumnOf, expectedTotals, exportTruth, loadTruth, notCurrentKeys, tableName, type TruthExport } from "./helpers/truth.ts";

const truth = loadTruth();

const server = useFixtureS3();

function workdir() {
  const dir = mkdtempSync(join(tmpdir(), "finops-fx-"));
  return { dir, db: join(dir, "billing.duckdb") };
}

async function importExport(e: TruthExport, db: string, extra: string[] = []): Promise<RunResult> {
  return runInProcess(["aws", "import-cur", "-b", e.bucket, "-p", e.prefix, "-e", e.name, "-d", db, "--json", ...extra], {
    env: cleanEnv({ ...server.s3.env }),
  });
}

function periodsOf(r: RunResult): { period: string; outcome: string; rows: number | null; version: string; files: number }[] {
  return JSON.parse(r.stdout).periods;
}

function expectTotalsMatch(got: Record<string, { rows: number; cost: number }>, want: Record<string, { rows: number; cost: number }>) {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [p, w] of Object.entries(want)) {
    expect(got[p].rows).toBe(w.rows);
    expect(got[p].cost).toBeCloseTo(w.cost, 5);
  }
}

/** GET/HEAD requests for data files (anything but manifests and listings) since `from`. */
const dataRequests = (from: number) => server.s3.requests.slice(from).filter((r) => (r.method === "GET" || r.method === "HEAD") && r.key && !r.key.endsWith("-Manifest.json"));

describe("every flavour imports exactly the ground truth", () => {
  for (const e of truth.exports) {
    test(`${e.name} (${e.flavour}, ${e.format}/${e.compression}, ${e.mode} mode): rows and ${costColumnOf(e)} per period`, async () => {
      const { db } = workdir();
      const from = server.s3.requests.length;
      const r = await importExport(e, db);
      expect(r.stderr).not.toContain("[error]");
      expect(r.exitCode).toBe(0);
      const periods = periodsOf(r);
      expect(periods.map((p) => [p.period, p.outcome])).toEqual(Object.keys(e.periods).map((p) => [p, "imported"]));
      for (const p of periods) expect(p.rows).toBe(e.periods[p.period].versions[e.periods[p.period].currentKey].rows);
      expectTotalsMatch(await periodTotals(db, tableName(e.name), costColumnOf(e)), expectedTotals(e));
      // The versions recorded are the manifests' (assemblyId / executionId / hash when executionId is missing).
      const versions = await currentVersions(db, e.name);
      for (const [period, p] of Object.entries(e.periods)) {
        if (p.current) expect(versions[period]).toBe(p.current);
        else expect(versions[period]).toMatch(/^sha256:[0-9a-f]{32}$/);
      }
      // Exactly the current versions' files were read: no stale chunk, no old version or refresh folder.
      const read = new Set(dataRequests(from).map((q) => q.key));
      for (const key of notCurrentKeys(e)) expect(read.has(key)).toBe(false);
      const current = Object.values(e.periods).flatMap((p) => p.versions[p.currentKey].files.map((f) => f.key));
      expect([...read].sort()).toEqual([...current].sort());
      // The view over all periods holds every row.
      const [all] = await query(db, `SELECT count(*)::BIGINT AS n FROM aws_billing."${tableName(e.name)}"`);
      expect(Number(all.n)).toBe(Object.values(expectedTotals(e)).reduce((a, b) => a + b.rows, 0));
    });
  }

  test("stale chunks and old refresh/version folders are really in the bucket (and were not counted above)", async () => {
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const keys = new Set<string>();
    let token: string | undefined;
    do {
      const page = await server.s3.client.send(new ListObjectsV2Command({ Bucket: "billing-fixtures", ContinuationToken: token }));
      for (const o of page.Contents ?? []) keys.add(o.Key!);
      token = page.NextContinuationToken;
    } while (token);
    const stale = truth.exports.flatMap(notCurrentKeys);
    expect(stale.length).toBeGreaterThanOrEqual(4);
    for (const k of stale) expect(keys.has(k)).toBe(true);
    expect(exportTruth("cur2-parquet").periods["2025-09"].staleFiles[0].rows).toBeGreaterThan(0);
  });
});

describe("re-runs, new versions and options", () => {
  test("a second run with nothing changed reads no data file, changes nothing, exits 0, reports every period up to date", async () => {
    const { db } = workdir();
    const exports = truth.exports;
    for (const e of exports) expect((await importExport(e, db)).exitCode).toBe(0);
    const stateBefore = await query(db, "SELECT * FROM finops.periods ORDER BY export, billing_period");
    const loadsBefore = await query(db, "SELECT count(*)::INT AS n FROM finops.loads");
    const tablesBefore = await query(db, "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'aws_billing' ORDER BY 1");
    const from = server.s3.requests.length;
    for (const e of exports) {
      const r = await importExport(e, db);
      expect(r.exitCode).toBe(0);
      expect(periodsOf(r).every((p) => p.outcome === "up to date")).toBe(true);
    }
    expect(dataRequests(from)).toEqual([]);
    const manifestGets = server.s3.requests.slice(from).filter((q) => q.method === "GET" && q.key?.endsWith("-Manifest.json"));
    expect(manifestGets.length).toBe(exports.reduce((a, e) => a + Object.keys(e.periods).length, 0));
    expect(await query(db, "SELECT * FROM finops.periods ORDER BY export, billing_period")).toEqual(stateBefore);
    expect(await query(db, "SELECT count(*)::INT AS n FROM finops.loads")).toEqual(loadsBefore);
    expect(await query(db, "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'aws_billing' ORDER BY 1")).toEqual(tablesBefore);
  });

  test("a new version of one period replaces that period only; the view shows the new totals; the history holds both loads", async () => {
    const e = exportTruth("cur-v1-gzip");
    const p = e.periods["2025-09"];
    const [oldId, newId] = [Object.keys(p.versions).find((k) => k !== p.currentKey)!, p.currentKey];
    const oldV = p.versions[oldId];
    const newV = p.versions[newId];
    const topKey = newV.manifestKey;
    const { readFileSync } = await import("node:fs");
    const oldManifest = readFileSync(join(FIXTURES, e.bucket, oldV.manifestCopyKey!));
    const newManifest = readFileSync(join(FIXTURES, e.bucket, topKey));
    const { db } = workdir();
    try {
      // The bucket as it was before the newer delivery: the top-level manifest is the older version's.
      await server.s3.put(e.bucket, topKey, oldManifest);
      expect((await importExport(e, db)).exitCode).toBe(0);
      const before = await periodTotals(db, tableName(e.name), "lineItem_UnblendedCost");
      expect(before["2025-09"].rows).toBe(oldV.rows);
      expect(before["2025-09"].cost).toBeCloseTo(oldV.cost, 5);

      await server.s3.put(e.bucket, topKey, newManifest);
      const r = await importExport(e, db);
      expect(r.exitCode).toBe(0);
      expect(periodsOf(r).map((x) => [x.period, x.outcome])).toEqual([
        ["2025-08", "up to date"],
        ["2025-09", "imported"],
        ["2025-10", "up to date"],
      ]);
      const after = await periodTotals(db, tableName(e.name), "lineItem_UnblendedCost");
      expect(after["2025-09"].rows).toBe(newV.rows);
      expect(after["2025-09"].cost).toBeCloseTo(newV.cost, 5);
      expect(after["2025-08"]).toEqual(before["2025-08"]);
      expect(after["2025-10"]).toEqual(before["2025-10"]);
      const [view] = await query(db, `SELECT count(*)::BIGINT AS n, round(sum("lineItem_UnblendedCost"), 6) AS c FROM aws_billing.cur_v1_gzip WHERE strftime("bill_BillingPeriodStartDate", '%Y-%m') = '2025-09'`);
      expect(Number(view.n)).toBe(newV.rows);
      expect(Number(view.c)).toBeCloseTo(newV.cost, 5);
      const history = await query(db, "SELECT version, outcome, rows::BIGINT AS rows FROM finops.loads WHERE export = 'cur-v1-gzip' AND billing_period = '2025-09' ORDER BY id");
      expect(history.map((h) => [h.version, h.outcome, Number(h.rows)])).toEqual([
        [oldV.assemblyId, "imported", oldV.rows],
        [newV.assemblyId, "imported", newV.rows],
      ]);
    } finally {
      await server.s3.put(e.bucket, topKey, newManifest);
    }
  });

  test("--dry-run shows the plan and changes nothing; --force re-imports; --start-date/--end-date select inclusive months", async () => {
    const e = exportTruth("cur2-parquet");
    const { dir, db } = workdir();
    const from = server.s3.requests.length;
    const dry = await importExport(e, db, ["--dry-run"]);
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout).dryRun).toBe(true);
    expect(periodsOf(dry).map((p) => [p.period, p.outcome])).toEqual([
      ["2025-08", "would import"],
      ["2025-09", "would import"],
      ["2025-10", "would import"],
    ]);
    expect(dataRequests(from)).toEqual([]);
    const { existsSync, readdirSync } = await import("node:fs");
    expect(existsSync(db)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);

    const ranged = await importExport(e, db, ["--start-date", "2025-09", "--end-date", "2025-10"]);
    expect(periodsOf(ranged).map((p) => [p.period, p.outcome])).toEqual([
      ["2025-09", "imported"],
      ["2025-10", "imported"],
    ]);
    expect(Object.keys(await periodTotals(db, "cur2_parquet", "line_item_unblended_cost"))).toEqual(["2025-09", "2025-10"]);
    const only = await importExport(e, db, ["--start-date", "2025-08", "--end-date", "2025-08"]);
    expect(periodsOf(only).map((p) => [p.period, p.outcome])).toEqual([["2025-08", "imported"]]);

    const dry2 = await importExport(e, db, ["--dry-run"]);
    expect(periodsOf(dry2).every((p) => p.outcome === "up to date")).toBe(true);
    const forced = await importExport(e, db, ["--force", "--end-date", "2025-08"]);
    expect(periodsOf(forced).map((p) => [p.period, p.outcome])).toEqual([["2025-08", "imported"]]);
    const loads = await query(db, "SELECT billing_period, count(*)::INT AS n FROM finops.loads WHERE outcome = 'imported' GROUP BY 1 ORDER BY 1");
    expect(loads.map((l) => [l.billing_period, l.n])).toEqual([
      ["2025-08", 2],
      ["2025-09", 1],
      ["2025-10", 1],
    ]);
    expectTotalsMatch(await periodTotals(db, "cur2_parquet", "line_item_unblended_cost"), expectedTotals(e));

    const bad = await importExport(e, db, ["--start-date", "2025-13"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--start-date must be a month as YYYY-MM, got "2025-13"');
    expect(bad.stdout).toBe("");
  });
});

describe("the data model", () => {
  test("legacy types from the manifest; both case-twin tag columns; a late column reads NULL for earlier periods", async () => {
    const e = exportTruth("cur-v1-gzip");
    const { db } = workdir();
    expect((await importExport(e, db)).exitCode).toBe(0);
    const types = await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = 'cur_v1_gzip'");
    const type = Object.fromEntries(types.map((t) => [t.column_name, t.data_type]));
    expect(type["lineItem_UnblendedCost"]).toBe("DOUBLE");
    expect(type["lineItem_UsageStartDate"]).toBe("TIMESTAMP");
    expect(type["lineItem_UnblendedRate"]).toBe("VARCHAR");
    expect(type["identity_TimeInterval"]).toBe("VARCHAR");
    // Case twins: resourceTags/user:Name and resourceTags/user:name, both kept, each with its own values.
    expect(type["resourceTags_user:Name"]).toBe("VARCHAR");
    expect(type["resourceTags_user:name_2"]).toBe("VARCHAR");
    const [twins] = await query(db, `SELECT count(*) FILTER ("resourceTags_user:Name" IS DISTINCT FROM "resourceTags_user:name_2")::INT AS differ, count("resourceTags_user:Name")::INT AS a, count("resourceTags_user:name_2")::INT AS b FROM aws_billing.cur_v1_gzip`);
    expect(Number(twins.differ)).toBeGreaterThan(0);
    expect(Number(twins.a)).toBeGreaterThan(0);
    expect(Number(twins.b)).toBeGreaterThan(0);
    const mapping = await query(db, "SELECT DISTINCT source_name, column_name FROM finops.columns WHERE export = 'cur-v1-gzip' AND source_name LIKE 'resourceTags/user:%ame' ORDER BY 1");
    expect(mapping).toEqual([
      { source_name: "resourceTags/user:Name", column_name: "resourceTags_user:Name" },
      { source_name: "resourceTags/user:name", column_name: "resourceTags_user:name_2" },
    ]);
    // resourceTags/user:CostCenter appears from 2025-09: NULL for 2025-08 through the view.
    const late = await query(
      db,
      `SELECT strftime(bill_BillingPeriodStartDate, '%Y-%m') AS p, count("resourceTags_user:CostCenter")::INT AS n FROM aws_billing.cur_v1_gzip GROUP BY 1 ORDER BY 1`,
    );
    expect(late[0]).toEqual({ p: "2025-08", n: 0 });
    expect(Number(late[1].n)).toBeGreaterThan(0);
  });

  test("a legacy manifest without column types still gives numeric costs and timestamps (AWS's documented types)", async () => {
    const e = exportTruth("cur-v1-zip");
    expect(e.traps.manifestWithoutTypes).toEqual(["2025-08"]);
    const { db } = workdir();
    expect((await importExport(e, db)).exitCode).toBe(0);
    const types = await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = 'cur_v1_zip_2025_08' AND column_name IN ('lineItem_UnblendedCost', 'lineItem_UsageStartDate', 'lineItem_UnblendedRate') ORDER BY 1");
    expect(types).toEqual([
      { column_name: "lineItem_UnblendedCost", data_type: "DOUBLE" },
      { column_name: "lineItem_UnblendedRate", data_type: "VARCHAR" },
      { column_name: "lineItem_UsageStartDate", data_type: "TIMESTAMP" },
    ]);
  });

  test("CUR 2.0: resource_tags is the same MAP with the same values from the Parquet and the CSV export", async () => {
    const { db } = workdir();
    expect((await importExport(exportTruth("cur2-parquet"), db)).exitCode).toBe(0);
    expect((await importExport(exportTruth("cur2-csv"), db)).exitCode).toBe(0);
    const types = await query(db, "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name IN ('cur2_parquet', 'cur2_csv') AND column_name IN ('resource_tags', 'discount', 'product', 'line_item_unblended_cost', 'line_item_usage_start_date') ORDER BY 1, 2");
    const byTable = (t: string) => Object.fromEntries(types.filter((x) => x.table_name === t).map((x) => [x.column_name, x.data_type]));
    expect(byTable("cur2_parquet")).toEqual({
      discount: "MAP(VARCHAR, DOUBLE)",
      line_item_unblended_cost: "DOUBLE",
      line_item_usage_start_date: "TIMESTAMP",
      product: "MAP(VARCHAR, VARCHAR)",
      resource_tags: "MAP(VARCHAR, VARCHAR)",
    });
    expect(byTable("cur2_csv")).toEqual(byTable("cur2_parquet"));
    const side = (t: string) =>
      query(db, `SELECT identity_line_item_id AS id, resource_tags::VARCHAR AS tags, discount::VARCHAR AS discount FROM aws_billing.${t} ORDER BY id, tags`);
    const [p, c] = [await side("cur2_parquet"), await side("cur2_csv")];
    expect(p.length).toBeGreaterThan(200);
    expect(c).toEqual(p);
    const [nonEmpty] = await query(db, "SELECT count(*) FILTER (cardinality(resource_tags) > 0)::INT AS n FROM aws_billing.cur2_csv");
    expect(Number(nonEmpty.n)).toBeGreaterThan(0);
  });

  test("a legacy CUR and a CUR 2.0 export live side by side; names that clean to the same tables are refused", async () => {
    const { db } = workdir();
    expect((await importExport(exportTruth("cur-v1-gzip"), db)).exitCode).toBe(0);
    expect((await importExport(exportTruth("cur2-parquet"), db)).exitCode).toBe(0);
    const exports = await query(db, "SELECT name, table_prefix, flavour FROM finops.exports ORDER BY 1");
    expect(exports).toEqual([
      { name: "cur-v1-gzip", table_prefix: "cur_v1_gzip", flavour: "legacy" },
      { name: "cur2-parquet", table_prefix: "cur2_parquet", flavour: "cur2" },
    ]);
    expectTotalsMatch(await periodTotals(db, "cur_v1_gzip", "lineItem_UnblendedCost"), expectedTotals(exportTruth("cur-v1-gzip")));
    expectTotalsMatch(await periodTotals(db, "cur2_parquet", "line_item_unblended_cost"), expectedTotals(exportTruth("cur2-parquet")));
    const views = await query(db, "SELECT view_name FROM duckdb_views() WHERE schema_name = 'aws_billing' ORDER BY 1");
    expect(views.map((v) => v.view_name)).toEqual(["cur2_parquet", "cur_v1_gzip"]);

    // "CUR2.parquet" cleans to cur2_parquet too: refused, nothing touched.
    await server.s3.put("billing-fixtures", "exports/CUR2.parquet/metadata/BILLING_PERIOD=2025-08/CUR2.parquet-Manifest.json", JSON.stringify({ executionId: "x", dataFiles: [] }));
    const clash = await runInProcess(["aws", "import-cur", "-b", "billing-fixtures", "-p", "exports", "-e", "CUR2.parquet", "-d", db], { env: cleanEnv(server.s3.env) });
    expect(clash.exitCode).toBe(1);
    expect(clash.stderr).toContain('export "CUR2.parquet" would share the tables aws_billing.cur2_parquet_* with export "cur2-parquet"');
    expectTotalsMatch(await periodTotals(db, "cur2_parquet", "line_item_unblended_cost"), expectedTotals(exportTruth("cur2-parquet")));
  });
});
