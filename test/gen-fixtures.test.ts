/**
 * scripts/gen-fixtures.ts: determinism, the layouts and traps the importer relies on, the truth against an
 * independent read of the generated files, and the committed tree in fixtures/exports.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { unzipSync } from "fflate";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  athenaName,
  generateBenchExports,
  generateFixtures,
  generateManyPeriods,
  type Truth,
  type TruthExport,
  type TruthFile,
} from "../scripts/gen-fixtures.ts";

const COMMITTED = resolve(import.meta.dir, "..", "fixtures", "exports");
const scratch = mkdtempSync(join(tmpdir(), "gen-fixtures-test-"));
const dirA = join(scratch, "a");
const dirB = join(scratch, "b");
const dirC = join(scratch, "c");
let truthA: Truth;
let truthB: Truth;
let truthC: Truth;
let con: DuckDBConnection;
let instance: DuckDBInstance;

beforeAll(async () => {
  // two runs with the same seed (different thread counts), one with another seed
  truthA = await generateFixtures({ outDir: dirA, seed: 42 });
  truthB = await generateFixtures({ outDir: dirB, seed: 42, threads: 1 });
  truthC = await generateFixtures({ outDir: dirC, seed: 7 });
  instance = await DuckDBInstance.create(":memory:");
  con = await instance.connect();
  await con.run("SET TimeZone='UTC'");
}, 120_000);

afterAll(() => {
  con?.closeSync();
  instance?.closeSync();
  rmSync(scratch, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
const exp = (t: Truth, name: string): TruthExport => {
  const e = t.exports.find((x) => x.name === name);
  if (!e) throw new Error(`no export ${name} in truth`);
  return e;
};
const obj = (dir: string, e: TruthExport, key: string) => join(dir, e.bucket, ...key.split("/"));
const currentFiles = (e: TruthExport, period: string): TruthFile[] => {
  const p = e.periods[period]!;
  return p.versions[p.currentKey]!.files;
};
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const sqlList = (paths: string[]) => `[${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(", ")}]`;
async function one<T = Record<string, unknown>>(sql: string): Promise<T> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson()[0] as T;
}
/** text content of a data file: gunzip, unzip (single entry) or raw */
function csvText(path: string): string {
  const buf = readFileSync(path);
  if (path.endsWith(".gz")) return gunzipSync(buf).toString("utf8");
  if (path.endsWith(".zip")) {
    const entries = unzipSync(new Uint8Array(buf));
    const names = Object.keys(entries);
    expect(names).toHaveLength(1);
    return Buffer.from(entries[names[0]!]!).toString("utf8");
  }
  return buf.toString("utf8");
}
/** a ZIP's CSV written to a scratch file so DuckDB can read it */
function readableCsv(path: string): string {
  if (!path.endsWith(".zip")) return path;
  const out = join(scratch, `${relative(scratch, path).replaceAll("/", "_")}.csv`);
  Bun.write(out, csvText(path));
  return out;
}

