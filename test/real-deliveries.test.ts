/**
 * Deliveries shaped as real ones are: header columns the manifest does not list (nise, koku's generator), empty
 * deliveries (`"reportKeys": []`, AWS's own manifests from external/ice), and AWS's own legacy CUR Parquet files
 * (external/wal) wrapped as a Parquet-mode export, and the FinOps Foundation's FOCUS 1.0 sample (external/focus-sample)
 * wrapped as a FOCUS Data Export. The tests that read ../shared/data/external are skipped when it is absent (and say
 * so); the hand-made ones always run.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { unzipSync } from "fflate";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { FOCUS_COLUMNS } from "../src/model/focus.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { duckdbAlone, periodTotals, query } from "./helpers/db.ts";
import { LEGACY_COLUMNS, legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const EXTERNAL = resolve(import.meta.dir, "..", "..", "shared", "data", "external");
const hasExternal = existsSync(EXTERNAL);
if (!hasExternal) console.warn(`skipping the tests of real deliveries: ${EXTERNAL} is absent`);
const server = useFixtureS3({ trees: [] });

function workdir() {
  const dir = mkdtempSync(join(tmpdir(), "finops-real-"));
  return { dir, db: join(dir, "f.duckdb") };
}

const importCur = (args: string[], cwd: string) => runInProcess(["aws", "import-cur", ...args, "--json"], { env: cleanEnv(server.s3.env), cwd });
type Period = { period: string; outcome: string; rows: number; error: string | null; note: string | null };
const periodsOf = (stdout: string) => JSON.parse(stdout).periods as Period[];


describe("a CSV header that differs from its manifest loads; a value that does not fit still fails", () => {
  test("a column the manifest lacks loads as text, a manifest column the file lacks is NULL, one warning names them", async () => {
    const { dir, db } = workdir();
    const csv = legacyCsv("2025-09", 4, 2.5).replace("lineItem/ProductCode", "lineItem/ProductCodes");
    await putLegacyPeriod(server.s3, { bucket: "real", prefix: "cur", name: "typo", period: "2025-09", version: "v1", files: [csv] });
    const r = await importCur(["-b", "real", "-p", "cur", "-e", "typo", "-d", db], dir);
    expect(r.exitCode).toBe(0);
    expect(periodsOf(r.stdout).map((p) => [p.period, p.outcome, p.rows])).toEqual([["2025-09", "imported", 4]]);
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("[warn] typo 2025-09:"));
    expect(warnings).toEqual(['[warn] typo 2025-09: 1 column(s) in the CSV header that the manifest does not list were loaded too (AWS\'s documented type, else text): "lineItem/ProductCodes"']);
    const rows = await query(db, 'SELECT "lineItem_ProductCodes" AS extra, "lineItem_ProductCode" AS missing, "lineItem_UnblendedCost" AS cost FROM aws_billing.typo');
    expect(rows).toEqual(Array.from({ length: 4 }, () => ({ extra: "AmazonEC2", missing: null, cost: 2.5 })));
    // No bill/BillingPeriodStartDate column: BillingPeriodStart is NULL, and the rows still count in focus.costs.
    expect(await query(db, "SELECT count(*)::INT AS n, sum(BilledCost) AS billed, count(BillingPeriodStart)::INT AS starts FROM focus.costs")).toEqual([{ n: 4, billed: 10, starts: 0 }]);
    const columns = await query(db, "SELECT source_name, column_type FROM finops.columns WHERE export = 'typo' AND source_name LIKE 'lineItem/ProductCode%' ORDER BY 1");
    expect(columns).toEqual([
      { source_name: "lineItem/ProductCode", column_type: "VARCHAR" },
      { source_name: "lineItem/ProductCodes", column_type: "VARCHAR" },
    ]);
  });

  test("text in a cost column the manifest does not list, but AWS documents as a number, still fails the period", async () => {
    const { dir, db } = workdir();
    const csv = legacyCsv("2025-09", 3, 1).replace("lineItem/UnblendedCost\n", "lineItem/UnblendedCost,lineItem/NetUnblendedCost\n").replace(/,1\n/g, ",1,about one\n");
    await putLegacyPeriod(server.s3, { bucket: "real", prefix: "cur", name: "textcost", period: "2025-09", version: "v1", files: [csv] });
    const r = await importCur(["-b", "real", "-p", "cur", "-e", "textcost", "-d", db], dir);
    expect(r.exitCode).toBe(1);
    expect(periodsOf(r.stdout)[0].error).toContain('column "lineItem_NetUnblendedCost"');
    expect(periodsOf(r.stdout)[0].error).toContain("about one");
  });
});

describe("an empty delivery imports as an empty period", () => {
  test("reportKeys: [] → the manifest's columns, no rows, imported with a note, exit 0; a later delivery replaces it", async () => {
    const { dir, db } = workdir();
    await putLegacyPeriod(server.s3, { bucket: "real", prefix: "cur", name: "quiet", period: "2025-09", version: "v1", files: [] });
    const first = await importCur(["-b", "real", "-p", "cur", "-e", "quiet", "-d", db], dir);
    expect(first.exitCode).toBe(0);
    expect(periodsOf(first.stdout)).toMatchObject([{ period: "2025-09", outcome: "imported", rows: 0, note: "empty delivery: the manifest lists no data files" }]);
    const columns = await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = 'quiet_2025_09' ORDER BY column_index");
    expect(columns.map((c) => [c.column_name, c.data_type])).toEqual(
      LEGACY_COLUMNS.map((c) => [`${c.category}_${c.name}`, c.type === "BigDecimal" ? "DOUBLE" : c.type === "DateTime" ? "TIMESTAMP" : "VARCHAR"]),
    );
    expect(await query(db, "SELECT version, rows::INT AS rows FROM finops.periods WHERE export = 'quiet'")).toEqual([{ version: "assembly-v1", rows: 0 }]);
    // The next delivery of the month has files: it replaces the empty period like any other version.
    await putLegacyPeriod(server.s3, { bucket: "real", prefix: "cur", name: "quiet", period: "2025-09", version: "v2", files: [legacyCsv("2025-09", 7, 3)] });
    const second = await importCur(["-b", "real", "-p", "cur", "-e", "quiet", "-d", db], dir);
    expect(second.exitCode).toBe(0);
    expect(periodsOf(second.stdout)).toMatchObject([{ period: "2025-09", outcome: "imported", rows: 7, note: null }]);
    expect(await periodTotals(db, "quiet", "lineItem_UnblendedCost")).toEqual({ "2025-09": { rows: 7, cost: 21 } });
  });

  test.skipIf(!hasExternal)("AWS's own empty manifests (external/ice, Jan 2018 untyped, Jan 2019 typed) import as empty periods", async () => {
    const { dir, db } = workdir();
    const manifests = { "2018-01": "manifest-2018-01.json", "2019-01": "manifest-2019-01.json" };
    const counts: Record<string, number> = {};
    for (const [period, file] of Object.entries(manifests)) {
      const text = readFileSync(join(EXTERNAL, "ice", file), "utf8");
      const m = JSON.parse(text);
      counts[period] = m.columns.length;
      const folder = `${m.billingPeriod.start.slice(0, 8)}-${m.billingPeriod.end.slice(0, 8)}`;
      await server.s3.put(m.bucket, `cur/${m.reportName}/${folder}/${m.reportName}-Manifest.json`, text);
    }
    const r = await importCur(["-b", "cost-and-usage-reports", "-p", "cur", "-e", "hourly-cost-and-usage", "-d", db], dir);
    expect(r.exitCode).toBe(0);
    expect(periodsOf(r.stdout).map((p) => [p.period, p.outcome, p.rows])).toEqual([
      ["2018-01", "imported", 0],
      ["2019-01", "imported", 0],
    ]);
    for (const period of Object.keys(manifests)) {
      const table = `hourly_cost_and_usage_${period.replace("-", "_")}`;
      const [n] = await query(db, `SELECT count(*)::INT AS n FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = '${table}'`);
      expect(n.n).toBe(counts[period]);
    }
    // The untyped 2018 manifest still gets AWS's documented types for the standard columns.
    const [cost] = await query(db, "SELECT data_type FROM duckdb_columns() WHERE table_name = 'hourly_cost_and_usage_2018_01' AND column_name = 'lineItem_UnblendedCost'");
    expect(cost.data_type).toBe("DOUBLE");
  });
});

describe.skipIf(!hasExternal)("third-party and AWS deliveries from ../shared/data/external", () => {
  test("koku's nise delivery: every row, the CSV's cost sum, every header column, one warning", async () => {
    const unpacked = mkdtempSync(join(tmpdir(), "finops-koku-"));
    const tar = Bun.spawnSync(["tar", "xzf", join(EXTERNAL, "koku", "test_local_bucket_prefix.tar.gz"), "-C", unpacked]);
    expect(tar.exitCode).toBe(0);
    const files = readdirSync(unpacked, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(unpacked, f)).isFile());
    for (const f of files) await server.s3.put("koku-bucket", relative(unpacked, join(unpacked, f)), readFileSync(join(unpacked, f)));
    const csvFile = join(unpacked, files.find((f) => f.endsWith(".csv.gz"))!);
    // Ground truth from the file itself, read as text by DuckDB alone.
    const [truth] = await duckdbAlone<{ rows: bigint; cost: number }>(`SELECT count(*) AS rows, sum("lineItem/UnblendedCost"::DOUBLE) AS cost FROM read_csv('${csvFile}', all_varchar = true)`);
    const header = (await duckdbAlone<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv('${csvFile}', all_varchar = true)`)).map((c) => c.column_name);
    const manifest = JSON.parse(readFileSync(join(unpacked, "my-prefix", "my-report", "20180801-20180901", "my-report-Manifest.json"), "utf8"));
    const listed = new Set(manifest.columns.map((c: { category: string; name: string }) => `${c.category}/${c.name}`));
    expect(Number(truth.rows)).toBe(6190);
    expect(header.length).toBeGreaterThan(listed.size);

    const { dir, db } = workdir();
    const r = await importCur(["-b", "koku-bucket", "-p", "my-prefix", "-e", "my-report", "-d", db], dir);
    expect(r.exitCode).toBe(0);
    expect(periodsOf(r.stdout).map((p) => [p.period, p.outcome, p.rows])).toEqual([["2018-08", "imported", 6190]]);
    const totals = await periodTotals(db, "my_report", "lineItem_UnblendedCost");
    expect(totals["2018-08"].rows).toBe(6190);
    expect(totals["2018-08"].cost).toBeCloseTo(truth.cost, 6);
    const recorded = (await query(db, "SELECT source_name FROM finops.columns WHERE export = 'my-report'")).map((c) => String(c.source_name));
    expect(recorded.sort()).toEqual([...new Set([...header, ...listed])].sort() as string[]);
    const extra = header.filter((h) => !listed.has(h));
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("[warn] my-report 2018-08:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${extra.length} column(s) in the CSV header that the manifest does not list were loaded too`);
    for (const h of extra) expect(warnings[0]).toContain(`"${h}"`);
  });

  test("keboola's mock deliveries (a ZIP legacy CUR whose folder ends on the 31st, a CUR 2.0 gzip CSV): every row and the CSV's cost", async () => {
    const root = join(EXTERNAL, "keboola");
    const v1 = join(root, "cur_1_0", "s3_structure", "mock-cur-bucket", "20240101-20240131");
    const v2 = join(root, "cur_2_0", "s3_structure", "mock-cur-v2-bucket");
    // The mocks sit at their buckets' roots; AWS puts a report under <prefix>/<report>/. The manifests and data files
    // are stored unchanged, each data file at the key its manifest names.
    await server.s3.put("mock-cur-bucket", "cur/MockTestReport/20240101-20240131/MockTestReport-Manifest.json", readFileSync(join(v1, "MockTestReport-Manifest.json")));
    await server.s3.put("mock-cur-bucket", "20240101-20240131/MockTestReport-00001.csv.zip", readFileSync(join(v1, "MockTestReport-00001.csv.zip")));
    const v2Manifest = join(v2, "metadata", "BILLING_PERIOD=2024-09", "MockTestReportV2-Manifest.json");
    const v2Data = join(v2, "data", "BILLING_PERIOD=2024-09", "MockTestReportV2-00001.csv.gz");
    await server.s3.put("mock-cur-v2-bucket", "exports/MockTestReportV2/metadata/BILLING_PERIOD=2024-09/MockTestReportV2-Manifest.json", readFileSync(v2Manifest));
    await server.s3.put("mock-cur-v2-bucket", "data/BILLING_PERIOD=2024-09/MockTestReportV2-00001.csv.gz", readFileSync(v2Data));

    // Unpacked here with fflate directly (finops unpacks with its own streaming reader).
    const entries = Object.entries(unzipSync(readFileSync(join(v1, "MockTestReport-00001.csv.zip"))));
    expect(entries).toHaveLength(1);
    const csv = join(mkdtempSync(join(tmpdir(), "finops-keboola-")), "report.csv");
    writeFileSync(csv, entries[0][1]);
    const [t1] = await duckdbAlone<{ rows: string; cost: number }>(`SELECT count(*) AS rows, sum("lineItem/UnblendedCost"::DOUBLE) AS cost FROM read_csv('${csv}', all_varchar = true)`);
    const [t2] = await duckdbAlone<{ rows: string; cost: number }>(`SELECT count(*) AS rows, sum(line_item_unblended_cost::DOUBLE) AS cost FROM read_csv('${v2Data}', all_varchar = true)`);
    expect(Number(t1.rows)).toBeGreaterThan(0);
    expect(Number(t2.rows)).toBeGreaterThan(0);

    const { dir, db } = workdir();
    const r1 = await importCur(["-b", "mock-cur-bucket", "-p", "cur", "-e", "MockTestReport", "-d", db], dir);
    expect(r1.exitCode).toBe(0);
    expect(periodsOf(r1.stdout).map((p) => [p.period, p.outcome, p.rows])).toEqual([["2024-01", "imported", Number(t1.rows)]]);
    const r2 = await importCur(["-b", "mock-cur-v2-bucket", "-p", "exports", "-e", "MockTestReportV2", "-d", db], dir);
    expect(r2.exitCode).toBe(0);
    expect(periodsOf(r2.stdout).map((p) => [p.period, p.outcome, p.rows])).toEqual([["2024-09", "imported", Number(t2.rows)]]);
    const c1 = await periodTotals(db, "mocktestreport", "lineItem_UnblendedCost");
    expect(c1["2024-01"].cost).toBeCloseTo(t1.cost, 6);
    const c2 = await periodTotals(db, "mocktestreportv2", "line_item_unblended_cost");
    expect(c2["2024-09"].cost).toBeCloseTo(t2.cost, 6);
  });

  test("AWS's own CUR Parquet files (external/wal) as a Parquet-mode export: rows per month, types as the Parquet schema says", async () => {
    const months = { "2018-10": "Oct2018", "2018-11": "Nov2018", "2018-12": "Dec2018" } as const;
    const expectedRows = { "2018-10": 119307, "2018-11": 124340, "2018-12": 91264 };
    const report = "WorkshopCUR";
    for (const [period, file] of Object.entries(months)) {
      const [y, m] = period.split("-").map(Number);
      const key = `cur/${report}/${report}/year=${y}/month=${m}/${report}-00001.snappy.parquet`;
      await server.s3.put("wal-bucket", key, readFileSync(join(EXTERNAL, "wal", `${file}-WorkshopCUR-00001.snappy.parquet`)));
      const next = m === 12 ? `${y + 1}0101` : `${y}${String(m + 1).padStart(2, "0")}01`;
      const manifest = { assemblyId: `wal-${period}`, compression: "Parquet", contentType: "Parquet", bucket: "wal-bucket", reportName: report, reportKeys: [key], columns: [] };
      await server.s3.put("wal-bucket", `cur/${report}/${y}${String(m).padStart(2, "0")}01-${next}/${report}-Manifest.json`, JSON.stringify(manifest));
    }
    const { dir } = workdir();
    const r = await importCur(["-b", "wal-bucket", "-p", "cur", "-e", report], dir);
    expect(r.exitCode).toBe(0);
    expect(Object.fromEntries(periodsOf(r.stdout).map((p) => [p.period, p.rows]))).toEqual(expectedRows);
    for (const [period, file] of Object.entries(months)) {
      const schema = await duckdbAlone<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${join(EXTERNAL, "wal", `${file}-WorkshopCUR-00001.snappy.parquet`)}')`);
      const table = `workshopcur_${period.replace("-", "_")}`;
      const got = await query(join(dir, "data", "finops.duckdb"), `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = '${table}' ORDER BY column_index`);
      expect(got.map((c) => [c.column_name, c.data_type])).toEqual(schema.map((c) => [c.column_name, c.column_type]));
    }
  });

  test("the FinOps Foundation's FOCUS 1.0 sample (literal NULL cells, three providers) as a FOCUS export: every row, BilledCost and EffectiveCost as the file's, FOCUS types", async () => {
    const source = join(EXTERNAL, "focus-sample", "focus_sample.csv");
    // Ground truth from the file itself, by DuckDB alone: every cell as text, the literal NULL as empty (README).
    const cell = (c: string) => `CAST(NULLIF("${c}", 'NULL') AS DOUBLE)`;
    const [truth] = await duckdbAlone<{ rows: bigint; aws: bigint; billed: number; effective: number; az: bigint; tagged: bigint }>(
      `SELECT count(*) AS rows, count(*) FILTER (WHERE ProviderName = 'AWS') AS aws, sum(${cell("BilledCost")}) AS billed, sum(${cell("EffectiveCost")}) AS effective,
              count(NULLIF(AvailabilityZone, 'NULL')) AS az, count(NULLIF(Tags, 'NULL')) AS tagged
       FROM read_csv('${source}', all_varchar = true)`,
    );
    expect(Number(truth.aws)).toBe(942);
    const header = (await duckdbAlone<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv('${source}', all_varchar = true)`)).map((c) => c.column_name);

    // A FOCUS Data Export as AWS lays one out: gzip CSV under data/, the manifest under metadata/, columns typed as
    // AWS's FOCUS table dictionary types them (the sample's extra FOCUS 1.0 columns as strings).
    const focusType = new Map(FOCUS_COLUMNS);
    const manifestType = (c: string) => {
      const t = focusType.get(c) ?? "VARCHAR";
      return t === "DOUBLE" ? "double" : t === "TIMESTAMP" ? "timestamp" : t.startsWith("MAP") ? "map<string,string>" : "string";
    };
    const [bucket, name] = ["focus-sample-bucket", "focus-sample"];
    const dataKey = `exports/${name}/data/BILLING_PERIOD=2024-09/${name}-00001.csv.gz`;
    await server.s3.put(bucket, dataKey, gzipSync(readFileSync(source)));
    const manifest = {
      executionId: "focus-sample-2024-09",
      exportArn: `arn:aws:bcm-data-exports:us-east-1:123456789012:export/${name}`,
      exportName: name,
      billingPeriod: { start: "2024-09-01T00:00:00.000Z", end: "2024-10-01T00:00:00.000Z" },
      bucket,
      dataFiles: [`s3://${bucket}/${dataKey}`],
      columns: header.map((c) => ({ name: c, type: manifestType(c) })),
    };
    await server.s3.put(bucket, `exports/${name}/metadata/BILLING_PERIOD=2024-09/${name}-Manifest.json`, JSON.stringify(manifest));

    const { dir, db } = workdir();
    const r = await importCur(["-b", bucket, "-p", "exports", "-e", name, "-d", db], dir);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.stderr).not.toContain("[warn]");
    expect(r.exitCode).toBe(0);
    expect(periodsOf(r.stdout).map((p) => [p.period, p.outcome, p.rows])).toEqual([["2024-09", "imported", Number(truth.rows)]]);
    expect(await query(db, "SELECT flavour FROM finops.exports")).toEqual([{ flavour: "focus" }]);

    const view = `focus."${name.replace("-", "_")}"`;
    const [got] = await query(
      db,
      `SELECT count(*)::BIGINT AS rows, sum(BilledCost) AS billed, sum(EffectiveCost) AS effective, count(AvailabilityZone)::BIGINT AS az,
              count(*) FILTER (WHERE cardinality(Tags) > 0)::BIGINT AS tagged, count(DISTINCT x_Flavour)::BIGINT AS flavours,
              count(*) FILTER (WHERE ChargeClass = 'NULL' OR CommitmentDiscountId = 'NULL' OR AvailabilityZone = 'NULL' OR ResourceId = 'NULL')::BIGINT AS literal_nulls
       FROM ${view}`,
    );
    expect(Number(got!.rows)).toBe(Number(truth.rows));
    expect(Number(got!.billed)).toBeCloseTo(truth.billed, 6);
    expect(Number(got!.effective)).toBeCloseTo(truth.effective, 6);
    expect(Number(got!.az)).toBe(Number(truth.az));
    expect(Number(got!.tagged)).toBe(Number(truth.tagged));
    expect(Number(got!.literal_nulls)).toBe(0);
    // focus.costs holds it too (the only export: every billing account and period counts from it).
    const [costs] = await query(db, "SELECT count(*)::BIGINT AS rows, sum(BilledCost) AS billed FROM focus.costs");
    expect(Number(costs!.rows)).toBe(Number(truth.rows));
    expect(Number(costs!.billed)).toBeCloseTo(truth.billed, 6);

    const types = await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'focus' AND table_name = $1 ORDER BY column_index", [name.replace("-", "_")]);
    expect(types.map((c) => [String(c.column_name), String(c.data_type)])).toEqual(FOCUS_COLUMNS);
  });
});
