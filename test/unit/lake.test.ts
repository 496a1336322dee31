/** The lake's pure parts: where it is (config/lake.ts), its state file, versions and plan (src/lake/). */
import { describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/file.ts";
import { describeSettings } from "../../src/config/describe.ts";
import { loadSettings } from "../../src/config/index.ts";
import { parseLakeLocation, resolveLake } from "../../src/config/lake.ts";
import { emptyState, focusVersion, objectKey, parseState, serializeState } from "../../src/lake/layout.ts";
import { planLake, wantedPeriods } from "../../src/lake/plan.ts";
import type { CountedLoad } from "../../src/store/state.ts";

describe("where the lake is", () => {
  test("s3://bucket/prefix in any spelling is one root ending with /; anything else is a folder from the working directory", () => {
    expect(parseLakeLocation("s3://my-lake/finops", "/w")).toEqual({ kind: "s3", bucket: "my-lake", prefix: "finops/", url: "s3://my-lake/finops/" });
    expect(parseLakeLocation("s3://my-lake//a/b/", "/w")).toEqual({ kind: "s3", bucket: "my-lake", prefix: "a/b/", url: "s3://my-lake/a/b/" });
    expect(parseLakeLocation("s3://my-lake", "/w")).toEqual({ kind: "s3", bucket: "my-lake", prefix: "", url: "s3://my-lake/" });
    expect(parseLakeLocation("lake", "/w")).toEqual({ kind: "dir", path: "/w/lake", url: "/w/lake" });
    expect(() => parseLakeLocation("s3://A_B/x", "/w")).toThrow("--to must be s3://bucket/prefix/");
    expect(() => parseLakeLocation("gs://b/x", "/w")).toThrow("only s3:// URLs and local folders");
  });

  test("[lake] in the config file: validated; flag > [lake] > AWS variables > [aws] for the bucket's source", () => {
    expect(() => parseConfigText('[lake]\nto = "s3://Bad_Bucket/x"\n', "f.toml")).toThrow("f.toml: lake.to: must be s3://bucket/prefix/");
    expect(() => parseConfigText('[lake]\nendpoint_url = "not a url"\n', "f.toml")).toThrow("lake.endpoint_url: must be a URL");
    const dir = join(import.meta.dir, "..");
    const file = join(tmpdir(), `finops-lake-unit-${process.pid}.toml`);
    writeFileSync(file, '[aws]\nregion = "eu-west-1"\n[lake]\nto = "s3://lake-bucket/p"\nprofile = "lake"\n');
    const settings = loadSettings({ cwd: dir, env: { AWS_PROFILE: "env" }, flags: { config: file } });
    const t = resolveLake({}, settings, dir);
    expect(t.location.url).toBe("s3://lake-bucket/p/");
    expect([t.aws.region, t.aws.profile, t.aws.from.profile?.name]).toEqual(["eu-west-1", "lake", `${file} [lake]`]);
    expect(resolveLake({ to: "s3://other/x", profile: "flag" }, settings, dir).aws.profile).toBe("flag");
    expect(describeSettings(settings).find((x) => x.key === "lake.to")).toEqual({ key: "lake.to", value: "s3://lake-bucket/p, profile lake", from: file });
    expect(() => resolveLake({}, loadSettings({ cwd: dir, env: {}, flags: {} }), dir)).toThrow("no lake to write to");
    rmSync(file);
  });
});

describe("the state file", () => {
  test("round trip, sorted; anything finops cannot read is an error, never overwritten", () => {
    const s = emptyState();
    s.tables["raw/b"] = { "2025-09": { version: "v#2", rows: 2, bytes: 20, exportedAt: "2025-10-01T00:00:00.000Z" } };
    s.tables.focus = { "2025-09": { version: "m1-x", rows: 1, bytes: 10, exportedAt: "2025-10-01T00:00:00.000Z" }, "2025-08": { version: "m1-y", rows: 1, bytes: 10, exportedAt: "2025-09-01T00:00:00.000Z" } };
    const text = serializeState(s);
    expect(Object.keys(JSON.parse(text).tables)).toEqual(["focus", "raw/b"]);
    expect(Object.keys(JSON.parse(text).tables.focus)).toEqual(["2025-08", "2025-09"]);
    expect(parseState(text, "x")).toEqual(JSON.parse(text));
    expect(() => parseState("{", "s3://l/_finops_lake.json")).toThrow("s3://l/_finops_lake.json: not valid JSON");
    expect(() => parseState('{"format":2,"tables":{}}', "x")).toThrow("x: format: must be 1");
    expect(() => parseState('{"format":1,"tables":{"focus":{"2025-13":{}}}}', "x")).toThrow("must be YYYY-MM");
    expect(objectKey("raw/cur", "2025-09")).toBe("raw/cur/billing_period=2025-09/data.parquet");
  });
});

describe("versions and the plan", () => {
  const load = (exp: string, account: string, version = "v1", loadId = 1): CountedLoad => ({
    period: "2025-09", export: exp, version, loadId, billingAccountId: account, billingPeriodStart: "2025-09-01 00:00:00", rows: 10,
  });

  test("focus: the same loads in any order are one version; a new load, or which account counts from which export, is another", () => {
    const a = focusVersion([load("e1", "A"), load("e2", "C")]);
    expect(focusVersion([load("e2", "C"), load("e1", "A")])).toBe(a);
    expect(focusVersion([load("e1", "A", "v1", 2), load("e2", "C")])).not.toBe(a);
    // The same exports count, for other accounts (a priority flip between two exports that both hold A).
    expect(focusVersion([load("e2", "A"), load("e1", "C")])).not.toBe(a);
    expect(a).toMatch(/^m1-[0-9a-f]{24}$/);
  });

  test("new, changed, unchanged and gone periods", () => {
    const raw = [
      { export: "e1", prefix: "e1", period: "2025-08", version: "v1", loadId: 1, rows: 5, table: "e1_2025_08" },
      { export: "e1", prefix: "e1", period: "2025-09", version: "v2", loadId: 3, rows: 6, table: "e1_2025_09" },
    ];
    const wanted = wantedPeriods(raw, [load("e1", "A", "v2", 3)]);
    expect(wanted.map((w) => `${w.table} ${w.period} ${w.version} ${w.rows}`)).toEqual([
      `focus 2025-09 ${focusVersion([load("e1", "A", "v2", 3)])} 10`,
      "raw/e1 2025-08 v1#1 5",
      "raw/e1 2025-09 v2#3 6",
    ]);
    const state = emptyState();
    const at = "2025-10-01T00:00:00.000Z";
    state.tables["raw/e1"] = { "2025-08": { version: "v1#1", rows: 5, bytes: 1, exportedAt: at }, "2025-09": { version: "v1#2", rows: 6, bytes: 1, exportedAt: at } };
    state.tables["raw/old"] = { "2024-01": { version: "x#9", rows: 1, bytes: 1, exportedAt: at } };
    expect(planLake(wanted, state).map((i) => `${i.table} ${i.period} ${i.action} ${i.reason}`)).toEqual([
      "focus 2025-09 write new",
      "raw/e1 2025-08 skip unchanged",
      "raw/e1 2025-09 write changed",
      "raw/old 2024-01 delete gone",
    ]);
    // Without a cost model in the database, focus/ is left as it is.
    state.tables.focus = { "2025-07": { version: "m1-z", rows: 1, bytes: 1, exportedAt: at } };
    expect(planLake(wantedPeriods(raw, null), state, ["focus"]).filter((i) => i.table === "focus")).toEqual([]);
  });
});