describe("determinism", () => {
  test("same seed: identical truth and identical bytes for every object (CSV, gzip, zip, Parquet, manifests)", () => {
    expect(truthB).toEqual(truthA);
    const files = listFiles(dirA);
    expect(listFiles(dirB)).toEqual(files);
    expect(files.filter((f) => f.endsWith(".csv.gz")).length).toBeGreaterThan(10);
    for (const f of files) {
      const a = readFileSync(join(dirA, f));
      const b = readFileSync(join(dirB, f));
      if (!a.equals(b)) throw new Error(`${f} differs between two runs with the same seed`);
    }
  });

  test("different seed: different truth and different data", () => {
    expect(truthC.seed).toBe(7);
    const a = exp(truthA, "cur-v1-gzip").periods["2025-09"]!;
    const c = exp(truthC, "cur-v1-gzip").periods["2025-09"]!;
    expect(c.current).not.toBe(a.current);
    expect(c.versions[c.currentKey]!.costText).not.toBe(a.versions[a.currentKey]!.costText);
    expect(JSON.stringify(truthC.exports)).not.toBe(JSON.stringify(truthA.exports));
  });

  test("the committed fixtures/exports is what the generator writes now with seed 42", () => {
    expect(json(join(COMMITTED, "truth.json"))).toEqual(truthA);
    const files = listFiles(dirA);
    expect(listFiles(COMMITTED)).toEqual(files);
    for (const f of files) {
      const mine = join(dirA, f);
      const committed = join(COMMITTED, f);
      // gzip: compare the decompressed content (native zlib bytes could differ by platform); everything else, zip
      // included (fflate is pure JavaScript), byte for byte
      const same = f.endsWith(".csv.gz") ? csvText(mine) === csvText(committed) : readFileSync(mine).equals(readFileSync(committed));
      if (!same) throw new Error(`fixtures/exports/${f} drifted from the generator: run 'bun scripts/gen-fixtures.ts'`);
    }
  });

  test("the committed tree stays small", () => {
    const total = listFiles(COMMITTED).reduce((n, f) => n + statSync(join(COMMITTED, f)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });
});

describe("truth matches the tree", () => {
  test("every export has the three periods and a current version; every listed file and manifest exists", () => {
    expect(truthA.exports.map((e) => e.name)).toEqual(["cur-v1-gzip", "cur-v1-zip", "cur-v1-parquet", "cur2-parquet", "cur2-csv", "focus"]);
    for (const e of truthA.exports) {
      expect(Object.keys(e.periods)).toEqual(["2025-08", "2025-09", "2025-10"]);
      for (const p of Object.values(e.periods)) {
        expect(p.versions[p.currentKey]).toBeDefined();
        for (const v of Object.values(p.versions)) {
          expect(existsSync(obj(dirA, e, v.manifestKey))).toBe(true);
          if (v.manifestCopyKey) expect(existsSync(obj(dirA, e, v.manifestCopyKey))).toBe(true);
          expect(v.files.length).toBeGreaterThanOrEqual(1);
          expect(v.rows).toBe(v.files.reduce((n, f) => n + f.rows, 0));
          for (const f of v.files) {
            expect(existsSync(obj(dirA, e, f.key))).toBe(true);
            expect(f.rows).toBeGreaterThan(0);
            expect(f.cost).toBeCloseTo(Number(f.costText), 6);
          }
        }
      }
    }
  });

  test("the period-level manifest lists exactly the current version's files", () => {
    for (const e of truthA.exports) {
      for (const [period, p] of Object.entries(e.periods)) {
        const v = p.versions[p.currentKey]!;
        const m = json(obj(dirA, e, v.manifestKey));
        const keys = v.files.map((f) => f.key);
        if (e.curVersion === "v1") {
          expect(m.reportKeys).toEqual(keys);
          expect(m.assemblyId).toBe(p.current);
          expect(m.bucket).toBe(e.bucket);
        } else {
          const listed = (m.dataFiles as (string | { s3Uri: string })[]).map((d) => (typeof d === "string" ? d : d.s3Uri));
          expect(listed).toEqual(keys.map((k) => `s3://${e.bucket}/${k}`));
          expect(m.executionId ?? null).toBe(p.current);
        }
        expect(period).toMatch(/^2025-(08|09|10)$/);
      }
    }
  });

  test("reading each current CSV with DuckDB gives the truth's row count and exact cost", async () => {
    let checked = 0;
    for (const e of truthA.exports.filter((x) => x.format === "csv")) {
      for (const period of Object.keys(e.periods)) {
        for (const f of currentFiles(e, period)) {
          const path = readableCsv(obj(dirA, e, f.key));
          const r = await one<{ n: string; cost: string }>(
            `SELECT count(*)::BIGINT AS n, sum(CAST("${e.costColumn}" AS DECIMAL(38,10)))::VARCHAR AS cost
             FROM read_csv('${path}', all_varchar=true, header=true)`,
          );
          expect(Number(r.n)).toBe(f.rows);
          expect(r.cost).toBe(f.costText);
          checked++;
        }
      }
    }
    expect(checked).toBe(9 + 6 + 6); // cur-v1-gzip 3 files x 3 periods, cur-v1-zip and cur2-csv 2 x 3
  });

  test("reading each current Parquet file gives the truth's row count and cost", async () => {
    for (const e of truthA.exports.filter((x) => x.format === "parquet")) {
      const col = e.flavour === "legacy" ? athenaName(e.costColumn) : e.costColumn;
      for (const period of Object.keys(e.periods)) {
        for (const f of currentFiles(e, period)) {
          const r = await one<{ n: string; cost: number }>(
            `SELECT count(*)::BIGINT AS n, sum("${col}") AS cost FROM read_parquet('${obj(dirA, e, f.key)}')`,
          );
          expect(Number(r.n)).toBe(f.rows);
          expect(Math.abs(Number(r.cost) - Number(f.costText))).toBeLessThan(1e-6);
        }
      }
    }
  });

  test("usage and billing-period timestamps lie inside the billing period", async () => {
    const e = exp(truthA, "cur-v1-gzip");
    for (const [period, start, end] of [
      ["2025-08", "2025-08-01", "2025-09-01"],
      ["2025-10", "2025-10-01", "2025-11-01"],
    ] as const) {
      const paths = currentFiles(e, period).map((f) => obj(dirA, e, f.key));
      const r = await one<Record<string, string | boolean>>(
        `SELECT min(CAST("lineItem/UsageStartDate" AS TIMESTAMPTZ)) >= TIMESTAMPTZ '${start}' AS start_ok,
                max(CAST("lineItem/UsageEndDate" AS TIMESTAMPTZ)) <= TIMESTAMPTZ '${end}' AS end_ok,
                bool_and(CAST("lineItem/UsageStartDate" AS TIMESTAMPTZ) < CAST("lineItem/UsageEndDate" AS TIMESTAMPTZ)) AS ordered,
                count(DISTINCT "bill/BillingPeriodStartDate")::INTEGER AS bp,
                min("bill/BillingPeriodStartDate") AS bps,
                count(*) FILTER (WHERE "lineItem/UsageStartDate" LIKE '%.000Z')::INTEGER AS with_ms,
                count(*) FILTER (WHERE "lineItem/UsageStartDate" LIKE '%:00Z' AND "lineItem/UsageStartDate" NOT LIKE '%.000Z')::INTEGER AS without_ms,
                bool_and("identity/TimeInterval" SIMILAR TO '\\d{4}-\\d\\d-\\d\\dT00:00:00Z/\\d{4}-\\d\\d-\\d\\dT00:00:00Z') AS interval_ok
         FROM read_csv(${sqlList(paths)}, all_varchar=true, header=true)`,
      );
      expect(r).toMatchObject({ start_ok: true, end_ok: true, ordered: true, bp: 1, bps: `${start}T00:00:00.000Z`, interval_ok: true });
      expect(Number(r.with_ms)).toBeGreaterThan(0);
      expect(Number(r.without_ms)).toBeGreaterThan(0);
    }
  });

  test("realistic legacy rows: several services, tax, negative credits, Java-style small numbers, 'Variable' ECU", async () => {
    const e = exp(truthA, "cur-v1-gzip");
    const paths = Object.keys(e.periods).flatMap((p) => currentFiles(e, p).map((f) => obj(dirA, e, f.key)));
    const r = await one<Record<string, unknown>>(
      `SELECT list(DISTINCT "lineItem/ProductCode" ORDER BY "lineItem/ProductCode") AS codes,
              list(DISTINCT "lineItem/LineItemType" ORDER BY "lineItem/LineItemType") AS types,
              max(CAST("lineItem/UnblendedCost" AS DECIMAL(38,10))) FILTER (WHERE "lineItem/LineItemType" = 'Credit') < 0 AS credits_negative,
              count(*) FILTER (WHERE "lineItem/UnblendedCost" SIMILAR TO '-?\\d\\.\\d+E-\\d+')::INTEGER AS java_sci,
              count(*) FILTER (WHERE "product/ecu" = 'Variable')::INTEGER AS ecu_variable,
              count(*) FILTER (WHERE "lineItem/UnblendedCost" NOT SIMILAR TO '-?\\d+\\.\\d{1,10}(E-\\d+)?')::INTEGER AS bad_cost
       FROM read_csv(${sqlList(paths)}, all_varchar=true, header=true)`,
    );
    for (const code of ["AmazonEC2", "AmazonS3", "AWSCloudTrail", "AmazonCloudWatch"]) expect(r.codes as string[]).toContain(code);
    expect(r.types).toEqual(["Credit", "Tax", "Usage"]);
    expect(r.credits_negative).toBe(true);
    expect(Number(r.java_sci)).toBeGreaterThan(0);
    expect(Number(r.ecu_variable)).toBeGreaterThan(0);
    expect(Number(r.bad_cost)).toBe(0);
  });
});

describe("layouts and traps", () => {
  test("cur-v1-gzip: create-new-version layout, UUID folder with -1 numbering, two versions, assemblyId != folder", () => {
    const e = exp(truthA, "cur-v1-gzip");
    expect(e).toMatchObject({ bucket: "billing-fixtures", prefix: "cur", format: "csv", compression: "GZIP", mode: "create-new" });
    const aug = e.periods["2025-08"]!;
    expect(aug.currentKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(aug.versions[aug.currentKey]!.files[0]!.key).toBe(`cur/cur-v1-gzip/20250801-20250901/${aug.currentKey}/cur-v1-gzip-1.csv.gz`);
    expect(aug.versions[aug.currentKey]!.manifestKey).toBe("cur/cur-v1-gzip/20250801-20250901/cur-v1-gzip-Manifest.json");
    const sep = e.periods["2025-09"]!;
    expect(Object.keys(sep.versions).sort()).toEqual(["20250918T040211Z", "20251003T053621Z"]);
    expect(sep.currentKey).toBe("20251003T053621Z");
    expect(sep.versions[sep.currentKey]!.files[0]!.key).toBe("cur/cur-v1-gzip/20250901-20251001/20251003T053621Z/cur-v1-gzip-00001.csv.gz");
    for (const p of Object.values(e.periods)) {
      for (const [key, v] of Object.entries(p.versions)) {
        expect(v.assemblyId).not.toBe(key);
        // the version-folder copy and the period-level manifest are the same document for the current version
        if (key === p.currentKey) expect(readFileSync(obj(dirA, e, v.manifestCopyKey!), "utf8")).toBe(readFileSync(obj(dirA, e, v.manifestKey), "utf8"));
      }
    }
    // the old version is left behind with its data, and is not the current one
    const old = sep.versions["20250918T040211Z"]!;
    expect(old.manifestKey).toBe("cur/cur-v1-gzip/20250901-20251001/20250918T040211Z/cur-v1-gzip-Manifest.json");
    for (const f of old.files) expect(existsSync(obj(dirA, e, f.key))).toBe(true);
    const currentKeys = new Set(currentFiles(e, "2025-09").map((f) => f.key));
    expect(old.files.some((f) => currentKeys.has(f.key))).toBe(false);
    expect(json(obj(dirA, e, sep.versions[sep.currentKey]!.manifestKey)).assemblyId).toBe(sep.current);
    expect(e.traps.oldVersions).toEqual(["2025-09"]);
    expect(e.traps.uuidVersionFolders).toEqual(["2025-08"]);
  });

  test("cur-v1-gzip: case-twin tag columns with different values, a late column, manifest order != CSV order", async () => {
    const e = exp(truthA, "cur-v1-gzip");
    expect(e.traps.caseTwinColumns).toEqual(["resourceTags/user:Name", "resourceTags/user:name"]);
    expect(e.traps.lateColumns).toEqual([{ column: "resourceTags/user:CostCenter", firstPeriod: "2025-09" }]);
    expect(e.traps.csvOrderDiffersFromManifest).toBe(true);
    for (const [period, p] of Object.entries(e.periods)) {
      const v = p.versions[p.currentKey]!;
      const text = csvText(obj(dirA, e, v.files[0]!.key));
      const header = text.slice(0, text.indexOf("\n")).split(",");
      expect(header).toContain("resourceTags/user:Name");
      expect(header).toContain("resourceTags/user:name");
      expect(header.includes("resourceTags/user:CostCenter")).toBe(period !== "2025-08");
      expect(header.length).toBe(v.columnCount);
      const m = json(obj(dirA, e, v.manifestKey));
      const manifestOrder = (m.columns as { category: string; name: string; type: string }[]).map((c) => `${c.category}/${c.name}`);
      expect([...manifestOrder].sort()).toEqual([...header].sort());
      expect(manifestOrder).not.toEqual(header);
      const types = Object.fromEntries((m.columns as { category: string; name: string; type: string }[]).map((c) => [`${c.category}/${c.name}`, c.type]));
      expect(types).toMatchObject({
        "identity/TimeInterval": "Interval",
        "lineItem/UnblendedCost": "BigDecimal",
        "lineItem/UnblendedRate": "String",
        "pricing/publicOnDemandRate": "String",
        "lineItem/UsageStartDate": "DateTime",
        "product/ecu": "String",
        "resourceTags/user:name": "String",
      });
    }
    // the twins hold different values where both are set
    const paths = Object.keys(e.periods).flatMap((p) => currentFiles(e, p).map((f) => obj(dirA, e, f.key)));
    const r = await one<{ both: number; equal: number }>(
      `SELECT count(*) FILTER (WHERE "resourceTags/user:Name" IS NOT NULL AND "resourceTags/user:name_1" IS NOT NULL)::INTEGER AS both,
              count(*) FILTER (WHERE "resourceTags/user:Name" = "resourceTags/user:name_1")::INTEGER AS equal
       FROM read_csv(${sqlList(paths)}, all_varchar=true, header=true, union_by_name=true)`,
    );
    expect(Number(r.both)).toBeGreaterThan(0);
    expect(Number(r.equal)).toBe(0);
  });

  test("cur-v1-gzip: the side objects to ignore are there, and additionalArtifactKeys are objects", () => {
    const e = exp(truthA, "cur-v1-gzip");
    const keys = e.traps.ignorableKeys!;
    for (const suffix of ["-RedshiftCommands.sql", "-RedshiftManifest.json", "-create-table.sql", "aws-programmatic-access-test-object"]) {
      expect(keys.some((k) => k.endsWith(suffix))).toBe(true);
    }
    expect(keys.some((k) => k.includes("/cost_and_usage_data_status/"))).toBe(true);
    for (const k of keys) expect(existsSync(obj(dirA, e, k))).toBe(true);
    const p = e.periods["2025-10"]!;
    const m = json(obj(dirA, e, p.versions[p.currentKey]!.manifestKey));
    expect(m.additionalArtifactKeys).toEqual([
      { artifactType: "RedshiftCommands", name: `cur/cur-v1-gzip/20251001-20251101/${p.currentKey}/cur-v1-gzip-RedshiftCommands.sql` },
      { artifactType: "RedshiftManifest", name: `cur/cur-v1-gzip/20251001-20251101/${p.currentKey}/cur-v1-gzip-RedshiftManifest.json` },
    ]);
    expect(m).toMatchObject({ compression: "GZIP", contentType: "text/csv", reportName: "cur-v1-gzip", billingPeriod: { start: "20251001T000000.000Z", end: "20251101T000000.000Z" } });
  });

  test("cur-v1-zip: overwrite layout, one CSV per zip, the first period's manifest has no column types", () => {
    const e = exp(truthA, "cur-v1-zip");
    expect(e).toMatchObject({ prefix: "zipcur", compression: "ZIP", mode: "overwrite" });
    expect(e.traps.manifestWithoutTypes).toEqual(["2025-08"]);
    for (const [period, p] of Object.entries(e.periods)) {
      const v = p.versions[p.currentKey]!;
      expect(p.currentKey).toBe(p.current!);
      expect(v.folder).toBeNull();
      const folder = { "2025-08": "20250801-20250901", "2025-09": "20250901-20251001", "2025-10": "20251001-20251101" }[period];
      expect(v.manifestKey).toBe(`zipcur/cur-v1-zip/${folder}/cur-v1-zip-Manifest.json`);
      expect(v.files.map((f) => f.key)).toEqual([`zipcur/cur-v1-zip/${folder}/cur-v1-zip-00001.csv.zip`, `zipcur/cur-v1-zip/${folder}/cur-v1-zip-00002.csv.zip`]);
      const entries = Object.keys(unzipSync(new Uint8Array(readFileSync(obj(dirA, e, v.files[0]!.key)))));
      expect(entries).toEqual(["cur-v1-zip-00001.csv"]);
      const cols = json(obj(dirA, e, v.manifestKey)).columns as { type?: string }[];
      expect(cols.every((c) => (period === "2025-08" ? c.type === undefined : typeof c.type === "string"))).toBe(true);
      // manifest order is the CSV order in this export
      const text = csvText(obj(dirA, e, v.files[0]!.key));
      expect(text.slice(0, text.indexOf("\n"))).toBe((json(obj(dirA, e, v.manifestKey)).columns as { category: string; name: string }[]).map((c) => `${c.category}/${c.name}`).join(","));
    }
  });

  test("cur-v1-parquet: Athena layout with unpadded month, snake_case columns, Parquet manifest", async () => {
    const e = exp(truthA, "cur-v1-parquet");
    const p = e.periods["2025-08"]!;
    const v = p.versions[p.currentKey]!;
    expect(v.manifestKey).toBe("athena/cur-v1-parquet/20250801-20250901/cur-v1-parquet-Manifest.json");
    expect(v.files[0]!.key).toBe("athena/cur-v1-parquet/cur-v1-parquet/year=2025/month=8/cur-v1-parquet-00001.snappy.parquet");
    expect(json(obj(dirA, e, v.manifestKey))).toMatchObject({ contentType: "Parquet", compression: "Parquet" });
    const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${obj(dirA, e, v.files[0]!.key)}', hive_partitioning=false)`)).getRowObjectsJson() as {
      column_name: string;
      column_type: string;
    }[];
    const types = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type]));
    expect(types).toMatchObject({
      identity_line_item_id: "VARCHAR",
      line_item_unblended_cost: "DOUBLE",
      line_item_usage_start_date: "TIMESTAMP",
      line_item_unblended_rate: "VARCHAR",
      resource_tags_user_name: "VARCHAR",
      resource_tags_aws_created_by: "VARCHAR",
      savings_plan_savings_plan_a_r_n: "VARCHAR",
    });
    expect(e.periods["2025-10"]!.versions[e.periods["2025-10"]!.currentKey]!.files[0]!.key).toContain("/year=2025/month=10/");
  });

  test("cur2-parquet: overwrite layout, a stale chunk with rows that no manifest lists", async () => {
    const e = exp(truthA, "cur2-parquet");
    expect(e.traps.staleChunks).toEqual(["2025-09"]);
    const p = e.periods["2025-09"]!;
    const v = p.versions[p.currentKey]!;
    expect(v.manifestKey).toBe("exports/cur2-parquet/metadata/BILLING_PERIOD=2025-09/cur2-parquet-Manifest.json");
    expect(v.files.map((f) => f.key)).toEqual([
      "exports/cur2-parquet/data/BILLING_PERIOD=2025-09/cur2-parquet-00001.snappy.parquet",
      "exports/cur2-parquet/data/BILLING_PERIOD=2025-09/cur2-parquet-00002.snappy.parquet",
    ]);
    expect(p.staleFiles.map((f) => f.key)).toEqual(["exports/cur2-parquet/data/BILLING_PERIOD=2025-09/cur2-parquet-00003.snappy.parquet"]);
    const stale = p.staleFiles[0]!;
    expect(existsSync(obj(dirA, e, stale.key))).toBe(true);
    const n = await one<{ n: string }>(`SELECT count(*)::BIGINT AS n FROM read_parquet('${obj(dirA, e, stale.key)}')`);
    expect(Number(n.n)).toBe(stale.rows);
    expect(stale.rows).toBeGreaterThan(0);
    expect(JSON.stringify(json(obj(dirA, e, v.manifestKey)).dataFiles)).not.toContain("-00003");
    const m = json(obj(dirA, e, v.manifestKey));
    expect(m.executionId).toBe(p.current);
    expect(m.billingPeriod).toEqual({ start: "2025-09-01T00:00:00.000Z", end: "2025-10-01T00:00:00.000Z" });
    expect(m.columns).toHaveLength(125);
    const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${obj(dirA, e, v.files[0]!.key)}', hive_partitioning=false)`)).getRowObjectsJson() as {
      column_name: string;
      column_type: string;
    }[];
    const types = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type]));
    expect(cols).toHaveLength(125);
    expect(types).toMatchObject({
      discount: "MAP(VARCHAR, DOUBLE)",
      resource_tags: "MAP(VARCHAR, VARCHAR)",
      product: "MAP(VARCHAR, VARCHAR)",
      cost_category: "MAP(VARCHAR, VARCHAR)",
      line_item_unblended_cost: "DOUBLE",
      line_item_usage_start_date: "TIMESTAMP",
      line_item_unblended_rate: "VARCHAR",
    });
  });

  test("cur2-csv: create-new refresh folders, an old refresh left behind, dataFiles as objects, a manifest without executionId", () => {
    const e = exp(truthA, "cur2-csv");
    expect(e.traps).toMatchObject({ oldVersions: ["2025-09"], dataFilesAsObjects: ["2025-10"], missingExecutionId: ["2025-08"] });
    const refresh = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const [period, p] of Object.entries(e.periods)) {
      const v = p.versions[p.currentKey]!;
      expect(p.currentKey).toMatch(refresh);
      expect(v.manifestKey).toBe(`exports/cur2-csv/metadata/BILLING_PERIOD=${period}/cur2-csv-Manifest.json`);
      expect(v.manifestCopyKey).toBe(`exports/cur2-csv/metadata/BILLING_PERIOD=${period}/${p.currentKey}/cur2-csv-Manifest.json`);
      expect(v.files[0]!.key).toBe(`exports/cur2-csv/data/BILLING_PERIOD=${period}/${p.currentKey}/cur2-csv-00001.csv.gz`);
      const m = json(obj(dirA, e, v.manifestKey));
      if (period === "2025-08") {
        expect("executionId" in m).toBe(false);
        expect(p.current).toBeNull();
      } else {
        expect(p.current).toBe(m.executionId);
        expect(p.currentKey.endsWith(m.executionId)).toBe(true);
      }
      expect(typeof m.dataFiles[0]).toBe(period === "2025-10" ? "object" : "string");
    }
    expect(e.periods["2025-08"]!.currentKey).toStartWith("2025-09-02T13:14:37.728Z-");
    const sep = e.periods["2025-09"]!;
    const old = Object.entries(sep.versions).find(([k]) => k !== sep.currentKey)!;
    expect(old[0]).toMatch(refresh);
    expect(old[0] < sep.currentKey).toBe(true);
    for (const f of old[1].files) {
      expect(existsSync(obj(dirA, e, f.key))).toBe(true);
      expect(f.key).toContain(`/${old[0]}/`);
    }
    expect(existsSync(obj(dirA, e, old[1].manifestKey))).toBe(true);
  });

  test("cur2-csv holds the same logical rows as cur2-parquet: maps as JSON cells, same values", async () => {
    const csvE = exp(truthA, "cur2-csv");
    const pqE = exp(truthA, "cur2-parquet");
    for (const period of ["2025-08", "2025-10"]) {
      const csvPaths = currentFiles(csvE, period).map((f) => obj(dirA, csvE, f.key));
      const pqPaths = currentFiles(pqE, period).map((f) => obj(dirA, pqE, f.key));
      expect(csvE.periods[period]!.versions[csvE.periods[period]!.currentKey]!.costText).toBe(
        pqE.periods[period]!.versions[pqE.periods[period]!.currentKey]!.costText,
      );
      const fromCsv = `SELECT identity_line_item_id, CAST(line_item_unblended_cost AS DOUBLE) AS cost,
          CAST(CAST(line_item_usage_start_date AS TIMESTAMPTZ) AS TIMESTAMP) AS start,
          to_json(CAST(CAST(resource_tags AS JSON) AS MAP(VARCHAR, VARCHAR)))::VARCHAR AS tags,
          to_json(CAST(CAST(discount AS JSON) AS MAP(VARCHAR, DOUBLE)))::VARCHAR AS discount,
          to_json(CAST(CAST(product AS JSON) AS MAP(VARCHAR, VARCHAR)))::VARCHAR AS product,
          to_json(CAST(CAST(cost_category AS JSON) AS MAP(VARCHAR, VARCHAR)))::VARCHAR AS cost_category
        FROM read_csv(${sqlList(csvPaths)}, all_varchar=true, header=true)`;
      const fromParquet = `SELECT identity_line_item_id, line_item_unblended_cost AS cost, line_item_usage_start_date AS start,
          to_json(resource_tags)::VARCHAR AS tags, to_json(discount)::VARCHAR AS discount, to_json(product)::VARCHAR AS product,
          to_json(cost_category)::VARCHAR AS cost_category
        FROM read_parquet(${sqlList(pqPaths)})`;
      const r = await one<{ a: string; b: string; n: string; tagged: string; disc: string }>(
        `SELECT (SELECT count(*) FROM (${fromCsv} EXCEPT ALL ${fromParquet}))::BIGINT AS a,
                (SELECT count(*) FROM (${fromParquet} EXCEPT ALL ${fromCsv}))::BIGINT AS b,
                (SELECT count(*) FROM (${fromParquet}))::BIGINT AS n,
                (SELECT count(*) FROM (${fromParquet}) WHERE tags LIKE '%user_%')::BIGINT AS tagged,
                (SELECT count(*) FROM (${fromParquet}) WHERE discount <> '{}')::BIGINT AS disc`,
      );
      expect(Number(r.a)).toBe(0);
      expect(Number(r.b)).toBe(0);
      expect(Number(r.n)).toBeGreaterThan(50);
      expect(Number(r.tagged)).toBeGreaterThan(0);
      expect(Number(r.disc)).toBeGreaterThan(0);
    }
    // and the raw CSV cell is a JSON object with CUR 2.0 tag keys
    const text = csvText(obj(dirA, csvE, currentFiles(csvE, "2025-09")[0]!.key));
    expect(text).toMatch(/"\{""(aws_created_by|user_cost_center|user_env|user_name|user_team)"":""[^"]+""/);
    expect(text).not.toContain("user:");
  });

  test("focus: lowercase billing_period partition, FOCUS columns, Tags map", async () => {
    const e = exp(truthA, "focus");
    expect(e).toMatchObject({ prefix: "focus", partitionKey: "billing_period", costColumn: "BilledCost", curVersion: "v2" });
    const p = e.periods["2025-08"]!;
    const v = p.versions[p.currentKey]!;
    expect(v.manifestKey).toBe("focus/focus/metadata/billing_period=2025-08/focus-Manifest.json");
    expect(v.files[0]!.key).toBe("focus/focus/data/billing_period=2025-08/focus-00001.snappy.parquet");
    const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${obj(dirA, e, v.files[0]!.key)}', hive_partitioning=false)`)).getRowObjectsJson() as {
      column_name: string;
      column_type: string;
    }[];
    const types = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type]));
    expect(types).toMatchObject({
      BilledCost: "DOUBLE",
      EffectiveCost: "DOUBLE",
      ListCost: "DOUBLE",
      ContractedCost: "DOUBLE",
      ChargePeriodStart: "TIMESTAMP",
      BillingPeriodEnd: "TIMESTAMP",
      ServiceName: "VARCHAR",
      ChargeCategory: "VARCHAR",
      Tags: "MAP(VARCHAR, VARCHAR)",
      x_UsageType: "VARCHAR",
      x_Operation: "VARCHAR",
    });
    const r = await one<{ cats: string[] }>(
      `SELECT list(DISTINCT "ChargeCategory" ORDER BY "ChargeCategory") AS cats FROM read_parquet('${obj(dirA, e, "focus/focus/data/*/*.parquet")}')`,
    );
    expect(r.cats).toEqual(["Credit", "Tax", "Usage"]);
  });
});

