/**
 * `finops lake ddl`: the DuckDB statements, run by DuckDB against a lake `finops lake export` wrote to a folder, give
 * the database's totals per period (FOCUS and raw); the Athena statement matches the lake's real layout: partition
 * key and folders, LOCATION and projection template, and every column's name and type as the Parquet files declare
 * them (read with DuckDB's parquet_schema and mapped to Athena types here, independently of finops' own mapping).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITMENTS_BUCKET, COMMITMENTS_EXPORTS, generateCommitmentsBill } from "../scripts/gen-fixtures.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { duckdbAlone, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-lake-ddl-"));
const treeDir = join(scratch, "tree");
await generateCommitmentsBill(treeDir);
const server = useFixtureS3({
  trees: [{ dir: treeDir, only: (_b, key) => key.startsWith(`${COMMITMENTS_EXPORTS.cur2Parquet.prefix}/`) || key.startsWith(`${COMMITMENTS_EXPORTS.legacyCsv.prefix}/`) }],
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const work = mkdtempSync(join(scratch, "work-"));
const db = join(work, "billing.duckdb");
const lake = join(work, "lake");
const cfg = join(work, "finops.toml");
writeFileSync(
  cfg,
  `[database]\npath = "${db}"\n` +
    `[[aws.exports]]\nname = "${COMMITMENTS_EXPORTS.cur2Parquet.name}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${COMMITMENTS_EXPORTS.cur2Parquet.prefix}"\ncur_version = "v2"\n` +
    `[[aws.exports]]\nname = "${COMMITMENTS_EXPORTS.legacyCsv.name}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${COMMITMENTS_EXPORTS.legacyCsv.prefix}"\ncur_version = "v1"\n`,
);
const run = (argv: string[]) => runInProcess(argv, { env: cleanEnv(server.s3.env), cwd: work });

test("setup: import two exports of one bill and export the lake to a folder", async () => {
  expect((await run(["aws", "import-cur", "--all", "-c", cfg])).exitCode).toBe(0);
  const r = await run(["lake", "export", "-c", cfg, "--to", lake]);
  expect(r.stderr).not.toContain("[error]");
  expect(r.exitCode).toBe(0);
});

test("the DuckDB DDL, run by DuckDB on the folder, gives the database's totals per period", async () => {
  const r = await run(["lake", "ddl", "-c", cfg, "--engine", "duckdb", "--to", lake]);
  expect(r.exitCode).toBe(0);
  const ddl = r.stdout;
  const fromLake = await duckdbAlone<{ p: string; n: string; billed: number; effective: number }>(
    `${ddl}\nSELECT billing_period AS p, count(*)::BIGINT AS n, sum(BilledCost) AS billed, sum(EffectiveCost) AS effective FROM finops.focus GROUP BY 1 ORDER BY 1`,
  );
  const fromDb = await query(db, "SELECT strftime(BillingPeriodStart, '%Y-%m') AS p, count(*)::BIGINT AS n, sum(BilledCost) AS billed, sum(EffectiveCost) AS effective FROM focus.costs GROUP BY 1 ORDER BY 1");
  expect(fromLake.map((x) => [x.p, Number(x.n)])).toEqual(fromDb.map((x) => [String(x.p), Number(x.n)]));
  for (const [i, x] of fromLake.entries()) {
    expect(Math.abs(Number(x.billed) - Number(fromDb[i].billed))).toBeLessThan(1e-6);
    expect(Math.abs(Number(x.effective) - Number(fromDb[i].effective))).toBeLessThan(1e-6);
  }
  const rawLake = await duckdbAlone<{ p: string; n: string; cost: number }>(
    `${ddl}\nSELECT billing_period AS p, count(*)::BIGINT AS n, sum(line_item_unblended_cost) AS cost FROM finops.raw_commitments_cur2_parquet GROUP BY 1 ORDER BY 1`,
  );
  const rawDb = await query(db, "SELECT strftime(bill_billing_period_start_date, '%Y-%m') AS p, count(*)::BIGINT AS n, sum(line_item_unblended_cost) AS cost FROM aws_billing.commitments_cur2_parquet GROUP BY 1 ORDER BY 1");
  expect(rawLake.map((x) => [x.p, Number(x.n), Math.round(Number(x.cost) * 1e6)])).toEqual(rawDb.map((x) => [String(x.p), Number(x.n), Math.round(Number(x.cost) * 1e6)]));
});

/** Parquet's declared type of a leaf column → Athena's type, written out here (not finops' mapping). */
function athenaTypeOf(leaf: { type: string | null; converted_type: string | null; logical_type: string | null; precision: number | null; scale: number | null }): string {
  const logical = String(leaf.logical_type ?? "");
  if (leaf.converted_type === "UTF8" || /StringType/.test(logical)) return "string";
  if (leaf.converted_type === "DECIMAL") return `decimal(${leaf.precision},${leaf.scale})`;
  if (/TimestampType|TIMESTAMP/.test(logical) || /TIMESTAMP/.test(String(leaf.converted_type))) return "timestamp";
  if (leaf.converted_type === "DATE") return "date";
  if (leaf.type === "DOUBLE") return "double";
  if (leaf.type === "FLOAT") return "float";
  if (leaf.type === "INT64") return "bigint";
  if (leaf.type === "INT32") return "int";
  if (leaf.type === "BOOLEAN") return "boolean";
  throw new Error(`unexpected Parquet type ${JSON.stringify(leaf)}`);
}

