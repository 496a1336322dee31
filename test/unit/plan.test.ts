/**
 * The plan of an export (src/cur/plan.ts) against the committed fixture tree on a local S3 server: which periods are
 * imported (new, changed, forced), skipped or failed, with the manifest versions fixtures/exports/truth.json gives.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../src/aws/client.ts";
import { resolveExports, type ExportSource, type SourceFlags } from "../../src/config/exports.ts";
import { loadSettings } from "../../src/config/index.ts";
import type { ParsedManifest } from "../../src/cur/manifest.ts";
import { exportFlavour, flavourOf, keepPicked, planExport, planKey, planLabel, type PeriodPlan } from "../../src/cur/plan.ts";
import type { CurrentPeriod } from "../../src/store/state.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { useFixtureS3 } from "../helpers/s3.ts";
import { exportTruth, FIXTURES, loadTruth, type TruthExport } from "../helpers/truth.ts";

const clients: S3Client[] = [];
/** The working folder and HOME of every plan: no config file, nothing from the developer's environment. */
const home = mkdtempSync(join(tmpdir(), "finops-plan-"));
const server = useFixtureS3({
  teardown: () => {
    for (const c of clients) c.destroy();
    rmSync(home, { recursive: true, force: true });
  },
});

/** The export as a user names it on the command line: -e, --bucket, --prefix (and any other flag). */
function source(e: TruthExport, flags: SourceFlags = {}): ExportSource {
  const settings = loadSettings({ cwd: home, env: cleanEnv(server.s3.env, home), flags: {} });
  const [exp] = resolveExports({ exportName: e.name, bucket: e.bucket, prefix: e.prefix, ...flags }, settings);
  return exp;
}

async function plan(exp: ExportSource, o: { state?: Map<string, CurrentPeriod>; force?: boolean; log?: (m: string) => void } = {}): Promise<PeriodPlan[]> {
  const client = await createS3Client(exp.aws, cleanEnv(server.s3.env, home));
  clients.push(client);
  return planExport(exp, { client, state: o.state ?? new Map(), force: o.force ?? false, signal: new AbortController().signal, log: o.log });
}

/** The version the truth file says is current; a manifest without executionId is versioned by its files and ETag. */
function expectedVersion(e: TruthExport, period: string): string {
  const p = e.periods[period];
  if (p.current !== null) return p.current;
  const v = p.versions[p.currentKey];
  const hash = createHash("sha256");
  for (const uri of v.files.map((f) => `s3://${e.bucket}/${f.key}`).sort()) hash.update(`${uri}\n`);
  const etag = `"${createHash("md5").update(readFileSync(join(FIXTURES, e.bucket, v.manifestKey))).digest("hex")}"`;
  hash.update(etag);
  return `sha256:${hash.digest("hex").slice(0, 32)}`;
}

function held(e: TruthExport, versions: Record<string, string>): Map<string, CurrentPeriod> {
  return new Map(Object.entries(versions).map(([period, version]) => [period, { version, rows: 1, tableName: `t_${period}` }]));
}

describe("planExport against an empty state", () => {
  for (const e of loadTruth().exports) {
    test(`${e.name}: every period is a new import of its current manifest version, and no data file is read`, async () => {
      const from = server.s3.requests.length;
      const plans = await plan(source(e));
      expect(plans.map((p) => p.discovered.period)).toEqual(Object.keys(e.periods).sort());
      for (const p of plans) {
        const t = e.periods[p.discovered.period];
        const v = t.versions[t.currentKey];
        expect([p.action, p.action === "failed" ? p.error : p.reason]).toEqual(["import", "new"]);
        if (p.action === "failed") continue;
        expect(p.manifest.version).toBe(expectedVersion(e, p.discovered.period));
        expect(p.discovered.manifestKey).toBe(v.manifestKey);
        expect(p.manifest.files.map((f) => f.key).sort()).toEqual(v.files.map((f) => f.key).sort());
        expect(p.manifest.format).toBe(e.format);
        expect(p.curVersion).toBe(e.curVersion);
        expect(p.tablePrefix).toBe(e.name.replaceAll("-", "_"));
        expect(p.current).toBeUndefined();
        expect(p.manifestEtag).toMatch(/^"[0-9a-f]{32}"$/);
      }
      // One GET per period, of its manifest; the rest are listings (no key).
      const gets = server.s3.requests.slice(from).filter((r) => r.method === "GET" && r.key);
      expect(gets.map((r) => r.key).sort()).toEqual(plans.map((p) => p.discovered.manifestKey).sort());
    });
  }
});

