#!/usr/bin/env bun
/**
 * Deterministic generator of AWS billing export trees (legacy CUR v1, CUR 2.0, FOCUS), written onto the local
 * filesystem in the shape they have in S3: `<outDir>/<bucket>/<key>`. Next to the tree it writes `truth.json`:
 * what an importer must find (current version per billing period, files, row counts, exact cost sums).
 *
 * Rows never pass through JavaScript: every data file is produced by one DuckDB `COPY (SELECT … FROM range(n))`,
 * whose values are pseudo-random functions of (seed, file salt, row index) built from `hash()`. The same seed gives
 * byte-identical CSV/gzip/zip files and an identical truth. Column sets and realistic values come from
 * `fixtures/seeds/` (see its README for their origin); this script never reads anything outside the repository
 * unless asked to re-extract the seeds with `--extract-seeds <dir>`.
 *
 *   bun scripts/gen-fixtures.ts [--out fixtures/exports] [--seed 42] [--rows-per-file N] [--files N]
 *                               [--exports a,b] [--periods 2025-08,2025-09]
 *   bun scripts/gen-fixtures.ts --bench ROWS [--out DIR] [--files N]      big legacy CSV + big CUR 2.0 period
 *   bun scripts/gen-fixtures.ts --many EXPORTS,PERIODS [--out DIR]         many tiny exports x periods
 *   bun scripts/gen-fixtures.ts --extract-seeds <dir with cur-v1-sample-anonymized.csv and cur2-columns.json>
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { zipSync } from "fflate";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

// ───────────────────────────────────────────────────────────────────────────── public types

export type CurVersion = "v1" | "v2";
export type Flavour = "cur-v1" | "cur2" | "focus";
export type DataFormat = "csv" | "parquet";
export type Compression = "GZIP" | "ZIP" | "Parquet";

export interface GenOptions {
  outDir: string;
  seed?: number;
  /** nominal rows per data file (each file gets between 75% and 100% of it); default 50 */
  rowsPerFile?: number;
  /** data files per report version; default 3 for cur-v1-gzip, 2 for the others */
  filesPerVersion?: number;
  /** subset of export names (see EXPORT_NAMES); default all */
  exports?: string[];
  /** billing periods as YYYY-MM; default 2025-08, 2025-09, 2025-10 */
  periods?: string[];
  /** DuckDB threads and parallel file writers; default min(4, cores) */
  threads?: number;
}

export interface TruthFile {
  key: string;
  rows: number;
  /** exact sum of the cost column, DECIMAL(38,10) as text */
  costText: string;
  /** the same sum rounded to 6 decimals */
  cost: number;
}

export interface TruthVersion {
  /** the manifest an importer reads for this version: the period-level one for the current version */
  manifestKey: string;
  /** the immutable copy inside the version / refresh folder, when the layout has one */
  manifestCopyKey?: string;
  /** version folder (legacy create-new-version) or refresh folder (CUR 2.0 create-new); null in overwrite mode */
  folder: string | null;
  assemblyId?: string;
  executionId?: string | null;
  columnCount: number;
  rows: number;
  costText: string;
  cost: number;
  files: TruthFile[];
}

export interface TruthPeriod {
  /** the version id the importer should report: assemblyId (v1), executionId (v2), null when the manifest has none */
  current: string | null;
  /** key of the current version inside `versions` */
  currentKey: string;
  versions: Record<string, TruthVersion>;
  /** data objects in the tree that no manifest lists (stale overwrite chunks); never part of any version */
  staleFiles: TruthFile[];
}

export interface TruthTraps {
  /** CSV headers equal up to case (legacy) */
  caseTwinColumns?: string[];
  /** columns absent before `firstPeriod` */
  lateColumns?: { column: string; firstPeriod: string }[];
  /** the CSV header order differs from the manifest `columns` order */
  csvOrderDiffersFromManifest?: boolean;
  /** periods whose manifest columns have no `type` */
  manifestWithoutTypes?: string[];
  /** periods whose manifest gives `dataFiles` as `{ "s3Uri": … }` objects */
  dataFilesAsObjects?: string[];
  /** periods whose manifest has no `executionId` */
  missingExecutionId?: string[];
  /** periods with a data object no manifest lists */
  staleChunks?: string[];
  /** periods with an older version / refresh folder (with data) left behind */
  oldVersions?: string[];
  /** periods whose version folder is a UUID and whose files are numbered `-1`, `-2` … */
  uuidVersionFolders?: string[];
  /** objects next to the export that an importer must ignore */
  ignorableKeys?: string[];
}

export interface TruthExport {
  name: string;
  flavour: Flavour;
  curVersion: CurVersion;
  bucket: string;
  prefix: string;
  format: DataFormat;
  compression: Compression;
  mode: "create-new" | "overwrite";
  /** partition key spelling in data/metadata paths (v2 only) */
  partitionKey?: string;
  costColumn: string;
  periods: Record<string, TruthPeriod>;
  traps: TruthTraps;
}

export interface Truth {
  seed: number;
  generator: string;
  exports: TruthExport[];
}

export const EXPORT_NAMES = ["cur-v1-gzip", "cur-v1-zip", "cur-v1-parquet", "cur2-parquet", "cur2-csv", "focus"] as const;
export const DEFAULT_PERIODS = ["2025-08", "2025-09", "2025-10"];
export const DEFAULT_BUCKET = "billing-fixtures";
export const BENCH_BUCKET = "billing-bench";
export const MANY_BUCKET = "billing-many";

// ───────────────────────────────────────────────────────────────────────────── seeds

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url));
const SEEDS_DIR = resolve(SCRIPT_DIR, "..", "fixtures", "seeds");

interface LegacyColumnSeed {
  category: string;
  name: string;
  type: string;
  samples?: string[];
}
interface ProfileSeed {
  count: number;
  amount: { kind: "one" | "int" | "frac" | "hours"; min?: string; max?: string };
  values: Record<string, string>;
}
interface Seeds {
  legacyColumns: LegacyColumnSeed[];
  profiles: ProfileSeed[];
  cur2Columns: { name: string; type: string }[];
  focusColumns: { name: string; type: string }[];
}

let seedCache: Seeds | undefined;
function loadSeeds(): Seeds {
  if (seedCache) return seedCache;
  const read = (f: string) => JSON.parse(readFileSync(join(SEEDS_DIR, f), "utf8"));
  const v1 = read("cur-v1-columns.json");
  const li = read("cur-v1-line-items.json");
  const c2 = read("cur2-columns.json");
  const fo = read("focus-columns.json");
  seedCache = { legacyColumns: v1.columns, profiles: li.lineItems, cur2Columns: c2.columns, focusColumns: fo.columns };
  return seedCache;
}

// ───────────────────────────────────────────────────────────────────────────── small helpers

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
/** 48-bit integer derived from a string: file salts, row-count jitter */
const saltInt = (s: string) => Number.parseInt(sha256(s).slice(0, 12), 16);
/** deterministic UUID (version-4 shaped) */
function uuidFrom(s: string): string {
  const h = sha256(`uuid:${s}`);
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const pad5 = (n: number) => String(n).padStart(5, "0");

/** `lineItem/UnblendedCost` → `line_item_unblended_cost` (AWS's Athena / CUR 2.0 spelling) */
export function athenaName(header: string): string {
  const [category, name] = splitHeader(header);
  const snake = (s: string) =>
    s
      .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "");
  return `${snake(category)}_${snake(name)}`;
}
function splitHeader(header: string): [string, string] {
  const i = header.indexOf("/");
  return [header.slice(0, i), header.slice(i + 1)];
}

