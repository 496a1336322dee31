import { describe, expect, test } from "bun:test";
import { ManifestError, parseCur2Manifest, parseLegacyManifest } from "../../src/cur/manifest.ts";

const legacy = {
  assemblyId: "ea74f90b-e82f-9c72-fab6-abc716793752",
  account: "123456789012",
  columns: [
    { category: "identity", name: "LineItemId", type: "String" },
    { category: "lineItem", name: "UnblendedCost", type: "BigDecimal" },
  ],
  charset: "UTF-8",
  compression: "GZIP",
  contentType: "text/csv",
  reportId: "f".repeat(64),
  reportName: "my-cur",
  billingPeriod: { start: "20251001T000000.000Z", end: "20251101T000000.000Z" },
  bucket: "my-bucket",
  reportKeys: ["cur/my-cur/20251001-20251101/20251003T040211Z/my-cur-00001.csv.gz"],
  additionalArtifactKeys: [{ artifactType: "RedshiftCommands", name: "cur/my-cur/x/my-cur-RedshiftCommands.sql" }],
  someFutureField: { anything: true },
};

describe("legacy manifests", () => {
  test("a real-shaped manifest gives version, files in the manifest's bucket, columns and compression", () => {
    const m = parseLegacyManifest(JSON.stringify(legacy), "k", "my-bucket");
    expect(m.version).toBe(legacy.assemblyId);
    expect(m.files).toEqual([{ bucket: "my-bucket", key: legacy.reportKeys[0] }]);
    expect(m.columns).toEqual([
      { header: "identity/LineItemId", type: "String" },
      { header: "lineItem/UnblendedCost", type: "BigDecimal" },
    ]);
    expect(m.compression).toBe("gzip");
    expect(m.format).toBe("csv");
  });

  test("keys with // are kept as they are", () => {
    const m = parseLegacyManifest(JSON.stringify({ ...legacy, reportKeys: ["cur//my-cur/20251001-20251101/v/my-cur-1.csv.gz"] }), "k", "my-bucket");
    expect(m.files[0].key).toBe("cur//my-cur/20251001-20251101/v/my-cur-1.csv.gz");
  });

  test("Parquet (Athena) and ZIP manifests", () => {
    const p = parseLegacyManifest(JSON.stringify({ ...legacy, compression: "Parquet", contentType: "Parquet", reportKeys: ["a/r/r/year=2021/month=8/r-00001.snappy.parquet"] }), "k", "my-bucket");
    expect(p.format).toBe("parquet");
    const z = parseLegacyManifest(JSON.stringify({ ...legacy, compression: "ZIP", reportKeys: ["a/x.csv.zip"] }), "k", "my-bucket");
    expect(z.compression).toBe("zip");
  });

  test("broken manifests name the key and the field", () => {
    expect(() => parseLegacyManifest("{not json", "cur/m.json", "my-bucket")).toThrow("manifest cur/m.json: not valid JSON");
    const { reportKeys: _, ...noKeys } = legacy;
    expect(() => parseLegacyManifest(JSON.stringify(noKeys), "cur/m.json", "my-bucket")).toThrow("manifest cur/m.json: reportKeys:");
    expect(() => parseLegacyManifest(JSON.stringify({ ...legacy, assemblyId: 5 }), "cur/m.json", "my-bucket")).toThrow("assemblyId");
  });

  test("files in another bucket or with .. segments are refused", () => {
    expect(() => parseLegacyManifest(JSON.stringify({ ...legacy, bucket: "evil" }), "k", "my-bucket")).toThrow(ManifestError);
    expect(() => parseLegacyManifest(JSON.stringify({ ...legacy, reportKeys: ["cur/../../secret.csv.gz"] }), "k", "my-bucket")).toThrow('has a ".." segment');
  });
});

describe("CUR 2.0 manifests", () => {
  const files = ["s3://b/exports/e/data/BILLING_PERIOD=2025-08/e-00001.snappy.parquet", "s3://b/exports/e/data/BILLING_PERIOD=2025-08/e-00002.snappy.parquet"];

  test("executionId is the version; dataFiles as strings, s3Uri objects or key objects", () => {
    const a = parseCur2Manifest(JSON.stringify({ executionId: "exec-1", dataFiles: files, columns: [{ name: "line_item_unblended_cost", type: "double" }] }), "k", "b", '"e1"');
    expect(a.version).toBe("exec-1");
    expect(a.files.map((f) => f.key)).toEqual(files.map((f) => f.slice("s3://b/".length)));
    expect(a.format).toBe("parquet");
    const b = parseCur2Manifest(JSON.stringify({ executionId: "x", dataFiles: files.map((s3Uri) => ({ s3Uri })) }), "k", "b", "e");
    expect(b.files).toEqual(a.files);
    const c = parseCur2Manifest(JSON.stringify({ executionId: "x", dataFiles: [{ key: a.files[0].key }] }), "k", "b", "e");
    expect(c.files[0]).toEqual(a.files[0]);
  });

  test("without executionId the version is a hash of the sorted files and the manifest ETag", () => {
    const one = parseCur2Manifest(JSON.stringify({ dataFiles: files }), "k", "b", '"etag-1"');
    const reordered = parseCur2Manifest(JSON.stringify({ dataFiles: [...files].reverse() }), "k", "b", '"etag-1"');
    const otherEtag = parseCur2Manifest(JSON.stringify({ dataFiles: files }), "k", "b", '"etag-2"');
    expect(one.version).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(reordered.version).toBe(one.version);
    expect(otherEtag.version).not.toBe(one.version);
  });

  test("files in another bucket, .. keys and malformed URIs are refused", () => {
    expect(() => parseCur2Manifest(JSON.stringify({ executionId: "x", dataFiles: ["s3://other/k.parquet"] }), "m", "b", "e")).toThrow('refusing data file s3://other/k.parquet in bucket "other"');
    expect(() => parseCur2Manifest(JSON.stringify({ executionId: "x", dataFiles: ["s3://b/a/../k.parquet"] }), "m", "b", "e")).toThrow('".."');
    expect(() => parseCur2Manifest(JSON.stringify({ executionId: "x", dataFiles: ["https://b/k"] }), "m", "b", "e")).toThrow("not an s3://bucket/key URI");
    expect(() => parseCur2Manifest(JSON.stringify({ executionId: "x" }), "m", "b", "e")).toThrow("manifest m: dataFiles:");
  });
});
