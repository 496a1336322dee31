/**
 * The real anonymised CUR v1 report in ../shared/data (read from there: skipped, not failed, when it is absent),
 * wrapped into a legacy CUR export with a manifest, imported through the local S3 server.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { splitCsvLine } from "../src/cur/csv-header.ts";
import { openDatabase } from "../src/store/duckdb.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const SAMPLE = resolve(import.meta.dir, "..", "..", "shared", "data", "cur-v1-sample-anonymized.csv");
const present = existsSync(SAMPLE);

const server = useFixtureS3({ trees: [], skip: !present });

function manifestType(header: string): string {
  const name = header.split("/")[1];
  if (header === "identity/TimeInterval") return "Interval";
  if (/Rate$/.test(name)) return "String";
  if (/^(bill|lineItem)\/.*Date$/.test(header)) return "DateTime";
  if (/(Cost|Amount|Factor)$/.test(name) && !header.startsWith("product/")) return "BigDecimal";
  return "String";
}

test.skipIf(!present)("the real anonymised CUR v1 report imports all 1,281 rows with the CSV's cost sum", async () => {
  const csv = readFileSync(SAMPLE);
  const headers = splitCsvLine(csv.toString("utf8").split("\n")[0].replace(/\r$/, ""));
  const key = "cur/sample/20231101-20231201/20231105T041500Z/sample-00001.csv.gz";
  const manifest = {
    assemblyId: "5c1f0a4e-sample",
    columns: headers.map((h) => ({ category: h.split("/")[0], name: h.split("/")[1], type: manifestType(h) })),
    compression: "GZIP",
    contentType: "text/csv",
    bucket: "shared-sample",
    reportName: "sample",
    reportKeys: [key],
  };
  await server.s3.put("shared-sample", key, gzipSync(csv));
  await server.s3.put("shared-sample", "cur/sample/20231101-20231201/sample-Manifest.json", JSON.stringify(manifest));
  const dir = mkdtempSync(join(tmpdir(), "finops-sample-"));
  const db = join(dir, "finops.duckdb");
  const r = await runInProcess(["aws", "import-cur", "-b", "shared-sample", "-p", "cur", "-e", "sample", "-d", db, "--json"], {
    env: cleanEnv(server.s3.env),
    cwd: dir,
  });
  expect(r.stderr).not.toContain("failed");
  expect(r.exitCode).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.periods).toHaveLength(1);
  expect(out.periods[0]).toMatchObject({ period: "2023-11", outcome: "imported", rows: 1281, files: 1 });

  // The truth, computed independently: DuckDB's own CSV sniffing of the raw file, summed exactly.
  const { instance, connection } = await openDatabase(db, { readOnly: true });
  try {
    const truth = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT, sum(CAST("lineItem/UnblendedCost" AS DECIMAL(38,10)))::VARCHAR FROM read_csv('${SAMPLE.replaceAll("'", "''")}', header = true, all_varchar = true)`,
    );
    const [truthRows, truthCost] = truth.getRows()[0];
    const got = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT, round(sum("lineItem_UnblendedCost"), 6), typeof(any_value("lineItem_UnblendedCost")), typeof(any_value("lineItem_UsageStartDate")), typeof(any_value("lineItem_UnblendedRate")) FROM aws_billing.sample`,
    );
    const [rows, cost, costType, dateType, rateType] = got.getRows()[0];
    expect(Number(truthRows)).toBe(1281);
    expect(Number(rows)).toBe(1281);
    expect(Number(cost)).toBeCloseTo(Number(truthCost), 6);
    expect([costType, dateType, rateType]).toEqual(["DOUBLE", "TIMESTAMP", "VARCHAR"]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