describe("planExport against a state", () => {
  const e = exportTruth("cur-v1-gzip");
  const current = Object.fromEntries(Object.keys(e.periods).map((p) => [p, e.periods[p].current!]));

  test("the versions the database holds are skipped as unchanged", async () => {
    const plans = await plan(source(e), { state: held(e, current) });
    expect(plans.map((p) => [p.discovered.period, p.action, planLabel(p)])).toEqual([
      ["2025-08", "skip", "up to date"],
      ["2025-09", "skip", "up to date"],
      ["2025-10", "skip", "up to date"],
    ]);
    expect(plans[1].current).toEqual({ version: current["2025-09"], rows: 1, tableName: "t_2025-09" });
  });

  test("a period holding an older version is imported as changed; a period the state lacks as new", async () => {
    const p = e.periods["2025-09"];
    const oldId = Object.keys(p.versions).find((k) => k !== p.currentKey)!;
    const oldVersion = p.versions[oldId].assemblyId!;
    expect(oldVersion).not.toBe(p.current);
    const plans = await plan(source(e), { state: held(e, { "2025-08": current["2025-08"], "2025-09": oldVersion }) });
    expect(plans.map((x) => [x.discovered.period, x.action, planLabel(x)])).toEqual([
      ["2025-08", "skip", "up to date"],
      ["2025-09", "import", "changed"],
      ["2025-10", "import", "new"],
    ]);
    const changed = plans[1];
    if (changed.action === "failed") throw new Error(changed.error);
    expect(changed.manifest.version).toBe(p.current!);
    expect(changed.current?.version).toBe(oldVersion);
  });

  test("force imports the periods the database already holds", async () => {
    const plans = await plan(source(e), { state: held(e, current), force: true });
    expect(plans.map((p) => [p.action, planLabel(p)])).toEqual([
      ["import", "forced"],
      ["import", "forced"],
      ["import", "forced"],
    ]);
  });

  test("force leaves new and changed periods as they are", async () => {
    const plans = await plan(source(e), { state: held(e, { "2025-08": "some-old-assembly" }), force: true });
    expect(plans.map(planLabel)).toEqual(["changed", "new", "new"]);
  });

  test("a broken manifest fails its period, naming the manifest key; the other periods are still planned", async () => {
    const key = e.periods["2025-09"].versions[e.periods["2025-09"].currentKey].manifestKey;
    const good = readFileSync(join(FIXTURES, e.bucket, key));
    await server.s3.put(e.bucket, key, "{ broken");
    let plans: PeriodPlan[];
    try {
      plans = await plan(source(e), { state: held(e, { "2025-08": current["2025-08"] }) });
    } finally {
      await server.s3.put(e.bucket, key, good);
    }
    expect(plans.map((p) => [p.discovered.period, p.action, planLabel(p)])).toEqual([
      ["2025-08", "skip", "up to date"],
      ["2025-09", "failed", "error"],
      ["2025-10", "import", "new"],
    ]);
    const failed = plans[1];
    if (failed.action !== "failed") throw new Error("2025-09 should have failed");
    expect(failed.error).toStartWith(`manifest ${key}: not valid JSON (`);
    expect(failed.discovered.manifestKey).toBe(key);
    expect("manifest" in failed).toBe(false);
  });

  test("a manifest naming another bucket fails its period with the reason", async () => {
    const key = e.periods["2025-10"].versions[e.periods["2025-10"].currentKey].manifestKey;
    const good = readFileSync(join(FIXTURES, e.bucket, key));
    const text = JSON.parse(good.toString("utf8"));
    await server.s3.put(e.bucket, key, JSON.stringify({ ...text, bucket: "someone-elses-bucket" }));
    let plans: PeriodPlan[];
    try {
      plans = await plan(source(e));
    } finally {
      await server.s3.put(e.bucket, key, good);
    }
    expect(plans.map(planLabel)).toEqual(["new", "new", "error"]);
    const failed = plans[2];
    expect(failed.action === "failed" && failed.error).toBe(
      `manifest ${key}: refusing data files in bucket "someone-elses-bucket": the export's bucket is "${e.bucket}"`,
    );
  });
});

describe("planExport: the period range", () => {
  const e = exportTruth("focus");

  test("--start-date and --end-date restrict the periods, inclusive; the log says how many were selected", async () => {
    const logs: string[] = [];
    const plans = await plan(source(e, { startDate: "2025-09", endDate: "2025-09" }), { log: (m) => logs.push(m) });
    expect(plans.map((p) => p.discovered.period)).toEqual(["2025-09"]);
    expect(logs).toEqual([`focus: 3 billing period(s) in s3://${e.bucket}/${e.prefix}, 1 selected`]);
  });

  test("an open end: from the start to the last period", async () => {
    const plans = await plan(source(e, { startDate: "2025-09" }));
    expect(plans.map((p) => p.discovered.period)).toEqual(["2025-09", "2025-10"]);
    const upTo = await plan(source(e, { endDate: "2025-08" }));
    expect(upTo.map((p) => p.discovered.period)).toEqual(["2025-08"]);
  });

  test("a range outside the export plans nothing and reads no manifest", async () => {
    const from = server.s3.requests.length;
    const plans = await plan(source(e, { startDate: "2026-01" }));
    expect(plans).toEqual([]);
    expect(server.s3.requests.slice(from).filter((r) => r.key)).toEqual([]);
  });

  test("start and end set on the ExportSource itself (as the config file sets them) restrict the periods too", async () => {
    const plans = await plan({ ...source(e), start: "2025-08", end: "2025-09" });
    expect(plans.map((p) => p.discovered.period)).toEqual(["2025-08", "2025-09"]);
  });
});

