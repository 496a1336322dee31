/**
 * Bad input and permanent faults: each fails its period with one clear line (which export, period, key, column,
 * a sample of the bad value), the previous version of that period stays current, other periods still import, exit 1.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { currentVersions, periodTotals, query } from "./helpers/db.ts";
import { legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { startFaultProxy, type FaultProxy } from "./helpers/fault-proxy.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

let proxy: FaultProxy;
const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    proxy = await startFaultProxy(s3);
  },
  teardown: () => proxy.close(),
});

let n = 0;
/** A fresh export with two good periods (2025-08: 10 rows x 1.5, 2025-09: 20 rows x 0.25), imported once. */
async function seeded() {
  const name = `bad-${++n}`;
  const bucket = "bad-input";
  const dir = mkdtempSync(join(tmpdir(), "finops-bad-"));
  const db = join(dir, "f.duckdb");
  await putLegacyPeriod(server.s3, { bucket, prefix: "cur", name, period: "2025-08", version: "v1", files: [legacyCsv("2025-08", 10, 1.5)] });
  await putLegacyPeriod(server.s3, { bucket, prefix: "cur", name, period: "2025-09", version: "v1", files: [legacyCsv("2025-09", 20, 0.25)] });
  const env = cleanEnv(proxy.env);
  const run = (...extra: string[]) => runInProcess(["aws", "import-cur", "-b", bucket, "-p", "cur", "-e", name, "-d", db, ...extra], { env, cwd: dir });
  const first = await run();
  expect(first.exitCode).toBe(0);
  const prefix = name.replace(/-/g, "_");
  return { name, bucket, db, run, prefix };
}

const BEFORE = { "2025-08": { rows: 10, cost: 15 }, "2025-09": { rows: 20, cost: 5 } };

/** Break 2025-09 with `breakIt`, add a good new 2025-10, import: 2025-09 fails with `message`, the rest holds. */
async function expectPeriodFails(breakIt: (ctx: Awaited<ReturnType<typeof seeded>>) => Promise<unknown>, message: string | RegExp) {
  const ctx = await seeded();
  await breakIt(ctx);
  await putLegacyPeriod(server.s3, { bucket: ctx.bucket, prefix: "cur", name: ctx.name, period: "2025-10", version: "v1", files: [legacyCsv("2025-10", 5, 2)] });
  const r = await ctx.run("--json");
  expect(r.exitCode).toBe(1);
  const periods = JSON.parse(r.stdout).periods as { period: string; outcome: string; error: string | null }[];
  const byPeriod = Object.fromEntries(periods.map((p) => [p.period, p]));
  expect(byPeriod["2025-09"].outcome).toBe("failed");
  expect(byPeriod["2025-09"].error).toMatch(message);
  expect(byPeriod["2025-10"].outcome).toBe("imported");
  expect(byPeriod["2025-08"].outcome).toBe("up to date");
  const errorLines = r.stderr.split("\n").filter((l) => l.startsWith(`[error] ${ctx.name} 2025-09: `));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(message);
  // The previous version of 2025-09 is still current, with its rows and cost; the new period is there.
  expect(await periodTotals(ctx.db, ctx.prefix, "lineItem_UnblendedCost")).toEqual({ ...BEFORE, "2025-10": { rows: 5, cost: 10 } });
  expect(await currentVersions(ctx.db, ctx.name)).toEqual({ "2025-08": "assembly-v1", "2025-09": "assembly-v1", "2025-10": "assembly-v1" });
  const [view] = await query(ctx.db, `SELECT count(*)::BIGINT AS n FROM aws_billing."${ctx.prefix}"`);
  expect(Number(view.n)).toBe(35);
  const failures = await query(ctx.db, "SELECT outcome, error FROM finops.loads WHERE export = $1 AND billing_period = '2025-09' AND outcome = 'failed'", [ctx.name]);
  expect(failures).toHaveLength(1);
  expect(String(failures[0].error)).toMatch(message);
  return { ctx, r };
}

const put = (ctx: { bucket: string; name: string }, version: string, files: (string | Uint8Array)[], extra: object = {}) =>
  putLegacyPeriod(server.s3, { bucket: ctx.bucket, prefix: "cur", name: ctx.name, period: "2025-09", version, files, ...extra });

