/**
 * Manifests, validated with valibot. Unknown fields are ignored (valibot's object() drops them); a broken manifest
 * gives an error that names its key and the field at fault.
 */
import { createHash } from "node:crypto";
import * as v from "valibot";
import { AppError } from "../errors.ts";
import { describeIssue } from "../validation.ts";

const LegacyColumn = v.object({
  category: v.string(),
  name: v.string(),
  type: v.optional(v.string()),
});

export const LegacyManifestSchema = v.object({
  assemblyId: v.pipe(v.string(), v.minLength(1, "must not be empty")),
  reportKeys: v.array(v.string("must be a list of keys")),
  columns: v.optional(v.array(LegacyColumn), []),
  compression: v.optional(v.string()),
  contentType: v.optional(v.string()),
  bucket: v.optional(v.string()),
  reportName: v.optional(v.string()),
  account: v.optional(v.string()),
  billingPeriod: v.optional(v.object({ start: v.string(), end: v.string() })),
});

const DataFile = v.union(
  [v.string(), v.object({ s3Uri: v.string() }), v.object({ key: v.string(), bucket: v.optional(v.string()) })],
  "must be an s3:// URI or an object with s3Uri or key",
);

export const Cur2ManifestSchema = v.object({
  executionId: v.optional(v.string()),
  dataFiles: v.array(DataFile, "must be a list of files"),
  columns: v.optional(v.array(v.object({ name: v.string(), type: v.optional(v.string()) })), []),
  billingPeriod: v.optional(v.object({ start: v.optional(v.string()), end: v.optional(v.string()) })),
});

export type LegacyManifest = v.InferOutput<typeof LegacyManifestSchema>;
export type Cur2Manifest = v.InferOutput<typeof Cur2ManifestSchema>;

export interface ManifestColumn {
  /** As written in the data files' header: `lineItem/UnblendedCost` (legacy) or `line_item_unblended_cost`. */
  header: string;
  /** The manifest's type, when it has one. */
  type?: string;
}

export interface DataFileRef {
  bucket: string;
  key: string;
}

/** What the importer needs from any manifest. */
export interface ParsedManifest {
  /** `assemblyId` (legacy), `executionId` (CUR 2.0), else a hash of the sorted files and the manifest's ETag. */
  version: string;
  files: DataFileRef[];
  columns: ManifestColumn[];
  format: "csv" | "parquet";
  compression: "gzip" | "zip" | "none" | "parquet";
}

export class ManifestError extends AppError {
  constructor(key: string, detail: string) {
    super(`manifest ${key}: ${detail}`, { hint: "The export's manifest is not what AWS writes; check the object in S3." });
    this.name = "ManifestError";
  }
}

function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ManifestError(key, `not valid JSON (${(err as Error).message})`);
  }
}

/** A key must not climb out of its prefix or be empty. */
export function checkKey(key: string, manifestKey: string): string {
  if (!key || key.split("/").some((segment) => segment === "..")) {
    throw new ManifestError(manifestKey, `refusing data file key "${key}": it is empty or has a ".." segment`);
  }
  return key;
}

function checkBucket(bucket: string, expected: string, manifestKey: string, what: string): void {
  if (bucket !== expected) {
    throw new ManifestError(manifestKey, `refusing ${what} in bucket "${bucket}": the export's bucket is "${expected}"`);
  }
}

function legacyCompression(m: LegacyManifest, keys: string[]): ParsedManifest["compression"] {
  const c = (m.compression ?? "").toUpperCase();
  if (c === "PARQUET" || /parquet/i.test(m.contentType ?? "")) return "parquet";
  if (c === "ZIP") return "zip";
  if (c === "GZIP") return "gzip";
  const first = keys[0] ?? "";
  if (first.endsWith(".parquet")) return "parquet";
  if (first.endsWith(".zip")) return "zip";
  if (first.endsWith(".gz")) return "gzip";
  return "none";
}

export function parseLegacyManifest(text: string, key: string, bucket: string): ParsedManifest {
  const result = v.safeParse(LegacyManifestSchema, parseJson(text, key));
  if (!result.success) throw new ManifestError(key, describeIssue(result.issues, "(document)"));
  const m = result.output;
  if (m.bucket !== undefined && m.bucket !== "") checkBucket(m.bucket, bucket, key, "data files");
  const keys = m.reportKeys.map((k) => checkKey(k, key));
  const compression = legacyCompression(m, keys);
  return {
    version: m.assemblyId,
    files: keys.map((k) => ({ bucket, key: k })),
    columns: m.columns.map((c) => ({ header: `${c.category}/${c.name}`, type: c.type })),
    format: compression === "parquet" ? "parquet" : "csv",
    compression,
  };
}

export function parseS3Uri(uri: string, manifestKey: string): DataFileRef {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new ManifestError(manifestKey, `data file "${uri}" is not an s3://bucket/key URI`);
  return { bucket: m[1], key: m[2] };
}

export function parseCur2Manifest(text: string, key: string, bucket: string, etag: string): ParsedManifest {
  const result = v.safeParse(Cur2ManifestSchema, parseJson(text, key));
  if (!result.success) throw new ManifestError(key, describeIssue(result.issues, "(document)"));
  const m = result.output;
  const files = m.dataFiles.map((f): DataFileRef => {
    if (typeof f === "string") return parseS3Uri(f, key);
    if ("s3Uri" in f) return parseS3Uri(f.s3Uri, key);
    return { bucket: f.bucket ?? bucket, key: f.key };
  });
  for (const f of files) {
    checkBucket(f.bucket, bucket, key, `data file s3://${f.bucket}/${f.key}`);
    checkKey(f.key, key);
  }
  let version = m.executionId?.trim();
  if (!version) {
    const hash = createHash("sha256");
    for (const f of files.map((x) => `s3://${x.bucket}/${x.key}`).sort()) hash.update(`${f}\n`);
    hash.update(etag);
    version = `sha256:${hash.digest("hex").slice(0, 32)}`;
  }
  const first = files[0]?.key ?? "";
  const compression: ParsedManifest["compression"] = first.endsWith(".parquet")
    ? "parquet"
    : first.endsWith(".zip")
      ? "zip"
      : first.endsWith(".gz")
        ? "gzip"
        : files.length === 0
          ? "parquet"
          : "none";
  const mixed = files.some((f) => f.key.endsWith(".parquet") !== (compression === "parquet"));
  if (mixed) throw new ManifestError(key, "lists Parquet and CSV files together");
  return {
    version,
    files,
    columns: m.columns.map((c) => ({ header: c.name, type: c.type })),
    format: compression === "parquet" ? "parquet" : "csv",
    compression,
  };
}
