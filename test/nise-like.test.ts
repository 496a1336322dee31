/**
 * A nise-like legacy CUR delivery (scripts/fixtures/nise-like.ts): a manifest that lists part of the CSV's columns
 * without types, `"bucket": ""`, a UUID version folder and `-1.csv.gz`. The generator's truth against an independent
 * read of its files, then aws import-cur of it from the local S3 server: every row and header column, the cost, one
 * warning naming the columns only the CSV has, and their types.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { generateNiseLikeExport } from "../scripts/gen-fixtures.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { query, duckdbAlone } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { tableName } from "./helpers/truth.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-nise-like-"));
const treeDir = join(scratch, "tree");
const truth = await generateNiseLikeExport({ outDir: treeDir, rows: 300, seed: 42 });

const server = useFixtureS3({ trees: [treeDir] });

const objectPath = (key: string) => join(treeDir, truth.bucket, ...key.split("/"));
const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;
const headerOf = (gz: string) => gunzipSync(readFileSync(gz)).toString("utf8").split("\n", 1)[0]!.split(",");
const manifestOf = (key: string) => JSON.parse(readFileSync(objectPath(key), "utf8")) as Record<string, unknown> & { columns: Record<string, unknown>[] };


describe("generateNiseLikeExport", () => {
  test("writes one nise-shaped period: untyped manifest columns, a strict subset of the gzip CSV's header; rows and cost as a DuckDB read of the CSV", async () => {
    // the tree: the period manifest, its copy in the UUID folder (= assemblyId) and one `-1.csv.gz`
    const files = readdirSync(join(treeDir, truth.bucket), { recursive: true, encoding: "utf8" })
      .filter((f) => statSync(join(treeDir, truth.bucket, f)).isFile())
      .sort();
    const dir = `${truth.prefix}/${truth.name}/20180801-20180901`;
    expect(truth.period).toBe("2018-08");
    expect(truth.assemblyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(files).toEqual(
      [`${dir}/${truth.assemblyId}/${truth.name}-1.csv.gz`, `${dir}/${truth.assemblyId}/${truth.name}-Manifest.json`, `${dir}/${truth.name}-Manifest.json`].sort(),
    );
    expect(truth.files).toHaveLength(1);
    expect(truth.files[0]!.key).toBe(`${dir}/${truth.assemblyId}/${truth.name}-1.csv.gz`);

    // the manifest: untyped, empty bucket, one report key, the same at period level and in the folder
    expect(truth.manifestKey).toBe(`${dir}/${truth.name}-Manifest.json`);
    const manifest = manifestOf(truth.manifestKey);
    expect(readFileSync(objectPath(truth.manifestCopyKey), "utf8")).toBe(readFileSync(objectPath(truth.manifestKey), "utf8"));
    expect(manifest.assemblyId).toBe(truth.assemblyId);
    expect(manifest.bucket).toBe("");
    expect(manifest.reportName).toBe(truth.name);
    expect(manifest.reportKeys).toEqual([truth.files[0]!.key]);
    expect(manifest.billingPeriod).toEqual({ start: "20180801T000000.000Z", end: "20180901T000000.000Z" });
    for (const c of manifest.columns) expect(Object.keys(c).sort()).toEqual(["category", "name"]);
    const listed = manifest.columns.map((c) => `${c.category}/${c.name}`);
    expect(listed).toEqual(truth.manifestColumns);

    // the CSV header: the full set, a strict superset of the manifest's
    const csv = objectPath(truth.files[0]!.key);
    const header = headerOf(csv);
    expect(header).toEqual(truth.csvHeader);
    expect(new Set(header).size).toBe(header.length);
    expect(header.length).toBeGreaterThanOrEqual(90);
    expect(listed.length).toBeGreaterThanOrEqual(30);
    expect(listed.length).toBeLessThan(header.length / 2);
    for (const h of listed) expect(header).toContain(h);
    expect(truth.csvOnly).toEqual(header.filter((h) => !listed.includes(h)));
    for (const h of ["lineItem/UnblendedCost", "lineItem/UsageStartDate"]) expect(listed).toContain(h);
    for (const h of ["lineItem/ResourceId", "lineItem/NetUnblendedCost", "pricing/publicOnDemandCost", "resourceTags/user:Name"]) expect(truth.csvOnly).toContain(h);
    expect(truth.csvOnly.some((h) => h.startsWith("product/"))).toBe(true);

    // rows and cost from DuckDB alone, the file read as text
    const [got] = await duckdbAlone<{ rows: string; cost: number; exact: string; named: string }>(
      `SELECT count(*)::BIGINT AS rows, sum("lineItem/UnblendedCost"::DOUBLE) AS cost,
              sum("lineItem/UnblendedCost"::DECIMAL(38,10))::VARCHAR AS exact,
              count("resourceTags/user:Name")::BIGINT AS named
       FROM read_csv(${sqlText(csv)}, all_varchar = true, header = true)`,
    );
    expect(Number(got!.rows)).toBe(300);
    expect(truth.rows).toBe(300);
    expect(truth.files[0]!.rows).toBe(300);
    expect(got!.cost).toBeCloseTo(truth.cost, 6);
    expect(Math.abs(got!.cost - Number(truth.costText))).toBeLessThan(1e-6);
    expect(got!.exact).toBe(truth.costText); // the exact decimal sum, to the 10th place
    expect(Number(got!.named)).toBeGreaterThan(0); // tag values are realistic, not all empty
  });
});

describe("aws import-cur of the nise-like delivery", () => {
  test("imports every row and header column; one warning names the CSV-only columns; documented cost columns DOUBLE, others VARCHAR", async () => {
    const cwd = mkdtempSync(join(scratch, "work-"));
    const db = join(cwd, "billing.duckdb");
    const r = await runInProcess(["aws", "import-cur", "-b", truth.bucket, "-p", truth.prefix, "-e", truth.name, "-d", db, "--json"], {
      env: cleanEnv(server.s3.env),
      cwd,
    });
    expect(r.stderr).not.toContain("[error]");
    expect(r.exitCode).toBe(0);
    const periods = JSON.parse(r.stdout).periods as { period: string; outcome: string; rows: number; version: string }[];
    expect(periods.map((p) => [p.period, p.outcome, p.rows])).toEqual([[truth.period, "imported", truth.rows]]);
    expect(periods[0]!.version).toBe(truth.assemblyId);

    // rows and cost in the export's view
    const view = tableName(truth.name);
    const [sum] = await query(db, `SELECT count(*)::BIGINT AS rows, sum("lineItem_UnblendedCost")::DOUBLE AS cost FROM aws_billing."${view}"`);
    expect(Number(sum!.rows)).toBe(truth.rows);
    expect(Math.abs(Number(sum!.cost) - Number(truth.costText))).toBeLessThan(1e-6);

    // every header column recorded and present in the period table
    const [p] = await query(db, "SELECT table_name FROM finops.periods WHERE export = $1 AND billing_period = $2", [truth.name, truth.period]);
    const table = String(p!.table_name);
    const recorded = await query(db, "SELECT source_name, column_name, column_type FROM finops.columns WHERE export = $1 AND billing_period = $2", [truth.name, truth.period]);
    const bySource = new Map(recorded.map((c) => [String(c.source_name), c]));
    expect([...bySource.keys()].sort()).toEqual([...truth.csvHeader].sort());
    const tableCols = new Map(
      (await query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = $1", [table])).map((c) => [
        String(c.column_name),
        String(c.data_type),
      ]),
    );
    for (const h of truth.csvHeader) {
      const c = bySource.get(h)!;
      expect(tableCols.get(String(c.column_name))).toBe(String(c.column_type));
    }

    // one warning naming exactly the columns only the CSV has
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith(`[warn] ${truth.name} ${truth.period}:`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${truth.csvOnly.length} column(s) in the CSV header that the manifest does not list were loaded too`);
    for (const h of truth.csvOnly) expect(warnings[0]).toContain(`"${h}"`);
    for (const h of truth.manifestColumns) expect(warnings[0]).not.toContain(`"${h}"`);

    // types: documented ones where AWS documents them (listed or not), text otherwise
    const typeOf = (h: string) => String(bySource.get(h)!.column_type);
    expect(typeOf("lineItem/UnblendedCost")).toBe("DOUBLE");
    expect(typeOf("lineItem/UsageStartDate")).toBe("TIMESTAMP");
    expect(typeOf("pricing/publicOnDemandCost")).toBe("DOUBLE");
    expect(typeOf("lineItem/NetUnblendedCost")).toBe("DOUBLE");
    expect(typeOf("lineItem/ResourceId")).toBe("VARCHAR");
    expect(typeOf("product/region")).toBe("VARCHAR"); // listed, untyped, undocumented
    for (const h of truth.csvOnly.filter((x) => x.startsWith("product/") || x.startsWith("resourceTags/"))) expect(typeOf(h)).toBe("VARCHAR");

    // the CSV-only columns hold the file's values: the cost ones sum as the CSV does
    const csv = objectPath(truth.files[0]!.key);
    const [want] = await duckdbAlone<{ pub: number; net: number; ids: string }>(
      `SELECT sum("pricing/publicOnDemandCost"::DOUBLE) AS pub, sum("lineItem/NetUnblendedCost"::DOUBLE) AS net, count("lineItem/ResourceId")::BIGINT AS ids
       FROM read_csv(${sqlText(csv)}, all_varchar = true, header = true)`,
    );
    const col = (h: string) => `"${String(bySource.get(h)!.column_name)}"`;
    const [gotCols] = await query(
      db,
      `SELECT sum(${col("pricing/publicOnDemandCost")})::DOUBLE AS pub, sum(${col("lineItem/NetUnblendedCost")})::DOUBLE AS net, count(${col("lineItem/ResourceId")})::BIGINT AS ids FROM aws_billing."${table}"`,
    );
    expect(Number(gotCols!.pub)).toBeCloseTo(want!.pub, 6);
    expect(Number(gotCols!.net)).toBeCloseTo(want!.net, 6);
    expect(Number(gotCols!.ids)).toBe(Number(want!.ids));
    expect(Number(want!.ids)).toBeGreaterThan(0);
  });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));