describe("bad data fails its period and changes nothing", () => {
  test("a manifest that is not JSON", async () => {
    await expectPeriodFails((c) => put(c, "v2", [legacyCsv("2025-09", 3, 1)], { manifestText: "{ this is not json" }), /manifest cur\/bad-\d+\/20250901-20251001\/bad-\d+-Manifest\.json: not valid JSON/);
  });

  test("a manifest without its file list", async () => {
    await expectPeriodFails((c) => put(c, "v2", [], { manifestText: JSON.stringify({ assemblyId: "x", columns: [] }) }), /-Manifest\.json: reportKeys: is missing/);
  });

  test("a truncated gzip file", async () => {
    const gz = gzipSync(legacyCsv("2025-09", 500, 1));
    await expectPeriodFails((c) => put(c, "v2", [gz.subarray(0, Math.floor(gz.length / 2))]), /s3:\/\/bad-input\/cur\/bad-\d+\/20250901-20251001\/v2\/bad-\d+-00001\.csv\.gz: the gzip data is damaged or cut short/);
  });

  test("text in a BigDecimal column: the message names the file, the line, the column and the value", async () => {
    const csv = legacyCsv("2025-09", 3, 1).replace(/,1\n$/, ",twelve dollars\n");
    await expectPeriodFails((c) => put(c, "v2", [csv]), /bad-\d+-00001\.csv\.gz line 4: column "lineItem_UnblendedCost"\. Could not convert string "twelve dollars" to 'DOUBLE'/);
  });

  test("a line longer than DuckDB reads: the message names the file, the line and both sizes, not the line itself", async () => {
    // 9 MB in one cell: more than the CSV reader's 8 MiB (src/cur/select.ts). The message was DuckDB's first line
    // alone, "CSV Error on Line: 3", without the file or the reason.
    const csv = legacyCsv("2025-09", 3, 1).replace("0.0116,1\n", `${"9".repeat(9_000_000)},1\n`);
    const { r } = await expectPeriodFails((c) => put(c, "v2", [csv]), /bad-\d+-00001\.csv\.gz line \d: a line of 9000\d+ bytes, longer than the 8388608 bytes DuckDB reads as one line/);
    expect(r.stderr.length).toBeLessThan(5000);
  });
});