interface Period {
  id: string; // 2025-08
  year: number;
  month: number; // 1-12
  start: Date;
  end: Date; // first day of next month
  days: number;
}
function parsePeriod(id: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  if (!m) throw new Error(`bad billing period "${id}", expected YYYY-MM`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new Error(`bad billing period "${id}"`);
  const start = new Date(Date.UTC(year, month - 1, 1));
  const end = new Date(Date.UTC(year, month, 1));
  return { id, year, month, start, end, days: Math.round((end.getTime() - start.getTime()) / 86_400_000) };
}
const ymd = (d: Date) => d.toISOString().slice(0, 10).replaceAll("-", "");
const sqlTs = (d: Date) => `TIMESTAMP '${d.toISOString().slice(0, 19).replace("T", " ")}'`;
/** legacy version folder name: 20251003T053621Z */
const compactTs = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);
function at(d: Date, h: number, m: number, s: number, ms = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, m, s, ms));
}
function monthsEndingAt(last: string, count: number): string[] {
  const p = parsePeriod(last);
  const out: string[] = [];
  for (let k = count - 1; k >= 0; k--) {
    const d = new Date(Date.UTC(p.year, p.month - 1 - k, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

function writeObject(outDir: string, bucket: string, key: string, body: string | Uint8Array): string {
  const path = join(outDir, bucket, ...key.split("/"));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
  return path;
}
const objectPath = (outDir: string, bucket: string, key: string) => join(outDir, bucket, ...key.split("/"));

/** Small pool: N DuckDB connections, each writing one file at a time (gzip is single-threaded per file). */
class ConnPool {
  private waiters: ((c: DuckDBConnection) => void)[] = [];
  constructor(private free: DuckDBConnection[]) {}
  async use<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = this.free.pop() ?? (await new Promise<DuckDBConnection>((r) => this.waiters.push(r)));
    try {
      return await fn(c);
    } finally {
      const w = this.waiters.shift();
      if (w) w(c);
      else this.free.push(c);
    }
  }
}

/** Like Promise.all, but waits for every task before rejecting: DuckDB must not be closed under a running query. */
async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

async function firstLine(path: string): Promise<string> {
  const input = createReadStream(path, { end: 1 << 20 });
  let acc = "";
  try {
    for await (const chunk of input) {
      acc += chunk.toString("utf8");
      const nl = acc.indexOf("\n");
      if (nl >= 0) return acc.slice(0, nl);
    }
  } finally {
    input.destroy();
  }
  return acc;
}

// ───────────────────────────────────────────────────────────────────────────── line-item profiles

/**
 * Line items that do not occur in the sample (EC2, credits, an EC2 tax line). Synthetic, modelled on public AWS
 * pricing: the sample only covers S3, CloudTrail, CloudWatch, Glue, SQS, SNS, KMS … and only Usage and Tax lines.
 */
type SyntheticProfile = ProfileSeed & { weight: number; resource: string };
const SYNTHETIC_PROFILES: SyntheticProfile[] = ((): SyntheticProfile[] => {
  const ec2 = (over: Record<string, string>): Record<string, string> => ({
    "lineItem/LineItemType": "Usage",
    "lineItem/ProductCode": "AmazonEC2",
    "lineItem/CurrencyCode": "USD",
    "product/ProductName": "Amazon Elastic Compute Cloud",
    "product/servicecode": "AmazonEC2",
    "product/servicename": "Amazon Elastic Compute Cloud",
    "product/locationType": "AWS Region",
    "pricing/currency": "USD",
    "pricing/term": "OnDemand",
    "pricing/RateId": "12345679001",
    "reservation/SubscriptionId": "123450001",
    ...over,
  });
  const box = (region: string, code: string, prefix: string, location: string, az: string, type: string, rate: string, sku: string) =>
    ec2({
      "lineItem/UsageType": `${prefix}BoxUsage:${type}`,
      "lineItem/Operation": "RunInstances",
      "lineItem/AvailabilityZone": az,
      "lineItem/UnblendedRate": rate,
      "lineItem/BlendedRate": rate,
      "lineItem/LineItemDescription": `$${rate} per On Demand Linux ${type} Instance Hour`,
      "product/productFamily": "Compute Instance",
      "product/region": region,
      "product/regionCode": code,
      "product/location": location,
      "product/usagetype": `${prefix}BoxUsage:${type}`,
      "product/operation": "RunInstances",
      "product/instanceType": type,
      "product/ecu": "Variable",
      "product/sku": sku,
      "pricing/RateCode": `${sku}.JRTCKXETXF.6YS6EN2CT7`,
      "pricing/publicOnDemandRate": rate,
      "pricing/unit": "Hrs",
    });
  return [
    {
      count: 0,
      weight: 10,
      resource: "ec2-instance",
      amount: { kind: "hours" },
      values: box("us-west-2", "us-west-2", "USW2-", "US West (Oregon)", "us-west-2a", "t3.medium", "0.0416", "XZ5ENxxxxxxG7Q9M"),
    },
    {
      count: 0,
      weight: 6,
      resource: "ec2-instance",
      amount: { kind: "hours" },
      values: box("us-east-1", "us-east-1", "", "US East (N. Virginia)", "us-east-1b", "t3.micro", "0.0104", "P3QYBxxxxxxK2D7W"),
    },
    {
      count: 0,
      weight: 8,
      resource: "ec2-instance",
      amount: { kind: "hours" },
      values: (() => {
        const v = box("us-west-2", "us-west-2", "USW2-", "US West (Oregon)", "us-west-2c", "m5.xlarge", "0.192", "B7KJQxxxxxx3ZK9V");
        delete v["product/ecu"]; // only burstable types have the non-numeric ECU "Variable"
        return v;
      })(),
    },
    {
      count: 0,
      weight: 6,
      resource: "ebs-volume",
      amount: { kind: "frac", min: "0.05", max: "5.5" },
      values: ec2({
        "lineItem/UsageType": "USW2-EBS:VolumeUsage.gp3",
        "lineItem/Operation": "CreateVolume-Gp3",
        "lineItem/AvailabilityZone": "us-west-2a",
        "lineItem/UnblendedRate": "0.08",
        "lineItem/BlendedRate": "0.08",
        "lineItem/LineItemDescription": "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US West (Oregon)",
        "product/productFamily": "Storage",
        "product/region": "us-west-2",
        "product/regionCode": "us-west-2",
        "product/location": "US West (Oregon)",
        "product/usagetype": "USW2-EBS:VolumeUsage.gp3",
        "product/operation": "",
        "product/volumeType": "General Purpose",
        "product/storageMedia": "SSD-backed",
        "product/sku": "HDQ4Exxxxxx8W2CF",
        "pricing/RateCode": "HDQ4Exxxxxx8W2CF.JRTCKXETXF.6YS6EN2CT7",
        "pricing/publicOnDemandRate": "0.08",
        "pricing/unit": "GB-Mo",
      }),
    },
    {
      count: 0,
      weight: 3,
      resource: "nat-gateway",
      amount: { kind: "hours" },
      values: ec2({
        "lineItem/UsageType": "USW2-NatGateway-Hours",
        "lineItem/Operation": "NatGateway",
        "lineItem/UnblendedRate": "0.045",
        "lineItem/BlendedRate": "0.045",
        "lineItem/LineItemDescription": "$0.045 per NAT Gateway Hour",
        "product/productFamily": "NAT Gateway",
        "product/region": "us-west-2",
        "product/regionCode": "us-west-2",
        "product/location": "US West (Oregon)",
        "product/usagetype": "USW2-NatGateway-Hours",
        "product/operation": "NatGateway",
        "product/group": "NGW:NatGateway",
        "product/groupDescription": "Hourly charge for NAT Gateways",
        "product/sku": "M2YSHxxxxxxT5Z8Q",
        "pricing/RateCode": "M2YSHxxxxxxT5Z8Q.JRTCKXETXF.6YS6EN2CT7",
        "pricing/publicOnDemandRate": "0.045",
        "pricing/unit": "Hrs",
      }),
    },
    {
      count: 0,
      weight: 4,
      resource: "ec2-instance",
      amount: { kind: "frac", min: "0.0000001", max: "12.5" },
      values: ec2({
        "lineItem/UsageType": "USW2-DataTransfer-Out-Bytes",
        "lineItem/Operation": "RunInstances",
        "lineItem/UnblendedRate": "0.09",
        "lineItem/BlendedRate": "0.09",
        "lineItem/LineItemDescription": "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
        "product/productFamily": "Data Transfer",
        "product/servicecode": "AWSDataTransfer",
        "product/servicename": "AWS Data Transfer",
        "product/fromLocation": "US West (Oregon)",
        "product/fromLocationType": "AWS Region",
        "product/fromRegionCode": "us-west-2",
        "product/toLocation": "External",
        "product/toLocationType": "Other",
        "product/transferType": "AWS Outbound",
        "product/region": "us-west-2",
        "product/usagetype": "USW2-DataTransfer-Out-Bytes",
        "product/sku": "AQRWBxxxxxxH3J6T",
        "pricing/RateCode": "AQRWBxxxxxxH3J6T.JRTCKXETXF.6YS6EN2CT7",
        "pricing/publicOnDemandRate": "0.09",
        "pricing/unit": "GB",
        "pricing/RateId": "12345678931",
        "reservation/SubscriptionId": "123444517",
      }),
    },
    {
      count: 0,
      weight: 1,
      resource: "none",
      amount: { kind: "one" },
      values: {
        "lineItem/LineItemType": "Tax",
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/CurrencyCode": "USD",
        "lineItem/LineItemDescription": "Tax for product code AmazonEC2",
        "lineItem/TaxType": "Canada Tax",
        "product/ProductName": "Amazon Elastic Compute Cloud",
      },
    },
    {
      count: 0,
      weight: 2,
      resource: "none",
      amount: { kind: "one" },
      values: {
        "lineItem/LineItemType": "Credit",
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/CurrencyCode": "USD",
        "lineItem/LineItemDescription": "AWS Promotional Credit",
        "product/ProductName": "Amazon Elastic Compute Cloud",
      },
    },
    {
      count: 0,
      weight: 1,
      resource: "none",
      amount: { kind: "one" },
      values: {
        "lineItem/LineItemType": "Credit",
        "lineItem/ProductCode": "AmazonS3",
        "lineItem/CurrencyCode": "USD",
        "lineItem/LineItemDescription": "AWS Promotional Credit",
        "product/ProductName": "Amazon Simple Storage Service",
      },
    },
  ];
})();

interface Profile {
  weight: number;
  kind: "usage" | "tax" | "credit";
  resource: string;
  amountKind: string;
  amountMin: string;
  amountMax: string;
  values: Record<string, string>;
}

function allProfiles(seeds: Seeds): Profile[] {
  const out: Profile[] = [];
  for (const p of seeds.profiles) {
    const type = p.values["lineItem/LineItemType"];
    const code = p.values["lineItem/ProductCode"];
    out.push({
      weight: 1 + Math.floor(Math.sqrt(p.count)),
      kind: type === "Tax" ? "tax" : type === "Credit" ? "credit" : "usage",
      resource: type === "Usage" && code === "AmazonS3" ? "s3-bucket" : "none",
      amountKind: p.amount.kind,
      amountMin: p.amount.min ?? "1",
      amountMax: p.amount.max ?? "1",
      values: p.values,
    });
  }
  for (const p of SYNTHETIC_PROFILES) {
    const type = p.values["lineItem/LineItemType"];
    out.push({
      weight: p.weight,
      kind: type === "Tax" ? "tax" : type === "Credit" ? "credit" : "usage",
      resource: p.resource,
      amountKind: p.amount.kind,
      amountMin: p.amount.min ?? "1",
      amountMax: p.amount.max ?? "1",
      values: p.values,
    });
  }
  return out;
}

// ───────────────────────────────────────────────────────────────────────────── the row generator (SQL)

const PAYER = "123412340534";
const ACCOUNTS = [PAYER, "210987654321", "333344445555"];
const ACCOUNT_NAMES = ["acme-payer", "acme-prod", "acme-dev"];
const ENTITY = "Amazon Web Services Canada, Inc.";
const TAG_NAMES = ["web-01", "web-02", "api-gateway", "etl-worker", "billing-db", "analytics"];
const TAG_TEAMS = ["platform", "data", "web"];
const TAG_ENVS = ["prod", "staging", "dev"];
const TAG_CREATORS = ["IAMUser:AIDA4EXAMPLE7Q2XYZ:alice", "AssumedRole:AROA4EXAMPLE3KQ9:ci-deploy", "IAMUser:AIDA4EXAMPLE9LMNO:bob"];
const COST_CENTERS = ["CC-1001", "CC-2040", "CC-3300"];
const S3_BUCKETS = ["acme-logs", "acme-data-lake", "acme-backups", "acme-static-site"];
const sqlList = (xs: string[]) => `[${xs.map(lit).join(", ")}]`;

/** Per-connection settings; the profile list variable is session state. */
async function setupConnection(con: DuckDBConnection): Promise<void> {
  await con.run(`SET TimeZone='UTC'`);
  await con.run(`SET VARIABLE ps_list = (SELECT list(ps ORDER BY g_slot) FROM ps)`);
}

/** Setup shared by all connections of one DuckDB instance: macros and the weighted profile table `ps`. */
async function setupDb(con: DuckDBConnection, seeds: Seeds): Promise<{ slots: number; profileColumns: string[] }> {
  await con.run(`SET TimeZone='UTC'`);
  await con.run(`SET preserve_insertion_order=true`);
  // AWS prints money like Java's Double.toString: 0.0, 1.25, 0.0123, 5.2E-9 (scientific below 1e-3)
  await con.run(`CREATE OR REPLACE MACRO fmt_plain(x) AS (
    CASE WHEN x IS NULL THEN NULL WHEN x = 0 THEN '0.0'
         ELSE regexp_replace(regexp_replace(CAST(CAST(x AS DECIMAL(38,10)) AS VARCHAR), '0+$', ''), '\\.$', '.0') END)`);
  await con.run(`CREATE OR REPLACE MACRO frac_digits(x) AS rtrim(split_part(CAST(abs(CAST(x AS DECIMAL(38,10))) AS VARCHAR), '.', 2), '0')`);
  await con.run(`CREATE OR REPLACE MACRO fmt_java(x) AS (
    CASE WHEN x IS NULL THEN NULL WHEN x = 0 THEN '0.0' WHEN abs(x) >= 0.001 THEN fmt_plain(x)
         ELSE (CASE WHEN x < 0 THEN '-' ELSE '' END)
              || ltrim(frac_digits(x), '0')[1] || '.'
              || CASE WHEN length(ltrim(frac_digits(x), '0')) > 1 THEN ltrim(frac_digits(x), '0')[2:] ELSE '0' END
              || 'E-' || CAST(length(frac_digits(x)) - length(ltrim(frac_digits(x), '0')) + 1 AS VARCHAR) END)`);
  await con.run(`CREATE OR REPLACE MACRO ts_z(t) AS strftime(t, '%Y-%m-%dT%H:%M:%SZ')`);
  await con.run(`CREATE OR REPLACE MACRO ts_ms(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.000Z')`);
  await con.run(`CREATE OR REPLACE MACRO b32(x) AS lpad(lower(to_base(CAST(x >> 2 AS BIGINT), 32)), 13, 'a')`);

  const profiles = allProfiles(seeds);
  const cols = [...new Set(profiles.flatMap((p) => Object.keys(p.values)))].sort();
  const lowered = new Set<string>();
  for (const c of cols) {
    if (lowered.has(c.toLowerCase())) throw new Error(`profile column ${c} collides with another up to case`);
    lowered.add(c.toLowerCase());
  }
  const rows = profiles.map((p, pid) => {
    const vals = cols.map((c) => (p.values[c] !== undefined && p.values[c] !== "" ? lit(p.values[c]!) : "NULL"));
    return `(${pid}, ${p.weight}, ${lit(p.kind)}, ${lit(p.resource)}, ${lit(p.amountKind)}, ${lit(p.amountMin)}, ${lit(p.amountMax)}, ${vals.join(", ")})`;
  });
  const colDefs = cols.map((c) => `${ident(c)} VARCHAR`).join(", ");
  await con.run(`CREATE OR REPLACE TABLE prof (g_pid INTEGER, g_weight INTEGER, g_kind VARCHAR, g_resource VARCHAR,
    g_amount_kind VARCHAR, g_amount_min VARCHAR, g_amount_max VARCHAR, ${colDefs})`);
  await con.run(`INSERT INTO prof VALUES ${rows.join(",\n")}`);
  await con.run(`CREATE OR REPLACE TABLE ps AS
    SELECT CAST(row_number() OVER (ORDER BY g_pid, k) - 1 AS UBIGINT) AS g_slot, p.*
    FROM prof p, range(p.g_weight) t(k)`);
  await setupConnection(con);
  const r = await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ps`);
  const slots = Number((r.getRowObjectsJson()[0] as { n: number }).n);
  return { slots, profileColumns: cols };
}

/**
 * The typed rows of one data file: every row is a function of (salt, i). Exposes the profile columns under their
 * legacy header names plus computed `g_*` columns (dates, amount, cost, tags …).
 */
function baseQuery(n: number, salt: string, period: Period, slots: number, seed: number, headerRow = false): string {
  const s = saltInt(salt);
  const S = sqlTs(period.start);
  const E = sqlTs(period.end);
  const rid = (tag: string) => `md5(${lit(`${seed}:${tag}:`)} || CAST(g_h11 % 12 AS VARCHAR))`;
  return `
WITH r0 AS (
  SELECT i AS g_i, hash(i, ${s}::BIGINT) AS g_h FROM range(${headerRow ? -1 : 0}, ${n}) t(i)
), r1 AS (
  -- profile lookup by index into a list (a projection keeps the row order; a join would not)
  SELECT g_i, g_h, g_p.* FROM (SELECT g_i, g_h, getvariable('ps_list')[CAST(g_h % ${slots} AS BIGINT) + 1] AS g_p FROM r0)
), r2 AS (
  SELECT *,
    hash(g_h, 1) AS g_h1, hash(g_h, 2) AS g_h2, hash(g_h, 3) AS g_h3, hash(g_h, 4) AS g_h4, hash(g_h, 5) AS g_h5,
    hash(g_h, 6) AS g_h6, hash(g_h, 7) AS g_h7, hash(g_h, 8) AS g_h8, hash(g_h, 9) AS g_h9, hash(g_h, 10) AS g_h10,
    hash(g_h, 11) AS g_h11, hash(g_h, 12) AS g_h12,
    g_kind <> 'usage' AS g_monthly,
    COALESCE(TRY_CAST("lineItem/UnblendedRate" AS DECIMAL(18,10)), 0) AS g_rate,
    COALESCE(TRY_CAST("pricing/publicOnDemandRate" AS DECIMAL(18,10)), 0) AS g_public_rate
  FROM r1
), r3 AS (
  SELECT *,
    CASE WHEN g_monthly THEN ${S} ELSE ${S} + to_days(CAST(g_h1 % ${period.days} AS INTEGER)) END AS g_day,
    CAST(g_h2 % 24 AS INTEGER) AS g_hour
  FROM r2
), r4 AS (
  SELECT *,
    CASE WHEN g_monthly THEN ${S} ELSE g_day + to_hours(g_hour) END AS g_start,
    CASE WHEN g_monthly THEN ${E} ELSE g_day + to_hours(g_hour + 1 + CAST(g_h3 % (24 - g_hour) AS INTEGER)) END AS g_end,
    g_day + INTERVAL 1 DAY AS g_day_end,
    (g_h4 % 4 = 0) AS g_ms
  FROM r3
), r5 AS (
  SELECT *,
    CASE g_amount_kind
      WHEN 'one' THEN CAST(1 AS DECIMAL(18,10))
      WHEN 'hours' THEN CAST(date_diff('hour', g_start, g_end) AS DECIMAL(18,10))
      WHEN 'int' THEN CAST(CAST(g_amount_min AS DOUBLE) + (g_h5 % CAST(CAST(g_amount_max AS DOUBLE) - CAST(g_amount_min AS DOUBLE) + 1 AS UBIGINT)) AS DECIMAL(18,10))
      ELSE CAST(round(CAST(g_amount_min AS DOUBLE) + (CAST(g_amount_max AS DOUBLE) - CAST(g_amount_min AS DOUBLE)) * ((g_h5 % 1000000) / 1000000.0), 10) AS DECIMAL(18,10))
    END AS g_amount
  FROM r4
), r6 AS (
  SELECT *,
    CASE g_kind
      WHEN 'usage' THEN CAST(g_amount * g_rate AS DECIMAL(38,10))
      WHEN 'tax' THEN CAST(round(((g_h6 % 250) + 1) / 100.0, 2) AS DECIMAL(38,10))
      ELSE CAST(-(CAST((g_h6 % 200000000000) + 1 AS DECIMAL(38,0)) * CAST(0.0000000001 AS DECIMAL(18,10))) AS DECIMAL(38,10))
    END AS g_cost,
    CASE g_kind WHEN 'usage' THEN CAST(g_amount * g_public_rate AS DECIMAL(38,10)) ELSE CAST(0 AS DECIMAL(38,10)) END AS g_public_cost,
    b32(hash(g_h, 21)) || b32(hash(g_h, 22)) || b32(hash(g_h, 23)) || b32(hash(g_h, 24)) AS g_line_item_id,
    CAST(g_h7 % 3 AS INTEGER) + 1 AS g_acct,
    (g_resource <> 'none') AS g_tagged
  FROM r5
), r7 AS (
  -- text of the money/amount values as AWS prints them (Java Double.toString), computed once per value
  SELECT *,
    rtrim(CAST(g_cost AS VARCHAR), '0') AS g_cost_p,
    rtrim(CAST(g_amount AS VARCHAR), '0') AS g_amount_p,
    rtrim(CAST(g_public_cost AS VARCHAR), '0') AS g_public_cost_p
  FROM r6
), r8 AS (
  SELECT *,
    ${javaText("g_cost")} AS g_cost_java,
    ${javaText("g_amount")} AS g_amount_java,
    ${javaText("g_public_cost")} AS g_public_cost_java
  FROM r7
)
SELECT *,
  CASE WHEN g_kind = 'usage' AND g_cost > 0 AND g_h10 % 8 = 0 THEN -CAST(CAST(g_cost AS DECIMAL(20,10)) * CAST(0.05 AS DECIMAL(3,2)) AS DECIMAL(38,10)) END AS g_discount,
  ${sqlList(ACCOUNTS)}[g_acct] AS g_account,
  ${sqlList(ACCOUNT_NAMES)}[g_acct] AS g_account_name,
  CASE g_resource
    WHEN 'ec2-instance' THEN 'i-0' || substr(${rid("i")}, 1, 16)
    WHEN 'ebs-volume' THEN 'vol-0' || substr(${rid("vol")}, 1, 16)
    WHEN 'nat-gateway' THEN 'nat-0' || substr(${rid("nat")}, 1, 16)
    WHEN 's3-bucket' THEN ${sqlList(S3_BUCKETS)}[CAST(g_h11 % ${S3_BUCKETS.length} AS INTEGER) + 1]
  END AS g_resource_id,
  CASE WHEN g_tagged AND g_h8 % 10 < 7 THEN ${sqlList(TAG_NAMES)}[CAST((g_h8 >> 8) % ${TAG_NAMES.length} AS INTEGER) + 1] END AS g_tag_name,
  CASE WHEN g_tagged AND g_h8 % 10 < 3 THEN 'legacy-' || ${sqlList(TAG_NAMES)}[CAST((g_h9 >> 8) % ${TAG_NAMES.length} AS INTEGER) + 1] END AS g_tag_name_lower,
  CASE WHEN g_tagged AND g_h9 % 3 = 0 THEN ${sqlList(TAG_CREATORS)}[CAST((g_h9 >> 8) % ${TAG_CREATORS.length} AS INTEGER) + 1] END AS g_tag_created_by,
  CASE WHEN g_tagged AND g_h12 % 2 = 0 THEN ${sqlList(COST_CENTERS)}[CAST((g_h12 >> 8) % ${COST_CENTERS.length} AS INTEGER) + 1] END AS g_tag_cost_center,
  CASE WHEN g_tagged AND g_h12 % 5 < 3 THEN ${sqlList(TAG_TEAMS)}[CAST((g_h12 >> 16) % ${TAG_TEAMS.length} AS INTEGER) + 1] END AS g_tag_team,
  CASE WHEN g_tagged AND g_h10 % 5 < 4 THEN ${sqlList(TAG_ENVS)}[CAST((g_h10 >> 16) % ${TAG_ENVS.length} AS INTEGER) + 1] END AS g_tag_env,
  ${S} AS g_period_start,
  ${E} AS g_period_end
FROM r8`;
}

/**
 * Java's Double.toString of a DECIMAL(·,10) value `x` whose text without trailing zeros is in column `x_p`:
 * `0.0`, `12.0`, `0.0123`, and below 1e-3 scientific: `5.2E-9`, `1.0E-6`.
 */
function javaText(x: string): string {
  const p = `${x}_p`;
  const frac = `split_part(${p}, '.', 2)`;
  const mant = `ltrim(${frac}, '0')`;
  return `CASE WHEN ${x} = 0 THEN '0.0'
      WHEN abs(${x}) >= 0.001 THEN (CASE WHEN ${p}[-1] = '.' THEN ${p} || '0' ELSE ${p} END)
      ELSE (CASE WHEN ${x} < 0 THEN '-' ELSE '' END) || ${mant}[1] || '.' || COALESCE(NULLIF(${mant}[2:], ''), '0')
           || 'E-' || CAST(length(${frac}) - length(${mant}) + 1 AS VARCHAR) END`;
}

// ───────────────────────────────────────────────────────────────────────────── column sets

type LegacyType = "String" | "OptionalString" | "BigDecimal" | "OptionalBigDecimal" | "DateTime" | "Interval";
interface LegacyCol {
  header: string; // category/Name
  type: LegacyType;
}

/** Columns the sample does not have, added by the generator (values synthetic). */
const ADDED_AFTER: Record<string, string[]> = {
  "lineItem/AvailabilityZone": ["lineItem/ResourceId"],
  "product/durability": ["product/ecu"],
  "product/groupDescription": ["product/instanceType"],
};
const TAG_CREATED_BY = "resourceTags/aws:createdBy";
const TAG_NAME = "resourceTags/user:Name";
const TAG_NAME_LOWER = "resourceTags/user:name";
const TAG_COST_CENTER = "resourceTags/user:CostCenter";

/** Legacy column list in CSV order: the sample's order, added columns after their neighbour, tags at the end. */
function legacyColumns(seeds: Seeds, opts: { extras: boolean; tags: string[] }): LegacyCol[] {
  const out: LegacyCol[] = [];
  for (const c of seeds.legacyColumns) {
    const header = `${c.category}/${c.name}`;
    out.push({ header, type: c.type as LegacyType });
    for (const added of ADDED_AFTER[header] ?? []) {
      if (added === "lineItem/ResourceId" || opts.extras) out.push({ header: added, type: "String" });
    }
  }
  for (const t of opts.tags) out.push({ header: t, type: "String" });
  return out;
}

/** Typed SQL value of a legacy column over the base query. */
function legacyExpr(header: string, type: LegacyType, profileCols: Set<string>): string {
  switch (header) {
    case "identity/LineItemId":
      return "g_line_item_id";
    case "identity/TimeInterval":
      return "ts_z(g_day) || '/' || ts_z(g_day_end)";
    case "bill/InvoicingEntity":
    case "lineItem/LegalEntity":
      return lit(ENTITY);
    case "bill/BillingEntity":
      return "'AWS'";
    case "bill/BillType":
      return "'Anniversary'";
    case "bill/PayerAccountId":
      return lit(PAYER);
    case "bill/BillingPeriodStartDate":
      return "g_period_start";
    case "bill/BillingPeriodEndDate":
      return "g_period_end";
    case "lineItem/UsageAccountId":
      return "g_account";
    case "lineItem/UsageStartDate":
      return "g_start";
    case "lineItem/UsageEndDate":
      return "g_end";
    case "lineItem/ResourceId":
      return "g_resource_id";
    case "lineItem/UsageAmount":
      return "g_amount";
    case "lineItem/UnblendedCost":
    case "lineItem/BlendedCost":
      return "g_cost";
    case "pricing/publicOnDemandCost":
      return "g_public_cost";
    case TAG_NAME:
      return "g_tag_name";
    case TAG_NAME_LOWER:
      return "g_tag_name_lower";
    case TAG_CREATED_BY:
      return "g_tag_created_by";
    case TAG_COST_CENTER:
      return "g_tag_cost_center";
  }
  if (profileCols.has(header)) return ident(header);
  switch (type) {
    case "BigDecimal":
    case "OptionalBigDecimal":
      return "CAST(NULL AS DECIMAL(38,10))";
    case "DateTime":
      return "CAST(NULL AS TIMESTAMP)";
    default:
      return "CAST(NULL AS VARCHAR)";
  }
}

/** CSV text of a legacy column. */
const isNullExpr = (e: string) => /^CAST\(NULL AS [A-Z0-9(), ]+\)$/.test(e);

function legacyCsvExpr(col: LegacyCol, profileCols: Set<string>): string {
  const e = legacyExpr(col.header, col.type, profileCols);
  if (isNullExpr(e)) return "CAST(NULL AS VARCHAR)"; // DuckDB does not fold fmt_java(NULL): keep empty columns cheap
  switch (col.type) {
    case "BigDecimal":
    case "OptionalBigDecimal":
      return ["g_cost", "g_amount", "g_public_cost"].includes(e) ? `${e}_java` : `fmt_java(${e})`;
    case "DateTime":
      // billing-period dates always carry milliseconds (as in the sample); usage dates mix both spellings
      return col.header.startsWith("bill/") ? `ts_ms(${e})` : `CASE WHEN g_ms THEN ts_ms(${e}) ELSE ts_z(${e}) END`;
    default:
      return `NULLIF(CAST(${e} AS VARCHAR), '')`;
  }
}

function legacyParquetExpr(col: LegacyCol, profileCols: Set<string>): string {
  const e = legacyExpr(col.header, col.type, profileCols);
  switch (col.type) {
    case "BigDecimal":
    case "OptionalBigDecimal":
      return `CAST(${e} AS DOUBLE)`;
    case "DateTime":
      return `CAST(${e} AS TIMESTAMP)`;
    default:
      return `NULLIF(CAST(${e} AS VARCHAR), '')`;
  }
}

/** Map entries as MAP(VARCHAR, VARCHAR) without NULL values (keys in the given order). */
function mapExpr(entries: [string, string][], valueType = "VARCHAR"): string {
  if (entries.length === 0) return `CAST(MAP() AS MAP(VARCHAR, ${valueType}))`;
  const list = entries.map(([k, v]) => `{'k': ${lit(k)}, 'v': CAST(${v} AS ${valueType})}`).join(", ");
  return `CAST(map_from_entries(list_filter([${list}], e -> e.v IS NOT NULL)) AS MAP(VARCHAR, ${valueType}))`;
}

/** Typed SQL value of a CUR 2.0 column. */
function cur2Expr(name: string, type: string, profileCols: Set<string>, cur2Names: Set<string>): string {
  const special: Record<string, string> = {
    bill_bill_type: "'Anniversary'",
    bill_billing_entity: "'AWS'",
    bill_billing_period_start_date: "g_period_start",
    bill_billing_period_end_date: "g_period_end",
    bill_invoicing_entity: lit(ENTITY),
    bill_payer_account_id: lit(PAYER),
    bill_payer_account_name: lit(ACCOUNT_NAMES[0]!),
    identity_line_item_id: "g_line_item_id",
    identity_time_interval: "ts_z(g_day) || '/' || ts_z(g_day_end)",
    line_item_legal_entity: lit(ENTITY),
    line_item_usage_account_id: "g_account",
    line_item_usage_account_name: "g_account_name",
    line_item_usage_start_date: "g_start",
    line_item_usage_end_date: "g_end",
    line_item_resource_id: "g_resource_id",
    line_item_usage_amount: "g_amount",
    line_item_unblended_cost: "g_cost",
    line_item_blended_cost: "g_cost",
    line_item_net_unblended_cost: "g_cost + COALESCE(g_discount, 0)",
    line_item_net_unblended_rate: `"lineItem/UnblendedRate"`,
    pricing_public_on_demand_cost: "g_public_cost",
    product_pricing_unit: `"pricing/unit"`,
    discount_bundled_discount: "g_discount",
    discount_total_discount: "g_discount",
    discount: mapExpr([["bundled_discount", "g_discount"], ["total_discount", "g_discount"]], "DOUBLE"),
    cost_category: mapExpr([["team", "g_tag_team"]]),
    resource_tags: mapExpr([
      ["aws_created_by", "g_tag_created_by"],
      ["user_cost_center", "g_tag_cost_center"],
      ["user_env", "g_tag_env"],
      ["user_name", "g_tag_name"],
      ["user_team", "g_tag_team"],
    ]),
  };
  if (name === "product") {
    // product attributes without a column of their own live in the map, under their snake_case name
    const entries: [string, string][] = [];
    for (const c of [...profileCols].filter((c) => c.startsWith("product/")).sort()) {
      const key = athenaName(c).replace(/^product_/, "");
      if (!cur2Names.has(`product_${key}`)) entries.push([key, ident(c)]);
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return mapExpr(entries);
  }
  if (special[name]) return special[name]!;
  for (const c of profileCols) if (athenaName(c) === name) return ident(c);
  return `CAST(NULL AS ${duckType(type)})`;
}

function duckType(t: string): string {
  switch (t) {
    case "double":
      return "DOUBLE";
    case "timestamp":
      return "TIMESTAMP";
    case "string":
      return "VARCHAR";
    case "map<string,string>":
      return "MAP(VARCHAR, VARCHAR)";
    case "map<string,double>":
      return "MAP(VARCHAR, DOUBLE)";
    default:
      throw new Error(`unknown column type ${t}`);
  }
}

function typedParquet(e: string, type: string): string {
  return type === "double" ? `CAST(${e} AS DOUBLE)` : type === "string" ? `NULLIF(CAST(${e} AS VARCHAR), '')` : `CAST(${e} AS ${duckType(type)})`;
}
function typedCsv(e: string, type: string): string {
  if (isNullExpr(e)) return "CAST(NULL AS VARCHAR)";
  switch (type) {
    case "double":
      return `fmt_plain(${e})`;
    case "timestamp":
      return `ts_ms(${e})`;
    case "string":
      return `NULLIF(CAST(${e} AS VARCHAR), '')`;
    default:
      return `CAST(to_json(${e}) AS VARCHAR)`; // maps: JSON object inside the cell
  }
}

const FOCUS_CATEGORY = `CASE "lineItem/ProductCode"
  WHEN 'AmazonEC2' THEN 'Compute' WHEN 'AmazonS3' THEN 'Storage' WHEN 'AmazonEFS' THEN 'Storage'
  WHEN 'AWSGlue' THEN 'Analytics' WHEN 'AWSQueueService' THEN 'Integration' WHEN 'AmazonSNS' THEN 'Integration'
  WHEN 'AmazonStates' THEN 'Integration' WHEN 'AWSIoT' THEN 'Internet of Things'
  WHEN 'awskms' THEN 'Security' WHEN 'AWSSecretsManager' THEN 'Security'
  WHEN 'AWSCloudShell' THEN 'Developer Tools'
  ELSE 'Management and Governance' END`;

function focusExpr(name: string, type: string): string {
  const e: Record<string, string> = {
    BilledCost: "g_cost",
    EffectiveCost: "g_cost + COALESCE(g_discount, 0)",
    ListCost: "CASE WHEN g_kind = 'usage' THEN g_public_cost ELSE g_cost END",
    ContractedCost: "g_cost",
    BillingPeriodStart: "g_period_start",
    BillingPeriodEnd: "g_period_end",
    ChargePeriodStart: "g_start",
    ChargePeriodEnd: "g_end",
    BillingAccountId: lit(PAYER),
    SubAccountId: "g_account",
    ProviderName: "'AWS'",
    ServiceName: `"product/ProductName"`,
    ServiceCategory: FOCUS_CATEGORY,
    ChargeCategory: "CASE g_kind WHEN 'usage' THEN 'Usage' WHEN 'tax' THEN 'Tax' ELSE 'Credit' END",
    RegionId: `COALESCE("product/regionCode", "product/region")`,
    ResourceId: "g_resource_id",
    BillingCurrency: "'USD'",
    ChargeDescription: `"lineItem/LineItemDescription"`,
    PricingUnit: `"pricing/unit"`,
    ConsumedQuantity: "CASE WHEN g_kind = 'usage' THEN g_amount END",
    ConsumedUnit: `CASE WHEN g_kind = 'usage' THEN "pricing/unit" END`,
    Tags: mapExpr([
      ["aws:createdBy", "g_tag_created_by"],
      ["user:CostCenter", "g_tag_cost_center"],
      ["user:Name", "g_tag_name"],
      ["user:env", "g_tag_env"],
      ["user:team", "g_tag_team"],
    ]),
    x_UsageType: `"lineItem/UsageType"`,
    x_Operation: `"lineItem/Operation"`,
  };
  return e[name] ?? `CAST(NULL AS ${duckType(type)})`;
}

// ───────────────────────────────────────────────────────────────────────────── file writers

interface Ctx {
  outDir: string;
  /** scratch folder for plain CSV before compression */
  tmpDir: string;
  seed: number;
  seeds: Seeds;
  pool: ConnPool;
  slots: number;
  profileCols: Set<string>;
  cur2Names: Set<string>;
}

interface FileJob {
  key: string;
  rows: number;
  salt: string;
  period: Period;
}

type Output =
  | { kind: "csv"; header: string[]; exprs: string[]; compression: "gzip" | "zip"; zipEntry?: string }
  | { kind: "parquet"; names: string[]; exprs: string[] };

async function writeDataFile(ctx: Ctx, bucket: string, job: FileJob, out: Output, costExpr = "g_cost"): Promise<TruthFile> {
  const path = objectPath(ctx.outDir, bucket, job.key);
  mkdirSync(dirname(path), { recursive: true });
  const base = baseQuery(job.rows, job.salt, job.period, ctx.slots, ctx.seed);
  return ctx.pool.use(async (con) => {
    if (out.kind === "parquet") {
      const sel = out.exprs.map((e, k) => `${e} AS ${ident(out.names[k]!)}`).join(",\n  ");
      await con.run(`COPY (SELECT ${sel} FROM (${base}) b) TO ${lit(path)} (FORMAT parquet, COMPRESSION snappy)`);
    } else {
      // The header is written as a data row (row -1 of the same range: one order-preserving pipeline) so that
      // names equal up to case survive; DuckDB's own header would rename the second one.
      const withHeader = baseQuery(job.rows, job.salt, job.period, ctx.slots, ctx.seed, true);
      const sel = out.exprs.map((e, k) => `CASE WHEN g_i < 0 THEN ${lit(out.header[k]!)} ELSE ${e} END AS c${k}`).join(",\n  ");
      const tmp = join(ctx.tmpDir, `${sha256(`${bucket}/${job.key}`).slice(0, 24)}.csv`);
      try {
        await con.run(`COPY (SELECT ${sel} FROM (${withHeader}) b) TO ${lit(tmp)} (FORMAT csv, HEADER false)`);
        const got = await firstLine(tmp);
        if (got !== out.header.join(",")) throw new Error(`header row of ${job.key} is not the first line (DuckDB reordered the rows)`);
        if (out.compression === "zip") {
          // DOS timestamps are local time: build the date from local fields so the bytes do not depend on TZ
          const mtime = new Date(job.period.year, job.period.month - 1, 2, 4, 2, 12);
          writeFileSync(path, zipSync({ [out.zipEntry!]: [readFileSync(tmp), { mtime, level: 6 }] }));
        } else {
          // zlib (native) compresses ~3x faster than DuckDB's gzip writer; the output is deterministic (mtime 0)
          await pipeline(createReadStream(tmp), createGzip({ level: 6 }), createWriteStream(path));
        }
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    const r = await con.runAndReadAll(
      `SELECT count(*)::BIGINT AS rows, CAST(COALESCE(sum(${costExpr}), 0) AS DECIMAL(38,10))::VARCHAR AS cost_text,
              CAST(round(COALESCE(sum(${costExpr}), 0), 6) AS DOUBLE) AS cost FROM (${base}) b`,
    );
    const row = r.getRowObjectsJson()[0] as { rows: string; cost_text: string; cost: number };
    return { key: job.key, rows: Number(row.rows), costText: row.cost_text, cost: Number(row.cost) };
  });
}

function sumFiles(files: TruthFile[]): { rows: number; costText: string; cost: number } {
  // exact decimal sum with 10 fractional digits, in BigInt
  let total = 0n;
  let rows = 0;
  for (const f of files) {
    rows += f.rows;
    total += decToBig(f.costText);
  }
  const text = bigToDec(total);
  return { rows, costText: text, cost: Math.round(Number(text) * 1e6) / 1e6 };
}
function decToBig(s: string): bigint {
  const neg = s.startsWith("-");
  const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
  const v = BigInt(i!) * 10n ** 10n + BigInt((f + "0000000000").slice(0, 10));
  return neg ? -v : v;
}
function bigToDec(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const i = a / 10n ** 10n;
  const f = (a % 10n ** 10n).toString().padStart(10, "0");
  return `${neg ? "-" : ""}${i}.${f}`;
}

function fileRows(spec: ExportSpec, k: number, files: number, salt: string): number {
  if (spec.exactRows !== undefined) return Math.floor(spec.exactRows / files) + (k <= spec.exactRows % files ? 1 : 0);
  return rowsFor(spec.rowsPerFile, salt);
}

function rowsFor(nominal: number, salt: string): number {
  const jitter = Math.floor(nominal / 4) + 1;
  return Math.max(1, nominal - (saltInt(`rows:${salt}`) % jitter));
}

// ───────────────────────────────────────────────────────────────────────────── export specs

interface ExportSpec {
  name: string;
  bucket: string;
  prefix: string;
  flavour: Flavour;
  format: DataFormat;
  compression: Compression;
  layout: "v1-create-new" | "v1-overwrite" | "v1-athena" | "v2-overwrite" | "v2-create-new";
  files: number;
  rowsPerFile: number;
  partitionKey?: string;
  /** data salt; exports with the same salt hold the same logical rows in their current versions */
  dataSalt: string;
  /** exact total rows of the current version, split evenly over its files (benchmarks); otherwise jittered */
  exactRows?: number;
  /** trap switches */
  traps: {
    twins?: boolean;
    lateCostCenter?: boolean;
    shuffledManifest?: boolean;
    twoVersions?: boolean;
    uuidOldest?: boolean;
    sideObjects?: boolean;
    untypedFirst?: boolean;
    staleChunk?: boolean;
    oldRefresh?: boolean;
    objectsDataFiles?: boolean;
    noExecutionIdFirst?: boolean;
  };
}

function defaultSpecs(rowsPerFile: number, files?: number): ExportSpec[] {
  const f = (d: number) => files ?? d;
  return [
    {
      name: "cur-v1-gzip",
      bucket: DEFAULT_BUCKET,
      prefix: "cur",
      flavour: "cur-v1",
      format: "csv",
      compression: "GZIP",
      layout: "v1-create-new",
      files: f(3),
      rowsPerFile,
      dataSalt: "cur-v1-gzip",
      traps: { twins: true, lateCostCenter: true, shuffledManifest: true, twoVersions: true, uuidOldest: true, sideObjects: true },
    },
    {
      name: "cur-v1-zip",
      bucket: DEFAULT_BUCKET,
      prefix: "zipcur",
      flavour: "cur-v1",
      format: "csv",
      compression: "ZIP",
      layout: "v1-overwrite",
      files: f(2),
      rowsPerFile,
      dataSalt: "cur-v1-zip",
      traps: { untypedFirst: true },
    },
    {
      name: "cur-v1-parquet",
      bucket: DEFAULT_BUCKET,
      prefix: "athena",
      flavour: "cur-v1",
      format: "parquet",
      compression: "Parquet",
      layout: "v1-athena",
      files: f(2),
      rowsPerFile,
      dataSalt: "cur-v1-parquet",
      traps: { sideObjects: true },
    },
    {
      name: "cur2-parquet",
      bucket: DEFAULT_BUCKET,
      prefix: "exports",
      flavour: "cur2",
      format: "parquet",
      compression: "Parquet",
      layout: "v2-overwrite",
      files: f(2),
      rowsPerFile,
      partitionKey: "BILLING_PERIOD",
      dataSalt: "cur2",
      traps: { staleChunk: true },
    },
    {
      name: "cur2-csv",
      bucket: DEFAULT_BUCKET,
      prefix: "exports",
      flavour: "cur2",
      format: "csv",
      compression: "GZIP",
      layout: "v2-create-new",
      files: f(2),
      rowsPerFile,
      partitionKey: "BILLING_PERIOD",
      dataSalt: "cur2",
      traps: { oldRefresh: true, objectsDataFiles: true, noExecutionIdFirst: true },
    },
    {
      name: "focus",
      bucket: DEFAULT_BUCKET,
      prefix: "focus",
      flavour: "focus",
      format: "parquet",
      compression: "Parquet",
      layout: "v2-overwrite",
      files: f(2),
      rowsPerFile,
      partitionKey: "billing_period",
      dataSalt: "focus",
      traps: {},
    },
  ];
}

const COST_COLUMN: Record<Flavour, string> = {
  "cur-v1": "lineItem/UnblendedCost",
  cur2: "line_item_unblended_cost",
  focus: "BilledCost",
};

// ───────────────────────────────────────────────────────────────────────────── legacy CUR v1

interface V1Version {
  folder: string | null;
  assemblyId: string;
  delivered: Date;
  oldNumbering: boolean;
  current: boolean;
  salt: string;
  files: number;
}

function v1Versions(spec: ExportSpec, seed: number, p: Period, idx: number, n: number): V1Version[] {
  const id = (tag: string) => uuidFrom(`${seed}:${spec.name}:${p.id}:${tag}`);
  const late = at(addDays(p.end, 2), 5, 36, 21);
  const early = at(addDays(p.start, 17), 4, 2, 11);
  const dataSalt = (tag: string) => `${seed}|${spec.dataSalt}|${p.id}|${tag}`;
  if (spec.layout !== "v1-create-new") {
    return [{ folder: null, assemblyId: id("assembly"), delivered: late, oldNumbering: false, current: true, salt: dataSalt("current"), files: spec.files }];
  }
  const twoAt = Math.min(1, n - 1);
  const versions: V1Version[] = [];
  if (spec.traps.twoVersions && idx === twoAt) {
    versions.push({
      folder: compactTs(early),
      assemblyId: id("assembly-old"),
      delivered: early,
      oldNumbering: false,
      current: false,
      salt: dataSalt("old"),
      files: Math.max(1, spec.files - 1),
    });
  }
  const uuidFolder = spec.traps.uuidOldest === true && idx === 0;
  versions.push({
    folder: uuidFolder ? id("version-folder") : compactTs(late),
    assemblyId: id("assembly"),
    delivered: late,
    oldNumbering: uuidFolder,
    current: true,
    salt: dataSalt("current"),
    files: spec.files,
  });
  return versions;
}

function v1Tags(spec: ExportSpec, idx: number): string[] {
  if (spec.traps.twins) {
    const tags = [TAG_CREATED_BY];
    if (spec.traps.lateCostCenter && idx >= 1) tags.push(TAG_COST_CENTER);
    tags.push(TAG_NAME, TAG_NAME_LOWER);
    return tags;
  }
  return [TAG_NAME, TAG_CREATED_BY];
}

async function generateV1Export(ctx: Ctx, spec: ExportSpec, periods: Period[]): Promise<TruthExport> {
  const reportFolder = `${spec.prefix}/${spec.name}`;
  const ignorable: string[] = [];
  const truth: TruthExport = {
    name: spec.name,
    flavour: spec.flavour,
    curVersion: "v1",
    bucket: spec.bucket,
    prefix: spec.prefix,
    format: spec.format,
    compression: spec.compression,
    mode: spec.layout === "v1-create-new" ? "create-new" : "overwrite",
    costColumn: COST_COLUMN["cur-v1"],
    periods: {},
    traps: {},
  };
  const reportId = sha256(`${ctx.seed}:${spec.name}:report-id`);
  const n = periods.length;

  for (const [idx, p] of periods.entries()) {
    const periodFolder = `${reportFolder}/${ymd(p.start)}-${ymd(p.end)}`;
    const cols = legacyColumns(ctx.seeds, {
      extras: spec.traps.twins === true || spec.format === "parquet",
      tags: v1Tags(spec, idx),
    });
    const manifestCols = spec.traps.shuffledManifest
      ? [...cols].sort((a, b) => (a.header < b.header ? -1 : a.header > b.header ? 1 : 0))
      : cols;
    const untyped = spec.traps.untypedFirst === true && idx === 0;
    const versions = v1Versions(spec, ctx.seed, p, idx, n);
    const tp: TruthPeriod = { current: null, currentKey: "", versions: {}, staleFiles: [] };

    for (const v of versions) {
      const dir = v.folder ? `${periodFolder}/${v.folder}` : periodFolder;
      const jobs: { job: FileJob; out: Output }[] = [];
      for (let k = 1; k <= v.files; k++) {
        const num = v.oldNumbering ? String(k) : pad5(k);
        const salt = `${v.salt}|file${k}`;
        const rows = fileRows(spec, k, v.files, salt);
        if (spec.format === "parquet") {
          const key = `${reportFolder}/${spec.name}/year=${p.year}/month=${p.month}/${spec.name}-${num}.snappy.parquet`;
          jobs.push({
            job: { key, rows, salt, period: p },
            out: {
              kind: "parquet",
              names: cols.map((c) => athenaName(c.header)),
              exprs: cols.map((c) => legacyParquetExpr(c, ctx.profileCols)),
            },
          });
        } else {
          const ext = spec.compression === "ZIP" ? "csv.zip" : "csv.gz";
          const key = `${dir}/${spec.name}-${num}.${ext}`;
          jobs.push({
            job: { key, rows, salt, period: p },
            out: {
              kind: "csv",
              header: cols.map((c) => c.header),
              exprs: cols.map((c) => legacyCsvExpr(c, ctx.profileCols)),
              compression: spec.compression === "ZIP" ? "zip" : "gzip",
              zipEntry: `${spec.name}-${num}.csv`,
            },
          });
        }
      }
      const files = await settleAll(jobs.map(({ job, out }) => writeDataFile(ctx, spec.bucket, job, out)));

      const artifacts: { artifactType: string; name: string }[] = [];
      if (spec.traps.sideObjects && spec.layout === "v1-create-new") {
        const rs = `${dir}/${spec.name}-RedshiftCommands.sql`;
        const rm = `${dir}/${spec.name}-RedshiftManifest.json`;
        const ct = `${dir}/${spec.name}-create-table.sql`;
        writeObject(ctx.outDir, spec.bucket, rs, redshiftCommands(spec, cols, rm));
        writeObject(ctx.outDir, spec.bucket, rm, `${JSON.stringify({ entries: files.map((f) => ({ url: `s3://${spec.bucket}/${f.key}`, mandatory: true })) }, null, 2)}\n`);
        writeObject(ctx.outDir, spec.bucket, ct, createTableSql(spec, cols));
        artifacts.push({ artifactType: "RedshiftCommands", name: rs }, { artifactType: "RedshiftManifest", name: rm });
        ignorable.push(rs, rm, ct);
      }
      const manifest = {
        assemblyId: v.assemblyId,
        account: PAYER,
        columns: manifestCols.map((c) => {
          const [category, name] = splitHeader(c.header);
          return untyped ? { category, name } : { category, name, type: c.type };
        }),
        charset: "UTF-8",
        compression: spec.compression,
        contentType: spec.format === "parquet" ? "Parquet" : "text/csv",
        reportId,
        reportName: spec.name,
        billingPeriod: { start: `${ymd(p.start)}T000000.000Z`, end: `${ymd(p.end)}T000000.000Z` },
        bucket: spec.bucket,
        reportKeys: files.map((f) => f.key),
        additionalArtifactKeys: artifacts,
      };
      const body = `${JSON.stringify(manifest, null, 2)}\n`;
      const topKey = `${periodFolder}/${spec.name}-Manifest.json`;
      let copyKey: string | undefined;
      if (v.folder) {
        copyKey = `${dir}/${spec.name}-Manifest.json`;
        writeObject(ctx.outDir, spec.bucket, copyKey, body);
      }
      if (v.current) writeObject(ctx.outDir, spec.bucket, topKey, body);
      const sum = sumFiles(files);
      const versionKey = v.folder ?? v.assemblyId;
      tp.versions[versionKey] = {
        manifestKey: v.current ? topKey : copyKey!,
        ...(copyKey ? { manifestCopyKey: copyKey } : {}),
        folder: v.folder,
        assemblyId: v.assemblyId,
        columnCount: cols.length,
        ...sum,
        files,
      };
      if (v.current) {
        tp.current = v.assemblyId;
        tp.currentKey = versionKey;
      }
    }
    truth.periods[p.id] = tp;

    if (versions.length > 1) (truth.traps.oldVersions ??= []).push(p.id);
    if (versions.some((v) => v.oldNumbering)) (truth.traps.uuidVersionFolders ??= []).push(p.id);
    if (untyped) (truth.traps.manifestWithoutTypes ??= []).push(p.id);
  }

  // objects AWS writes next to the reports
  if (spec.traps.sideObjects) {
    if (spec.layout === "v1-athena") {
      const cfn = `${reportFolder}/crawler-cfn.yml`;
      const status = `${reportFolder}/cost_and_usage_data_status/cost_and_usage_data_status.parquet`;
      writeObject(ctx.outDir, spec.bucket, cfn, crawlerCfn(spec));
      await ctx.pool.use((con) =>
        con.run(
          `COPY (SELECT 'READY' AS status) TO ${lit(mkdirFor(objectPath(ctx.outDir, spec.bucket, status)))} (FORMAT parquet, COMPRESSION snappy)`,
        ),
      );
      ignorable.push(cfn, status);
    } else {
      const test = `${spec.prefix}/aws-programmatic-access-test-object`;
      const status = `${reportFolder}/cost_and_usage_data_status/cost_and_usage_data_status.json`;
      writeObject(ctx.outDir, spec.bucket, test, "");
      writeObject(ctx.outDir, spec.bucket, status, `${JSON.stringify({ status: "READY" })}\n`);
      ignorable.push(test, status);
    }
  }
  if (spec.traps.twins) truth.traps.caseTwinColumns = [TAG_NAME, TAG_NAME_LOWER];
  if (spec.traps.lateCostCenter && periods.length > 1) {
    truth.traps.lateColumns = [{ column: TAG_COST_CENTER, firstPeriod: periods[1]!.id }];
  }
  if (spec.traps.shuffledManifest) truth.traps.csvOrderDiffersFromManifest = true;
  if (ignorable.length) truth.traps.ignorableKeys = ignorable;
  return truth;
}

function mkdirFor(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

function redshiftCommands(spec: ExportSpec, cols: LegacyCol[], manifestKey: string): string {
  const defs = cols.map((c) => `  ${athenaName(c.header)} ${c.type.endsWith("BigDecimal") ? "DECIMAL(30,10)" : c.type === "DateTime" ? "TIMESTAMP" : "VARCHAR(512)"}`);
  return `create table AWSBilling${spec.name.replace(/[^A-Za-z0-9]/g, "")} (\n${defs.join(",\n")}\n);\n\ncopy AWSBilling${spec.name.replace(/[^A-Za-z0-9]/g, "")} from 's3://${spec.bucket}/${manifestKey}' credentials 'aws_iam_role=<AWS_ROLE>' region 'us-east-1' GZIP CSV IGNOREHEADER 1 TIMEFORMAT 'auto' manifest;\n`;
}
function createTableSql(spec: ExportSpec, cols: LegacyCol[]): string {
  const defs = cols.map((c) => `  \`${athenaName(c.header)}\` ${c.type.endsWith("BigDecimal") ? "double" : c.type === "DateTime" ? "timestamp" : "string"}`);
  return `CREATE EXTERNAL TABLE IF NOT EXISTS ${athenaName(`x/${spec.name}`).slice(2)} (\n${defs.join(",\n")}\n);\n`;
}
function crawlerCfn(spec: ExportSpec): string {
  return `AWSTemplateFormatVersion: 2010-09-09\nDescription: Athena integration for ${spec.name} (fixture)\nResources: {}\n`;
}

// ───────────────────────────────────────────────────────────────────────────── CUR 2.0 / FOCUS

async function generateV2Export(ctx: Ctx, spec: ExportSpec, periods: Period[]): Promise<TruthExport> {
  const pk = spec.partitionKey ?? "BILLING_PERIOD";
  const root = `${spec.prefix}/${spec.name}`;
  const truth: TruthExport = {
    name: spec.name,
    flavour: spec.flavour,
    curVersion: "v2",
    bucket: spec.bucket,
    prefix: spec.prefix,
    format: spec.format,
    compression: spec.compression,
    mode: spec.layout === "v2-create-new" ? "create-new" : "overwrite",
    partitionKey: pk,
    costColumn: COST_COLUMN[spec.flavour],
    periods: {},
    traps: {},
  };
  const columns = spec.flavour === "focus" ? ctx.seeds.focusColumns : ctx.seeds.cur2Columns;
  const exprs = columns.map((c) => (spec.flavour === "focus" ? focusExpr(c.name, c.type) : cur2Expr(c.name, c.type, ctx.profileCols, ctx.cur2Names)));
  const output: Output =
    spec.format === "parquet"
      ? { kind: "parquet", names: columns.map((c) => c.name), exprs: exprs.map((e, k) => typedParquet(e, columns[k]!.type)) }
      : { kind: "csv", header: columns.map((c) => c.name), exprs: exprs.map((e, k) => typedCsv(e, columns[k]!.type)), compression: "gzip" };
  const ext = spec.format === "parquet" ? "snappy.parquet" : "csv.gz";
  const exportArn = `arn:aws:bcm-data-exports:us-east-1:${PAYER}:export/${spec.name}-${uuidFrom(`${ctx.seed}:${spec.name}:arn`)}`;
  const n = periods.length;
  const specialAt = Math.min(1, n - 1);

  for (const [idx, p] of periods.entries()) {
    const dataDir = `${root}/data/${pk}=${p.id}`;
    const metaDir = `${root}/metadata/${pk}=${p.id}`;
    const tp: TruthPeriod = { current: null, currentKey: "", versions: {}, staleFiles: [] };
    interface Refresh {
      executionId: string;
      delivered: Date;
      salt: string;
      files: number;
      current: boolean;
    }
    const execId = (tag: string) => uuidFrom(`${ctx.seed}:${spec.name}:${p.id}:${tag}`);
    const refreshes: Refresh[] = [];
    if (spec.traps.oldRefresh && idx === specialAt) {
      refreshes.push({
        executionId: execId("execution-old"),
        delivered: at(addDays(p.start, 16), 9, 41, 5, 312),
        salt: `${ctx.seed}|${spec.name}|${p.id}|old`,
        files: spec.files + 1,
        current: false,
      });
    }
    refreshes.push({
      executionId: execId("execution"),
      delivered: at(addDays(p.end, 1), 13, 14, 37, 728),
      salt: `${ctx.seed}|${spec.dataSalt}|${p.id}|current`,
      files: spec.files,
      current: true,
    });
    const omitExec = spec.traps.noExecutionIdFirst === true && idx === 0;
    const objectsForm = spec.traps.objectsDataFiles === true && idx === n - 1 && n > 1;

    for (const r of refreshes) {
      const folder = spec.layout === "v2-create-new" ? `${r.delivered.toISOString()}-${r.executionId}` : null;
      const dir = folder ? `${dataDir}/${folder}` : dataDir;
      const jobs: FileJob[] = [];
      for (let k = 1; k <= r.files; k++) {
        const salt = `${r.salt}|file${k}`;
        jobs.push({ key: `${dir}/${spec.name}-${pad5(k)}.${ext}`, rows: fileRows(spec, k, r.files, salt), salt, period: p });
      }
      const files = await settleAll(jobs.map((j) => writeDataFile(ctx, spec.bucket, j, output)));
      const uris = files.map((f) => `s3://${spec.bucket}/${f.key}`);
      const manifest: Record<string, unknown> = {};
      if (!omitExec) manifest.executionId = r.executionId;
      manifest.exportArn = exportArn;
      manifest.exportName = spec.name;
      manifest.billingPeriod = { start: p.start.toISOString(), end: p.end.toISOString() };
      manifest.bucket = spec.bucket;
      manifest.dataFiles = objectsForm ? uris.map((s3Uri) => ({ s3Uri })) : uris;
      manifest.columns = columns.map((c) => ({ name: c.name, type: c.type }));
      const body = `${JSON.stringify(manifest, null, 2)}\n`;
      const topKey = `${metaDir}/${spec.name}-Manifest.json`;
      let copyKey: string | undefined;
      if (folder) {
        copyKey = `${metaDir}/${folder}/${spec.name}-Manifest.json`;
        writeObject(ctx.outDir, spec.bucket, copyKey, body);
      }
      if (r.current) writeObject(ctx.outDir, spec.bucket, topKey, body);
      const versionKey = folder ?? r.executionId;
      tp.versions[versionKey] = {
        manifestKey: r.current ? topKey : copyKey!,
        ...(copyKey ? { manifestCopyKey: copyKey } : {}),
        folder,
        executionId: omitExec ? null : r.executionId,
        columnCount: columns.length,
        ...sumFiles(files),
        files,
      };
      if (r.current) {
        tp.current = omitExec ? null : r.executionId;
        tp.currentKey = versionKey;
      }
    }

    // overwrite mode: a shrinking export leaves a chunk behind that no manifest lists
    if (spec.traps.staleChunk && idx === specialAt) {
      const k = spec.files + 1;
      const salt = `${ctx.seed}|${spec.name}|${p.id}|stale|file${k}`;
      const stale = await writeDataFile(ctx, spec.bucket, { key: `${dataDir}/${spec.name}-${pad5(k)}.${ext}`, rows: rowsFor(spec.rowsPerFile, salt), salt, period: p }, output);
      tp.staleFiles.push(stale);
      (truth.traps.staleChunks ??= []).push(p.id);
    }
    if (refreshes.length > 1) (truth.traps.oldVersions ??= []).push(p.id);
    if (omitExec) (truth.traps.missingExecutionId ??= []).push(p.id);
    if (objectsForm) (truth.traps.dataFilesAsObjects ??= []).push(p.id);
    truth.periods[p.id] = tp;
  }
  return truth;
}

// ───────────────────────────────────────────────────────────────────────────── drivers

async function withDb<T>(threads: number | undefined, fn: (ctx: Omit<Ctx, "outDir" | "seed">) => Promise<T>): Promise<T> {
  const tmpDir = mkdtempSync(join(os.tmpdir(), "gen-fixtures-"));
  const seeds = loadSeeds();
  const t = Math.max(1, threads ?? Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  const inst = await DuckDBInstance.create(":memory:", { threads: String(t) });
  const conns: DuckDBConnection[] = [];
  try {
    for (let k = 0; k < t; k++) conns.push(await inst.connect());
    const { slots, profileColumns } = await setupDb(conns[0]!, seeds);
    for (const c of conns.slice(1)) await setupConnection(c);
    return await fn({
      tmpDir,
      seeds,
      pool: new ConnPool([...conns]),
      slots,
      profileCols: new Set(profileColumns),
      cur2Names: new Set(seeds.cur2Columns.map((c) => c.name)),
    });
  } finally {
    for (const c of conns) c.closeSync();
    inst.closeSync();
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function runSpecs(outDir: string, seed: number, specs: ExportSpec[], periods: Period[], threads?: number): Promise<Truth> {
  const out = resolve(outDir);
  for (const s of specs) rmSync(join(out, s.bucket, s.prefix, s.name), { recursive: true, force: true });
  const exports = await withDb(threads, async (db) => {
    const ctx: Ctx = { ...db, outDir: out, seed };
    const results: TruthExport[] = [];
    for (const s of specs) {
      results.push(s.flavour === "cur-v1" ? await generateV1Export(ctx, s, periods) : await generateV2Export(ctx, s, periods));
    }
    return results;
  });
  const truth: Truth = { seed, generator: "scripts/gen-fixtures.ts", exports };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "truth.json"), `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}

/** Generate the fixture exports (all six by default, three billing periods) and write `<outDir>/truth.json`. */
export async function generateFixtures(opts: GenOptions): Promise<Truth> {
  const seed = opts.seed ?? 42;
  const rowsPerFile = opts.rowsPerFile ?? 50;
  if (!Number.isInteger(seed)) throw new Error("seed must be an integer");
  if (!(rowsPerFile >= 1)) throw new Error("rowsPerFile must be at least 1");
  let specs = defaultSpecs(rowsPerFile, opts.filesPerVersion);
  if (opts.exports) {
    const unknown = opts.exports.filter((e) => !specs.some((s) => s.name === e));
    if (unknown.length) throw new Error(`unknown export(s): ${unknown.join(", ")}; known: ${EXPORT_NAMES.join(", ")}`);
    specs = specs.filter((s) => opts.exports!.includes(s.name));
  }
  const periods = [...new Set(opts.periods ?? DEFAULT_PERIODS)].sort().map(parsePeriod);
  if (periods.length === 0) throw new Error("no billing periods");
  return runSpecs(opts.outDir, seed, specs, periods, opts.threads);
}

/**
 * Benchmark data: one big legacy CSV-gzip period (`bench-cur-v1`, create-new-version layout) and one big CUR 2.0
 * Parquet period (`bench-cur2`, overwrite layout), `rows` rows each, split over `files` files, in bucket
 * `billing-bench`, prefix `bench`, period 2025-09.
 */
export async function generateBenchExports(opts: { outDir: string; rows: number; seed?: number; files?: number; period?: string; threads?: number }): Promise<Truth> {
  const seed = opts.seed ?? 42;
  const files = opts.files ?? 4;
  if (!(opts.rows >= files)) throw new Error("rows must be at least the number of files");
  const base = { bucket: BENCH_BUCKET, prefix: "bench", files, rowsPerFile: Math.ceil(opts.rows / files), traps: {} };
  const specs: ExportSpec[] = [
    { ...base, name: "bench-cur-v1", flavour: "cur-v1", format: "csv", compression: "GZIP", layout: "v1-create-new", dataSalt: "bench-cur-v1" },
    { ...base, name: "bench-cur2", flavour: "cur2", format: "parquet", compression: "Parquet", layout: "v2-overwrite", partitionKey: "BILLING_PERIOD", dataSalt: "bench-cur2" },
  ];
  return runSpecs(opts.outDir, seed, specs.map((s) => ({ ...s, exactRows: opts.rows })), [parsePeriod(opts.period ?? "2025-09")], opts.threads);
}

/**
 * Many tiny exports x periods (for a no-op re-run benchmark): `exports` exports alternating legacy CSV-gzip
 * (create-new-version) and CUR 2.0 Parquet (overwrite), each with `periods` consecutive months ending 2025-10,
 * one file of a few rows per period. Bucket `billing-many`, prefix `many`, names `many-001` …
 */
export async function generateManyPeriods(opts: { outDir: string; exports: number; periods: number; seed?: number; threads?: number }): Promise<Truth> {
  const seed = opts.seed ?? 42;
  if (!(opts.exports >= 1 && opts.periods >= 1)) throw new Error("exports and periods must be at least 1");
  const specs: ExportSpec[] = [];
  for (let k = 1; k <= opts.exports; k++) {
    const name = `many-${String(k).padStart(3, "0")}`;
    const base = { name, bucket: MANY_BUCKET, prefix: "many", files: 1, rowsPerFile: 4, dataSalt: name, traps: {} };
    specs.push(
      k % 2 === 1
        ? { ...base, flavour: "cur-v1", format: "csv", compression: "GZIP", layout: "v1-create-new" }
        : { ...base, flavour: "cur2", format: "parquet", compression: "Parquet", layout: "v2-overwrite", partitionKey: "BILLING_PERIOD" },
    );
  }
  return runSpecs(opts.outDir, seed, specs, monthsEndingAt("2025-10", opts.periods).map(parsePeriod), opts.threads);
}

// ───────────────────────────────────────────────────────────────────────────── seed extraction (explicit, one-off)

/** Manifest types of the sample's columns, as AWS writes them; every column not listed is `String`. */
const LEGACY_TYPES: Record<string, LegacyType> = {
  "identity/TimeInterval": "Interval",
  "bill/BillingPeriodStartDate": "DateTime",
  "bill/BillingPeriodEndDate": "DateTime",
  "lineItem/UsageStartDate": "DateTime",
  "lineItem/UsageEndDate": "DateTime",
  "lineItem/UsageAmount": "BigDecimal",
  "lineItem/NormalizationFactor": "OptionalBigDecimal",
  "lineItem/NormalizedUsageAmount": "OptionalBigDecimal",
  "lineItem/UnblendedCost": "BigDecimal",
  "lineItem/BlendedCost": "BigDecimal",
  "pricing/publicOnDemandCost": "BigDecimal",
  "reservation/AmortizedUpfrontCostForUsage": "BigDecimal",
  "reservation/AmortizedUpfrontFeeForBillingPeriod": "BigDecimal",
  "reservation/EffectiveCost": "BigDecimal",
  "reservation/RecurringFeeForUsage": "BigDecimal",
  "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "OptionalBigDecimal",
  "reservation/UnusedNormalizedUnitQuantity": "OptionalBigDecimal",
  "reservation/UnusedQuantity": "OptionalBigDecimal",
  "reservation/UnusedRecurringFee": "OptionalBigDecimal",
  "reservation/UpfrontValue": "OptionalBigDecimal",
  "reservation/EndTime": "OptionalString",
  "reservation/StartTime": "OptionalString",
  "reservation/ModificationStatus": "OptionalString",
  "reservation/NormalizedUnitsPerReservation": "OptionalString",
  "reservation/NumberOfReservations": "OptionalString",
  "reservation/TotalReservedNormalizedUnits": "OptionalString",
  "reservation/TotalReservedUnits": "OptionalString",
  "reservation/UnitsPerReservation": "OptionalString",
  "savingsPlan/TotalCommitmentToDate": "OptionalBigDecimal",
  "savingsPlan/SavingsPlanARN": "OptionalString",
  "savingsPlan/SavingsPlanRate": "OptionalBigDecimal",
  "savingsPlan/UsedCommitment": "OptionalBigDecimal",
  "savingsPlan/SavingsPlanEffectiveCost": "OptionalBigDecimal",
  "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod": "OptionalBigDecimal",
  "savingsPlan/RecurringCommitmentForBillingPeriod": "OptionalBigDecimal",
};

/** lineItem columns that vary per row and so are not part of a line-item profile */
const NOT_PROFILE = new Set([
  "lineItem/UsageAccountId",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
  "lineItem/UsageAmount",
  "lineItem/NormalizationFactor",
  "lineItem/NormalizedUsageAmount",
  "lineItem/UnblendedCost",
  "lineItem/BlendedCost",
  "lineItem/LegalEntity",
  "pricing/publicOnDemandCost",
]);

/**
 * Re-derive `fixtures/seeds/cur-v1-columns.json`, `cur-v1-line-items.json` and `cur2-columns.json` from the reference
 * data (`cur-v1-sample-anonymized.csv`, `cur2-columns.json` in `sourceDir`). Only run on request; the generator itself
 * reads the committed seeds.
 */
export async function extractSeeds(sourceDir: string, seedsDir = SEEDS_DIR): Promise<void> {
  const csv = join(sourceDir, "cur-v1-sample-anonymized.csv");
  const inst = await DuckDBInstance.create(":memory:");
  const con = await inst.connect();
  try {
    await con.run(`CREATE TABLE s AS SELECT * FROM read_csv(${lit(csv)}, all_varchar=true, header=true)`);
    const desc = (await con.runAndReadAll(`DESCRIBE s`)).getRowObjectsJson() as { column_name: string }[];
    const headers = desc.map((d) => d.column_name);
    const samples = (await con.runAndReadAll(`
      WITH u AS (UNPIVOT s ON COLUMNS(*) INTO NAME col VALUE val),
      c AS (SELECT col, val, count(*) AS n FROM u WHERE val <> '' GROUP BY ALL)
      SELECT col, list(val ORDER BY n DESC, val)[1:5] AS vals FROM c GROUP BY col`).then((r) => r.getRowObjectsJson())) as {
      col: string;
      vals: string[];
    }[];
    const sampleOf = new Map(samples.map((x) => [x.col, x.vals]));
    const columns = headers.map((h) => {
      const [category, name] = splitHeader(h);
      const vals = sampleOf.get(h);
      return { category, name, type: LEGACY_TYPES[h] ?? "String", ...(vals?.length ? { samples: vals } : {}) };
    });

    const keyCols = headers.filter(
      (h) =>
        !NOT_PROFILE.has(h) &&
        (h.startsWith("lineItem/") || h.startsWith("product/") || h.startsWith("pricing/") || h === "reservation/SubscriptionId"),
    );
    const keyList = keyCols.map(ident).join(", ");
    const profRows = (await con.runAndReadAll(`
      WITH g AS (
        SELECT ${keyList}, count(*) AS n,
          min(CAST("lineItem/UsageAmount" AS DOUBLE)) AS amin, max(CAST("lineItem/UsageAmount" AS DOUBLE)) AS amax,
          bool_and(CAST("lineItem/UsageAmount" AS DOUBLE) = round(CAST("lineItem/UsageAmount" AS DOUBLE))) AS ints,
          min(CAST("lineItem/UsageAmount" AS DECIMAL(18,10))) AS dmin, max(CAST("lineItem/UsageAmount" AS DECIMAL(18,10))) AS dmax
        FROM s GROUP BY ALL
      ), ranked AS (
        SELECT *, row_number() OVER (PARTITION BY "lineItem/ProductCode", "lineItem/LineItemType"
                                     ORDER BY n DESC, "lineItem/UsageType", "lineItem/Operation", "product/region") AS rk
        FROM g
      )
      SELECT * EXCLUDE (rk) FROM ranked
      WHERE "lineItem/LineItemType" = 'Tax' OR rk <= 5
      ORDER BY "lineItem/LineItemType" DESC, "lineItem/ProductCode", n DESC, "lineItem/UsageType", "lineItem/Operation", "product/region"`)
      .then((r) => r.getRowObjectsJson())) as Record<string, string | number | boolean | null>[];
    const trimDec = (s: string) => s.replace(/0+$/, "").replace(/\.$/, "");
    const lineItems = profRows.map((r) => {
      const values: Record<string, string> = {};
      for (const c of keyCols) if (r[c] !== null && r[c] !== "") values[c] = String(r[c]);
      const amin = Number(r.amin);
      const amax = Number(r.amax);
      const amount =
        values["lineItem/LineItemType"] === "Tax" || (amin === 1 && amax === 1)
          ? { kind: "one" }
          : r.ints
            ? { kind: "int", min: String(amin), max: String(amax) }
            : { kind: "frac", min: trimDec(String(r.dmin)), max: trimDec(String(r.dmax)) };
      return { count: Number(r.n), amount, values };
    });

    const cur2 = JSON.parse(readFileSync(join(sourceDir, "cur2-columns.json"), "utf8")) as { columns: { name: string; type: string }[] };
    mkdirSync(seedsDir, { recursive: true });
    const write = (f: string, v: unknown) => writeFileSync(join(seedsDir, f), `${JSON.stringify(v, null, 2)}\n`);
    write("cur-v1-columns.json", {
      description:
        "Column set of a real legacy CUR (CSV header of an anonymised Nov 2023 report, in file order) with the manifest types AWS uses, and up to five most frequent non-empty sample values per column. See README.md for the origin.",
      columns,
    });
    write("cur-v1-line-items.json", {
      description:
        "Line-item profiles taken from the same sample: the distinct combinations of per-line-item columns (lineItem, product, pricing, reservation/SubscriptionId), the five most frequent per product code and line-item type plus every Tax line, with their row count and the range of lineItem/UsageAmount. See README.md for the origin.",
      lineItems,
    });
    write("cur2-columns.json", {
      description:
        "Column names and Parquet types of a real CUR 2.0 (AWS Data Exports) hourly export with resources and split cost allocation data, sorted by name (not file order).",
      attribution: "Parquet metadata of a public-sector CUR 2.0 export, published in a public repository. Facts only.",
      columns: cur2.columns.map((c) => ({ name: c.name, type: c.type })),
    });
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

// ───────────────────────────────────────────────────────────────────────────── CLI

function summarize(truth: Truth, outDir: string, ms: number): string {
  const lines = [`gen-fixtures: seed ${truth.seed} → ${outDir} (${(ms / 1000).toFixed(1)} s)`];
  for (const e of truth.exports) {
    const ps = Object.entries(e.periods);
    const cur = ps.map(([, p]) => p.versions[p.currentKey]!);
    const rows = cur.reduce((a, v) => a + v.rows, 0);
    const files = cur.reduce((a, v) => a + v.files.length, 0);
    const versions = ps.reduce((a, [, p]) => a + Object.keys(p.versions).length, 0);
    lines.push(
      `  ${e.name.padEnd(16)} ${e.curVersion} ${e.format.padEnd(7)} ${e.compression.padEnd(7)} s3://${e.bucket}/${e.prefix}/  ${ps.length} periods, ${versions} versions, current: ${files} files, ${rows} rows`,
    );
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const args = new Map<string, string>();
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === "-h" || a === "--help") {
      process.stderr.write(
        "usage: bun scripts/gen-fixtures.ts [--out DIR] [--seed N] [--rows-per-file N] [--files N] [--exports a,b] [--periods 2025-08,…]\n" +
          "       bun scripts/gen-fixtures.ts --bench ROWS [--out DIR] [--seed N] [--files N]\n" +
          "       bun scripts/gen-fixtures.ts --many EXPORTS,PERIODS [--out DIR] [--seed N]\n" +
          "       bun scripts/gen-fixtures.ts --extract-seeds DIR   (re-derive fixtures/seeds from the reference data)\n",
      );
      return 0;
    }
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[k + 1];
      if (v === undefined || v.startsWith("--")) throw new Error(`option ${a} needs a value`);
      args.set(a.slice(2), v);
      k++;
    }
  }
  const int = (name: string): number | undefined => {
    const v = args.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new Error(`--${name} must be an integer, got "${v}"`);
    return Number(v);
  };
  const known = new Set(["out", "seed", "rows-per-file", "files", "exports", "periods", "bench", "many", "extract-seeds", "threads"]);
  for (const k of args.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);

  if (args.has("extract-seeds")) {
    await extractSeeds(resolve(args.get("extract-seeds")!));
    process.stderr.write(`gen-fixtures: seeds written to ${SEEDS_DIR}\n`);
    return 0;
  }
  const outDir = resolve(args.get("out") ?? join(SCRIPT_DIR, "..", "fixtures", "exports"));
  const seed = int("seed") ?? 42;
  const t0 = performance.now();
  let truth: Truth;
  if (args.has("bench")) {
    truth = await generateBenchExports({ outDir, rows: int("bench")!, seed, files: int("files"), threads: int("threads") });
  } else if (args.has("many")) {
    const [e, p] = args.get("many")!.split(",").map(Number);
    truth = await generateManyPeriods({ outDir, exports: e!, periods: p!, seed, threads: int("threads") });
  } else {
    truth = await generateFixtures({
      outDir,
      seed,
      rowsPerFile: int("rows-per-file"),
      filesPerVersion: int("files"),
      exports: args.get("exports")?.split(",").filter(Boolean),
      periods: args.get("periods")?.split(",").filter(Boolean),
      threads: int("threads"),
    });
  }
  process.stderr.write(`${summarize(truth, outDir, performance.now() - t0)}\n`);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`gen-fixtures: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof Error && /unknown option|needs a value|must be|unexpected argument|bad billing|unknown export/.test(err.message) ? 2 : 1);
    },
  );
}
