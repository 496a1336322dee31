/**
 * Small hand-made exports for tests of single behaviours (bad input, faults): a legacy CUR period with given CSV
 * rows, put into the local S3 server. The fixture generator (scripts/gen-fixtures.ts) makes the realistic ones.
 */
import { gzipSync } from "node:zlib";
import type { S3Harness } from "./s3.ts";

export const LEGACY_COLUMNS = [
  { category: "identity", name: "LineItemId", type: "String" },
  { category: "lineItem", name: "UsageStartDate", type: "DateTime" },
  { category: "lineItem", name: "ProductCode", type: "String" },
  { category: "lineItem", name: "UnblendedRate", type: "String" },
  { category: "lineItem", name: "UnblendedCost", type: "BigDecimal" },
];

export interface LegacyPeriodSpec {
  bucket: string;
  prefix: string;
  name: string;
  /** YYYY-MM */
  period: string;
  version: string;
  /** CSV bodies (with header) of each file, or raw bytes to store as they are. */
  files: (string | Uint8Array)[];
  columns?: { category: string; name: string; type?: string }[];
  /** Replace the manifest text entirely. */
  manifestText?: string;
}

export function legacyFolderOf(period: string): string {
  const [y, m] = period.split("-").map(Number);
  const next = m === 12 ? `${y + 1}01` : `${y}${String(m + 1).padStart(2, "0")}`;
  return `${y}${String(m).padStart(2, "0")}01-${next}01`;
}

/** Rows of a simple CSV with the LEGACY_COLUMNS header: `rows` lines, each costing `cost`. */
export function legacyCsv(period: string, rows: number, cost: number, product = "AmazonEC2"): string {
  const lines = ["identity/LineItemId,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UnblendedRate,lineItem/UnblendedCost"];
  for (let i = 0; i < rows; i++) lines.push(`id-${period}-${i},${period}-01T00:00:00Z,${product},0.0116,${cost}`);
  return `${lines.join("\n")}\n`;
}

/** Put one delivery (create-new-version layout) and its top-level manifest; returns the manifest key. */
export async function putLegacyPeriod(s3: S3Harness, spec: LegacyPeriodSpec): Promise<string> {
  const folder = `${spec.prefix}/${spec.name}/${legacyFolderOf(spec.period)}`;
  const keys: string[] = [];
  for (const [i, body] of spec.files.entries()) {
    const key = `${folder}/${spec.version}/${spec.name}-${String(i + 1).padStart(5, "0")}.csv.gz`;
    await s3.put(spec.bucket, key, typeof body === "string" ? gzipSync(body) : body);
    keys.push(key);
  }
  const manifest =
    spec.manifestText ??
    JSON.stringify({
      assemblyId: `assembly-${spec.version}`,
      columns: spec.columns ?? LEGACY_COLUMNS,
      compression: "GZIP",
      contentType: "text/csv",
      bucket: spec.bucket,
      reportName: spec.name,
      reportKeys: keys,
    });
  const manifestKey = `${folder}/${spec.name}-Manifest.json`;
  await s3.put(spec.bucket, `${folder}/${spec.version}/${spec.name}-Manifest.json`, manifest);
  await s3.put(spec.bucket, manifestKey, manifest);
  return manifestKey;
}

/** The smallest legacy period: 2025-08, two line items of 1.5 and 2.5 (a cost of 4), two typed columns. */
export async function putTwoRowLegacyPeriod(s3: S3Harness, where: { bucket: string; prefix: string; name: string }): Promise<string> {
  return await putLegacyPeriod(s3, {
    ...where,
    period: "2025-08",
    version: "v1",
    files: ["identity/LineItemId,lineItem/UnblendedCost\na,1.5\nb,2.5\n"],
    columns: [
      { category: "identity", name: "LineItemId", type: "String" },
      { category: "lineItem", name: "UnblendedCost", type: "BigDecimal" },
    ],
  });
}