describe("permanent S3 faults fail the period, not the run", () => {
  test("a listed file that is missing (404)", async () => {
    await expectPeriodFails(async (c) => {
      const manifest = await put(c, "v2", [legacyCsv("2025-09", 3, 1)]);
      const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
      await server.s3.client.send(new DeleteObjectCommand({ Bucket: c.bucket, Key: manifest.replace("bad-", "bad-").replace(/bad-(\d+)-Manifest\.json$/, "v2/bad-$1-00001.csv.gz") }));
    }, /s3:\/\/bad-input\/cur\/bad-\d+\/20250901-20251001\/v2\/bad-\d+-00001\.csv\.gz: not found \(404\)/);
  });

  test("access denied (403) on a data file", async () => {
    const result = await expectPeriodFails(async (c) => {
      await put(c, "v2", [legacyCsv("2025-09", 3, 1)]);
      proxy.setRule((req) => (req.key?.includes("20250901-20251001/v2/") && req.key.endsWith(".csv.gz") ? { kind: "status", status: 403 } : undefined));
    }, /bad-\d+-00001\.csv\.gz: access denied \(403\)/);
    proxy.setRule(undefined);
    expect(result.r.exitCode).toBe(1);
  });

  test("a bucket that does not exist fails the export with one line, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "finops-bad-"));
    const r = await runInProcess(["aws", "import-cur", "-b", "no-such-bucket", "-p", "cur", "-e", "x", "-d", join(dir, "f.duckdb"), "--cur-version", "v1"], {
      env: cleanEnv(proxy.env),
      cwd: dir,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("s3://no-such-bucket/cur/x/: the bucket does not exist (NoSuchBucket)");
  });

  test("no export at the prefix and name given: one line naming the folders the prefix holds, exit 1", async () => {
    // AWS writes aws-programmatic-access-test-object into the report's prefix when the report is set up.
    const bucket = "mistyped";
    await putLegacyPeriod(server.s3, { bucket, prefix: "cur", name: "my-cur", period: "2025-08", version: "v1", files: [legacyCsv("2025-08", 3, 1)] });
    await server.s3.put(bucket, "cur/aws-programmatic-access-test-object", "test");
    const dir = mkdtempSync(join(tmpdir(), "finops-bad-"));
    // The prefix left out: the bucket's root holds cur/. Before, the message named only the folder that was empty.
    const r = await runInProcess(["aws", "import-cur", "-b", bucket, "-e", "my-cur", "-d", join(dir, "f.duckdb")], { env: cleanEnv(proxy.env), cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('[error] my-cur: no billing export found at s3://mistyped/my-cur/; folders in s3://mistyped/: "cur"\n');
    // The right prefix and name import.
    const ok = await runInProcess(["aws", "import-cur", "-b", bucket, "-p", "cur", "-e", "my-cur", "-d", join(dir, "f.duckdb")], { env: cleanEnv(proxy.env), cwd: dir });
    expect(ok.exitCode).toBe(0);
  });

  test("a bucket in another region (301 PermanentRedirect) is reported, not retried forever", async () => {
    proxy.setRule((req) => (req.bucket === "elsewhere" ? { kind: "status", status: 301 } : undefined));
    try {
      const dir = mkdtempSync(join(tmpdir(), "finops-bad-"));
      const r = await runInProcess(["aws", "import-cur", "-b", "elsewhere", "-p", "cur", "-e", "x", "-d", join(dir, "f.duckdb"), "--cur-version", "v1"], {
        env: cleanEnv(proxy.env),
        cwd: dir,
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/s3:\/\/elsewhere\/cur\/x\/: .*(PermanentRedirect|another region)/);
    } finally {
      proxy.setRule(undefined);
    }
  });
});

test("a data file that is not Parquet fails its period naming the file; the other period imports", async () => {
  const dir = mkdtempSync(join(tmpdir(), "finops-bad-"));
  const db = join(dir, "f.duckdb");
  const bucket = "bad-parquet";
  const root = "exports/cur2-bad";
  // 2025-08: a real Parquet file written by DuckDB; 2025-09: text named .parquet.
  const { openDatabase } = await import("../src/store/duckdb.ts");
  const { readFileSync } = await import("node:fs");
  const good = join(dir, "good.parquet");
  const scratch = await openDatabase(join(dir, "scratch.duckdb"));
  await scratch.connection.run(`COPY (SELECT 'id-' || range AS identity_line_item_id, 0.5::DOUBLE AS line_item_unblended_cost FROM range(4)) TO '${good}' (FORMAT parquet)`);
  scratch.connection.closeSync();
  scratch.instance.closeSync();
  const files: Record<string, Uint8Array> = { "2025-08": readFileSync(good), "2025-09": new TextEncoder().encode("this is not parquet at all, just text ".repeat(20)) };
  for (const [period, body] of Object.entries(files)) {
    const key = `${root}/data/BILLING_PERIOD=${period}/cur2-bad-00001.snappy.parquet`;
    await server.s3.put(bucket, key, body);
    await server.s3.put(bucket, `${root}/metadata/BILLING_PERIOD=${period}/cur2-bad-Manifest.json`, JSON.stringify({ executionId: `exec-${period}`, dataFiles: [`s3://${bucket}/${key}`] }));
  }
  const r = await runInProcess(["aws", "import-cur", "-b", bucket, "-p", "exports", "-e", "cur2-bad", "-d", db, "--json"], { env: cleanEnv(proxy.env), cwd: dir });
  expect(r.exitCode).toBe(1);
  const periods = JSON.parse(r.stdout).periods;
  expect(periods.map((p: { period: string; outcome: string }) => [p.period, p.outcome])).toEqual([
    ["2025-08", "imported"],
    ["2025-09", "failed"],
  ]);
  expect(periods[1].error).toBe(`s3://${bucket}/${root}/data/BILLING_PERIOD=2025-09/cur2-bad-00001.snappy.parquet: not a Parquet file`);
  expect(await periodTotals(db, "cur2_bad", "line_item_unblended_cost")).toEqual({ "2025-08": { rows: 4, cost: 2 } });
});

test("a bucket in another region than configured is followed, not failed (the SDK re-signs for the region S3 names)", async () => {
  const seen: string[] = [];
  proxy.setRule((req) => {
    if (req.bucket !== "bad-input") return undefined;
    seen.push(req.method);
    // The first request is told the bucket lives in eu-west-3, as S3 answers a request signed for the wrong region.
    return seen.length === 1 ? { kind: "status", status: 301, headers: { "x-amz-bucket-region": "eu-west-3" } } : undefined;
  });
  try {
    const dir = mkdtempSync(join(tmpdir(), "finops-region-"));
    await putLegacyPeriod(server.s3, { bucket: "bad-input", prefix: "cur", name: "moved", period: "2025-08", version: "v1", files: [legacyCsv("2025-08", 4, 1)] });
    const r = await runInProcess(["aws", "import-cur", "-b", "bad-input", "-p", "cur", "-e", "moved", "-d", join(dir, "f.duckdb"), "--region", "us-east-1", "--json"], {
      env: cleanEnv(proxy.env),
      cwd: dir,
    });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).periods[0]).toMatchObject({ outcome: "imported", rows: 4 });
    expect(proxy.log.some((l) => l.status === 301)).toBe(true);
  } finally {
    proxy.setRule(undefined);
  }
});

test("a period too big for the memory limit on two DuckDB threads is loaded again on one; below even that it fails with a hint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "finops-mem-"));
  const fixtures = (await import("./helpers/truth.ts")).FIXTURES;
  await server.s3.uploadTree(fixtures, (_b, key) => key.startsWith("exports/cur2-parquet/"));
  const run = (limit: string, db: string) =>
    runInProcess(["aws", "import-cur", "-b", "billing-fixtures", "-p", "exports", "-e", "cur2-parquet", "-d", join(dir, db), "--memory-limit", limit, "--json"], {
      env: cleanEnv({ ...server.s3.env, FINOPS_DUCKDB_THREADS: "2" }),
      cwd: dir,
    });
  // 20MB: too little for two threads decoding 125 columns, enough for one (with the cost model's views rebuilt in the transaction).
  const retried = await run("26MB", "a.duckdb");
  if (retried.exitCode !== 0) console.error(retried.stderr);
  expect(retried.exitCode).toBe(0);
  expect(retried.stderr).toMatch(/cur2-parquet 2025-\d\d: out of memory on 2 DuckDB thread\(s\) with 26MB; loading again on 1 with 26MB/);
  const { expectedTotals, exportTruth } = await import("./helpers/truth.ts");
  const want = expectedTotals(exportTruth("cur2-parquet"));
  const got = await periodTotals(join(dir, "a.duckdb"), "cur2_parquet", "line_item_unblended_cost");
  for (const [p, w] of Object.entries(want)) {
    expect(got[p].rows).toBe(w.rows);
    expect(got[p].cost).toBeCloseTo(w.cost, 5);
  }
  const starved = await run("4MB", "b.duckdb");
  expect(starved.exitCode).toBe(1);
  expect(starved.stderr).toMatch(/Out of Memory Error: .* — give DuckDB more memory with --memory-limit/);
  const bad = await run("lots", "c.duckdb");
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toContain('--memory-limit must be a size like 512MB or 2GB, got "lots"');
});

test("no credentials anywhere: one clear line saying so and where to set them, exit 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "finops-nocreds-"));
  const env = cleanEnv({ AWS_ENDPOINT_URL_S3: server.s3.endpoint, AWS_REGION: "us-east-1", AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"), AWS_CONFIG_FILE: join(dir, "none") });
  const r = await runInProcess(["aws", "import-cur", "-b", "bad-input", "-p", "cur", "-e", "x", "--cur-version", "v1", "-d", join(dir, "f.duckdb")], { env, cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/s3:\/\/bad-input\/cur\/x\/: no AWS credentials were found \(.+\) — set AWS_PROFILE or the AWS_ACCESS_KEY_ID variables, or pass --profile/);
  expect(r.stderr).toContain("1 failed, 0 imported, 0 up to date");
});