test("the Athena DDL matches the lake: partition key and folders, location, projection, each column's name and type", async () => {
  const root = "s3://my-lake/finops/";
  const r = await run(["lake", "ddl", "-c", cfg, "--engine", "athena", "--to", root]);
  expect(r.exitCode).toBe(0);
  const statements = r.stdout.split(/;\n/).filter((s) => s.includes("CREATE EXTERNAL TABLE"));
  expect(statements.map((s) => /`finops`\.`([^`]+)`/.exec(s)![1]).sort()).toEqual(["focus", "raw_commitments_cur2_parquet", "raw_commitments_cur_csv"]);
  for (const st of statements) {
    const name = /`finops`\.`([^`]+)`/.exec(st)![1];
    const folder = name === "focus" ? "focus" : `raw/${name.slice(4)}`;
    // Partition key: the folders in the lake are billing_period=YYYY-MM, the projection's format reads them.
    expect(st).toContain("PARTITIONED BY (`billing_period` string)");
    const parts = readdirSync(join(lake, folder));
    expect(parts.length).toBeGreaterThan(0);
    for (const p of parts) expect(p).toMatch(/^billing_period=\d{4}-\d{2}$/);
    expect(st).toContain("'projection.billing_period.format' = 'yyyy-MM'");
    expect(st).toContain(`LOCATION '${root}${folder}/'`);
    expect(st).toContain(`'storage.location.template' = '${root}${folder}/billing_period=\${billing_period}/'`);
    // Columns: each file's schema, as Parquet declares it.
    const declared = [...st.matchAll(/^ {2}`((?:[^`]|``)+)` (.+?),?$/gm)].map((m) => [m[1].replaceAll("``", "`"), m[2]]);
    expect(declared.length).toBeGreaterThan(name === "focus" ? 45 : 20);
    for (const p of parts) {
      const file = join(lake, folder, p, "data.parquet");
      const schema = await duckdbAlone<{ name: string; type: string | null; converted_type: string | null; logical_type: string | null; precision: number | null; scale: number | null; num_children: number | null }>(
        `SELECT name, type, converted_type, logical_type::VARCHAR AS logical_type, precision, scale, num_children FROM parquet_schema('${file.replaceAll("'", "''")}')`,
      );
      // Top level: the root, then columns; a MAP is a group of key_value with key and value leaves.
      const top: [string, string][] = [];
      for (let i = 1; i < schema.length; i++) {
        const c = schema[i];
        if (Number(c.num_children ?? 0) > 0) {
          // MAP<…>: name, key_value group, key leaf, value leaf
          const key = schema[i + 2];
          const value = schema[i + 3];
          top.push([c.name, `map<${athenaTypeOf(key)},${athenaTypeOf(value)}>`]);
          i += 3;
        } else top.push([c.name, athenaTypeOf(c)]);
      }
      // Every column of the file is declared with its type (a period may lack a column the table has).
      expect(top.length).toBeGreaterThan(20);
      expect(top.some(([, t]) => t.startsWith("map<") || t === "timestamp")).toBe(true);
      const byName = new Map(declared.map(([n, t]) => [n, t]));
      for (const [n, t] of top) expect([n, byName.get(n)]).toEqual([n, t]);
      if (name === "focus") expect(top.map(([n]) => n)).toEqual(declared.map(([n]) => n));
    }
  }
});

test("Athena needs S3; an unknown engine is a usage error", async () => {
  const local = await run(["lake", "ddl", "-c", cfg, "--engine", "athena", "--to", lake]);
  expect(local.exitCode).toBe(2);
  expect(local.stderr).toContain("athena reads the lake from S3");
  const bad = await run(["lake", "ddl", "-c", cfg, "--engine", "oracle", "--to", lake]);
  expect(bad.exitCode).toBe(2);
  for (const engine of ["trino", "spark", "clickhouse"]) {
    const r = await run(["lake", "ddl", "-c", cfg, "--engine", engine, "--to", "s3://my-lake/finops/"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("billing_period");
  }
});
