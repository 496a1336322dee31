/**
 * Network faults between the AWS SDK and S3 (a fault-injecting proxy in front of the local S3 server): imports under
 * each fault, and under a random mix at 30% of requests, end with tables identical to a fault-free run. Transient
 * errors are retried with bounded backoff; a broken body resumes from the last byte (Range) pinned to the ETag; a
 * stalled body fails by the idle timeout and resumes.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { contentHash, currentVersions, periodTotals } from "./helpers/db.ts";
import { legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { onlyDataFiles, randomFaults, startFaultProxy, type FaultProxy, type FaultRule } from "./helpers/fault-proxy.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const BUCKET = "net-faults";
const NAME = "faulty";
let proxy: FaultProxy;
let reference: { totals: Record<string, { rows: number; cost: number }>; hash: string };

async function importVia(rule: FaultRule | undefined, extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "finops-net-"));
  const db = join(dir, "f.duckdb");
  proxy.setRule(rule);
  const logStart = proxy.log.length;
  try {
    const r = await runInProcess(["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", NAME, "-d", db, "--json"], {
      env: cleanEnv({ ...proxy.env, TMPDIR: dir, ...extraEnv }),
      cwd: dir,
    });
    return { r, db, dir, log: proxy.log.slice(logStart) };
  } finally {
    proxy.setRule(undefined);
  }
}

const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    proxy = await startFaultProxy(s3);
    // Two periods, three files each, ~30-60 KB compressed per file so bodies arrive in several chunks.
    await putLegacyPeriod(s3, { bucket: BUCKET, prefix: "cur", name: NAME, period: "2025-08", version: "v1", files: [1, 2, 3].map((i) => legacyCsv("2025-08", 3000 * i, 0.125 * i)) });
    await putLegacyPeriod(s3, { bucket: BUCKET, prefix: "cur", name: NAME, period: "2025-09", version: "v1", files: [1, 2, 3].map((i) => legacyCsv("2025-09", 2000 * i, 0.5)) });
    const clean = await importVia(undefined);
    expect(clean.r.exitCode).toBe(0);
    reference = { totals: await periodTotals(clean.db, NAME, "lineItem_UnblendedCost"), hash: await contentHash(clean.db, NAME) };
    expect(reference.totals).toEqual({ "2025-08": { rows: 18000, cost: 5250 }, "2025-09": { rows: 12000, cost: 6000 } });
  },
  teardown: () => proxy.close(),
});

async function expectSameAsFaultFree(run: Awaited<ReturnType<typeof importVia>>) {
  expect(run.r.stderr).not.toContain("[error]");
  expect(run.r.exitCode).toBe(0);
  expect(await periodTotals(run.db, NAME, "lineItem_UnblendedCost")).toEqual(reference.totals);
  expect(await contentHash(run.db, NAME)).toBe(reference.hash);
  expect(await currentVersions(run.db, NAME)).toEqual({ "2025-08": "assembly-v1", "2025-09": "assembly-v1" });
  expect(readdirSync(run.dir).filter((e) => e.startsWith("finops-spool-"))).toEqual([]);
}

describe("transient faults: the result is identical to a fault-free run", () => {
  test("500 InternalError on every data file once: retried", async () => {
    const run = await importVia(onlyDataFiles({ kind: "status", status: 500 }));
    await expectSameAsFaultFree(run);
    expect(run.log.filter((l) => l.fault === "status").length).toBe(6); // one per data file GET
  });

  test("503 SlowDown on every data file, twice: retried with backoff", async () => {
    const run = await importVia(onlyDataFiles({ kind: "status", status: 503 }, { times: 2 }));
    await expectSameAsFaultFree(run);
    expect(run.log.filter((l) => l.fault === "status").length).toBe(12);
  });

  test("connection reset half-way through each body: resumed from the last byte with Range and If-Match", async () => {
    const run = await importVia(onlyDataFiles({ kind: "reset" }));
    await expectSameAsFaultFree(run);
    const resumed = run.log.filter((l) => l.req.method === "GET" && l.req.range?.startsWith("bytes=") && l.req.range !== "bytes=0-");
    expect(resumed.length).toBe(6);
    for (const l of resumed) {
      expect(l.req.ifMatch).toMatch(/^"[0-9a-f]{32}"$/);
      expect(Number(/bytes=(\d+)-/.exec(l.req.range!)![1])).toBeGreaterThan(0);
    }
  });

  test("a stalled body fails by the idle timeout and resumes", async () => {
    const run = await importVia(onlyDataFiles({ kind: "stall", ms: 20_000 }), { FINOPS_IDLE_TIMEOUT_MS: "500" });
    await expectSameAsFaultFree(run);
    expect(run.log.filter((l) => l.fault === "stall").length).toBe(6);
    expect(run.log.filter((l) => l.req.range && l.req.range !== "bytes=0-").length).toBe(6);
  });

  test("a truncated body (ends before Content-Length) is resumed", async () => {
    const run = await importVia(onlyDataFiles({ kind: "truncate" }));
    await expectSameAsFaultFree(run);
    expect(run.log.filter((l) => l.fault === "truncate").length).toBe(6);
  });

  test("a random mix of all faults on 30% of all requests (listings, manifests, HEADs, bodies), 5 seeds", async () => {
    let survived = 0;
    let faults = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const run = await importVia(randomFaults(0.3, seed));
      await expectSameAsFaultFree(run);
      faults += run.log.filter((l) => l.fault).length;
      survived += 1;
    }
    expect(survived).toBe(5);
    expect(faults).toBeGreaterThan(10);
  }, 120_000);
});

test("a file replaced in S3 between a broken body and its resume fails the period (ETag guard): versions never mix", async () => {
  const name = "swapped";
  await putLegacyPeriod(server.s3, { bucket: BUCKET, prefix: "cur", name, period: "2025-08", version: "v1", files: [legacyCsv("2025-08", 5000, 1)] });
  const dataKey = `cur/${name}/20250801-20250901/v1/${name}-00001.csv.gz`;
  let swapped: Promise<void> | undefined;
  const dir = mkdtempSync(join(tmpdir(), "finops-net-"));
  proxy.setRule((req) => {
    if (req.method === "GET" && req.key === dataKey && !swapped) {
      // Break the body, and meanwhile a new file lands under the same key.
      const { gzipSync } = require("node:zlib") as typeof import("node:zlib");
      swapped = server.s3.put(BUCKET, dataKey, gzipSync(legacyCsv("2025-08", 5000, 99)));
      return { kind: "reset" };
    }
    return undefined;
  });
  try {
    const r = await runInProcess(["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", name, "-d", join(dir, "f.duckdb")], {
      env: cleanEnv({ ...proxy.env, TMPDIR: dir }),
      cwd: dir,
    });
    await swapped;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`s3://${BUCKET}/${dataKey}: the object changed while it was being read (ETag differs); run the import again`);
    expect(readdirSync(dir).filter((e) => e.startsWith("finops-spool-"))).toEqual([]);
  } finally {
    proxy.setRule(undefined);
  }
});