describe("subsets, benchmark and many-period generators", () => {
  test("exports and periods options restrict the output", async () => {
    const dir = join(scratch, "subset");
    const t = await generateFixtures({ outDir: dir, seed: 42, exports: ["cur2-parquet"], periods: ["2025-10"], rowsPerFile: 10, filesPerVersion: 3 });
    expect(t.exports.map((e) => e.name)).toEqual(["cur2-parquet"]);
    const e = t.exports[0]!;
    expect(Object.keys(e.periods)).toEqual(["2025-10"]);
    expect(currentFiles(e, "2025-10")).toHaveLength(3);
    expect(listFiles(dir).filter((f) => f !== "truth.json").every((f) => f.startsWith("billing-fixtures/exports/cur2-parquet/"))).toBe(true);
    await expect(generateFixtures({ outDir: dir, exports: ["nope"] })).rejects.toThrow(/unknown export/);
  });

  test("generateBenchExports: exact row counts, one legacy CSV period and one CUR 2.0 Parquet period", async () => {
    const dir = join(scratch, "bench");
    const t = await generateBenchExports({ outDir: dir, rows: 5001, files: 2 });
    expect(t.exports.map((e) => [e.name, e.bucket, e.prefix, e.format])).toEqual([
      ["bench-cur-v1", "billing-bench", "bench", "csv"],
      ["bench-cur2", "billing-bench", "bench", "parquet"],
    ]);
    for (const e of t.exports) {
      const v = e.periods["2025-09"]!.versions[e.periods["2025-09"]!.currentKey]!;
      expect(v.rows).toBe(5001);
      expect(v.files.map((f) => f.rows)).toEqual([2501, 2500]);
    }
    const e = t.exports[0]!;
    const r = await one<{ n: string; cost: string }>(
      `SELECT count(*)::BIGINT AS n, sum(CAST("lineItem/UnblendedCost" AS DECIMAL(38,10)))::VARCHAR AS cost
       FROM read_csv(${sqlList(currentFiles(e, "2025-09").map((f) => obj(dir, e, f.key)))}, all_varchar=true, header=true)`,
    );
    expect(Number(r.n)).toBe(5001);
    expect(r.cost).toBe(e.periods["2025-09"]!.versions[e.periods["2025-09"]!.currentKey]!.costText);
  });

  test("generateManyPeriods: N exports x M consecutive periods ending 2025-10", async () => {
    const dir = join(scratch, "many");
    const t = await generateManyPeriods({ outDir: dir, exports: 3, periods: 14 });
    expect(t.exports.map((e) => e.name)).toEqual(["many-001", "many-002", "many-003"]);
    expect(t.exports.map((e) => e.curVersion)).toEqual(["v1", "v2", "v1"]);
    for (const e of t.exports) {
      const periods = Object.keys(e.periods);
      expect(periods).toHaveLength(14);
      expect(periods[0]).toBe("2024-09");
      expect(periods[13]).toBe("2025-10");
      for (const p of periods) for (const f of currentFiles(e, p)) expect(existsSync(obj(dir, e, f.key))).toBe(true);
    }
  });
});