describe("planLabel, planKey, keepPicked", () => {
  async function mixed(): Promise<PeriodPlan[]> {
    const e = exportTruth("cur-v1-gzip");
    const p = e.periods;
    // 2025-08 up to date, 2025-09 changed, 2025-10 new.
    const plans = await plan(source(e), { state: held(e, { "2025-08": p["2025-08"].current!, "2025-09": "an-old-assembly" }) });
    expect(plans.map(planLabel)).toEqual(["up to date", "changed", "new"]);
    return plans;
  }

  test("planKey names a period as export/period", async () => {
    expect((await mixed()).map(planKey)).toEqual(["cur-v1-gzip/2025-08", "cur-v1-gzip/2025-09", "cur-v1-gzip/2025-10"]);
  });

  test("a picked up-to-date period becomes a forced import; picked imports keep their reason; the unpicked are dropped", async () => {
    const kept = keepPicked(await mixed(), new Set(["cur-v1-gzip/2025-08", "cur-v1-gzip/2025-09"]));
    expect(kept.map((p) => [planKey(p), p.action, planLabel(p)])).toEqual([
      ["cur-v1-gzip/2025-08", "import", "forced"],
      ["cur-v1-gzip/2025-09", "import", "changed"],
    ]);
  });

  test("nothing picked keeps nothing; a key of another export picks nothing", async () => {
    const plans = await mixed();
    expect(keepPicked(plans, new Set())).toEqual([]);
    expect(keepPicked(plans, new Set(["focus/2025-08", "2025-08"]))).toEqual([]);
  });

  test("a picked failed period stays failed (the import reports it)", () => {
    const failed = { action: "failed", error: "boom", export: { name: "x" }, discovered: { period: "2025-01", manifestKey: "k" } } as unknown as PeriodPlan;
    expect(planLabel(failed)).toBe("error");
    expect(keepPicked([failed], new Set(["x/2025-01"]))).toEqual([failed]);
  });
});

describe("flavourOf, exportFlavour", () => {
  for (const [name, flavour] of [
    ["cur-v1-gzip", "legacy"],
    ["cur2-parquet", "cur2"],
    ["focus", "focus"],
    ["cur2-csv", "cur2"],
    ["cur-v1-parquet", "legacy"],
  ] as const) {
    test(`${name} is ${flavour}`, async () => {
      const e = exportTruth(name);
      expect(e.flavour).toBe(flavour);
      const plans = await plan(source(e));
      expect(exportFlavour(plans)).toBe(flavour);
      for (const p of plans) if (p.action !== "failed") expect(flavourOf(p.curVersion, p.manifest)).toBe(flavour);
    });
  }

  const manifest = (headers: string[]): ParsedManifest => ({ version: "v", files: [], columns: headers.map((header) => ({ header })), format: "parquet", compression: "parquet" });

  test("FOCUS is told by its columns; a legacy CUR stays legacy whatever its columns", () => {
    expect(flavourOf("v2", manifest(["BilledCost"]))).toBe("focus");
    expect(flavourOf("v2", manifest(["ChargePeriodStart", "x"]))).toBe("focus");
    expect(flavourOf("v2", manifest(["line_item_unblended_cost"]))).toBe("cur2");
    expect(flavourOf("v2", manifest([]))).toBe("cur2");
    expect(flavourOf("v1", manifest(["BilledCost"]))).toBe("legacy");
  });

  test("exportFlavour reads the first manifest that could be read, else falls back on the CUR version", () => {
    const base = { export: { name: "x" }, tablePrefix: "x", discovered: { period: "2025-01", manifestKey: "k" } };
    const failed = (curVersion: "v1" | "v2") => ({ ...base, curVersion, action: "failed", error: "e" }) as unknown as PeriodPlan;
    const ok = { ...base, curVersion: "v2", action: "import", reason: "new", manifest: manifest(["BilledCost"]), manifestEtag: "" } as unknown as PeriodPlan;
    expect(exportFlavour([failed("v2"), ok])).toBe("focus");
    expect(exportFlavour([failed("v1")])).toBe("legacy");
    expect(exportFlavour([failed("v2")])).toBe("cur2");
    expect(exportFlavour([])).toBe("cur2");
  });
});
