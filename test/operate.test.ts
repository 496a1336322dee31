/**
 * Operating many exports: list-manifests, list-exports, show-state (tables and JSON), --all with a broken export,
 * the config file (precedence, broken files), credentials per export (a profile; a role through a stand-in STS).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planClient } from "../src/aws/client.ts";
import { awsEnvLayer, resolveAwsSource } from "../src/config/aws.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { periodTotals } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { FIXTURES, expectedTotals, exportTruth } from "./helpers/truth.ts";

const server = useFixtureS3();

/** Tables on a terminal are coloured: compare their text. */
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

function configFile(dir: string, extra = ""): string {
  const path = join(dir, "finops.toml");
  writeFileSync(
    path,
    `[database]
path = "billing.duckdb"

[aws]
region = "us-east-1"

[[aws.exports]]
name = "cur-v1-gzip"
bucket = "billing-fixtures"
prefix = "cur"
cur_version = "v1"

[[aws.exports]]
name = "cur2-parquet"
bucket = "billing-fixtures"
prefix = "exports"

[[aws.exports]]
name = "focus"
bucket = "billing-fixtures"
prefix = "focus"
cur_version = "v2"
${extra}`,
  );
  return path;
}

const BROKEN = `
[[aws.exports]]
name = "broken"
bucket = "no-such-bucket-here"
prefix = "cur"
`;

describe("--all and the list commands", () => {
  let dir: string;
  let db: string;
  let all: Awaited<ReturnType<typeof runInProcess>>;
  let requestsFrom: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "finops-ops-"));
    configFile(dir, BROKEN);
    db = join(dir, "billing.duckdb");
    requestsFrom = server.s3.requests.length;
    all = await runInProcess(["aws", "import-cur", "--all", "--json"], { env: cleanEnv(server.s3.env), cwd: dir });
  });

  test("--all with three exports and a broken fourth: three imported, the fourth reported, exit 1", async () => {
    expect(all.exitCode).toBe(1);
    const periods = JSON.parse(all.stdout).periods as { export: string; period: string; outcome: string; error: string | null }[];
    expect(periods.filter((p) => p.outcome === "imported").map((p) => `${p.export} ${p.period}`)).toEqual([
      "cur-v1-gzip 2025-08",
      "cur-v1-gzip 2025-09",
      "cur-v1-gzip 2025-10",
      "cur2-parquet 2025-08",
      "cur2-parquet 2025-09",
      "cur2-parquet 2025-10",
      "focus 2025-08",
      "focus 2025-09",
      "focus 2025-10",
    ]);
    const broken = periods.filter((p) => p.export === "broken");
    expect(broken).toHaveLength(1);
    expect(broken[0].outcome).toBe("failed");
    expect(broken[0].error).toBe("s3://no-such-bucket-here/cur/broken/: the bucket does not exist (NoSuchBucket)");
    expect(all.stderr).toContain("[error] broken: s3://no-such-bucket-here/cur/broken/: the bucket does not exist (NoSuchBucket)");
    for (const name of ["cur-v1-gzip", "cur2-parquet", "focus"]) {
      const e = exportTruth(name);
      const cost = name === "cur-v1-gzip" ? "lineItem_UnblendedCost" : e.costColumn;
      const got = await periodTotals(db, name.replace(/-/g, "_"), cost);
      for (const [p, want] of Object.entries(expectedTotals(e))) {
        expect(got[p].rows).toBe(want.rows);
        expect(got[p].cost).toBeCloseTo(want.cost, 5);
      }
    }
  });

  test("--all downloads of different exports proceed at the same time", () => {
    const data = server.s3.requests.slice(requestsFrom).filter((r) => r.method === "GET" && r.key && !r.key.endsWith("-Manifest.json") && r.url.includes("x-id=GetObject"));
    const exportOf = (key: string) => (key.startsWith("cur/") ? "cur-v1-gzip" : key.startsWith("exports/") ? "cur2-parquet" : "focus");
    const firstOf = (name: string) => data.findIndex((r) => exportOf(r.key!) === name);
    const lastOf = (name: string) => data.findLastIndex((r) => exportOf(r.key!) === name);
    // Each export's downloads start before another's have finished.
    expect(firstOf("cur2-parquet")).toBeLessThan(lastOf("cur-v1-gzip"));
    expect(firstOf("focus")).toBeLessThan(lastOf("cur-v1-gzip"));
  });

  test("list-exports: a table and JSON with every export", async () => {
    const table = await runInProcess(["aws", "list-exports"], { env: cleanEnv(), cwd: dir, stdoutIsTTY: true });
    expect(table.exitCode).toBe(0);
    // (Whether cli-table3 adds colours also depends on the test process's own stdout: compare the text only.)
    table.stdout = plain(table.stdout);
    const lines = table.stdout.split("\n");
    expect(lines[1]).toMatch(/│ export\s+│ flavour\s+│ source\s+│ periods │ first–last\s+│ rows │ last import\s+│ view\s+│/);
    expect(table.stdout).toMatch(/│ cur-v1-gzip\s+│ legacy CUR │ s3:\/\/billing-fixtures\/cur\s+│\s+3 │ 2025-08 – 2025-10 │\s+393 │/);
    expect(table.stdout).toMatch(/│ focus\s+│ FOCUS\s+│/);
    expect(table.stdout).toContain("aws_billing.cur2_parquet");
    const json = JSON.parse((await runInProcess(["aws", "list-exports", "--json"], { env: cleanEnv(), cwd: dir })).stdout);
    expect(json.exports.map((e: { name: string; flavour: string; periods: number; rows: number; view: string }) => [e.name, e.flavour, e.periods, e.rows, e.view])).toEqual([
      ["cur-v1-gzip", "legacy CUR", 3, 393, "aws_billing.cur_v1_gzip"],
      ["cur2-parquet", "CUR 2.0", 3, 266, "aws_billing.cur2_parquet"],
      ["focus", "FOCUS", 3, 253, "aws_billing.focus"],
    ]);
    expect(json.exports[0].lastImport).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });

  test("show-state: current versions; one period's history with its failures", async () => {
    const state = JSON.parse((await runInProcess(["aws", "show-state", "-e", "focus", "--json"], { env: cleanEnv(), cwd: dir })).stdout);
    expect(state.periods.map((p: { period: string; version: string; rows: number }) => [p.period, p.version, p.rows])).toEqual(
      Object.entries(exportTruth("focus").periods).map(([period, p]) => [period, p.current, p.versions[p.currentKey].rows]),
    );
    // A broken manifest for focus 2025-10, then the history shows the failure beside the current load.
    const key = exportTruth("focus").periods["2025-10"].versions[exportTruth("focus").periods["2025-10"].currentKey].manifestKey;
    const good = readFileSync(join(FIXTURES, "billing-fixtures", key));
    await server.s3.put("billing-fixtures", key, "{ broken");
    try {
      const r = await runInProcess(["aws", "import-cur", "-e", "focus", "--end-date", "2025-10", "--start-date", "2025-10"], { env: cleanEnv(server.s3.env), cwd: dir });
      expect(r.exitCode).toBe(1);
    } finally {
      await server.s3.put("billing-fixtures", key, good);
    }
    const history = JSON.parse((await runInProcess(["aws", "show-state", "-e", "focus", "--billing-period", "2025-10", "--json"], { env: cleanEnv(), cwd: dir })).stdout);
    expect(history.loads.map((l: { outcome: string; current: boolean }) => [l.outcome, l.current])).toEqual([
      ["imported", true],
      ["failed", false],
    ]);
    expect(history.loads[1].error).toContain("focus-Manifest.json: not valid JSON");
    const table = await runInProcess(["aws", "show-state", "-e", "focus", "--billing-period", "2025-10"], { env: cleanEnv({ NO_COLOR: "1" }), cwd: dir, stdoutIsTTY: true });
    expect(table.stdout).not.toContain("\x1b[");
    expect(table.stdout).toMatch(/│ focus\s+│ 2025-10 │\s+\d+ │ \S+\s+│\s+2 │\s+[\d.]+ KB │\s+93 │ .* │ imported \(current\)\s+│/);
    expect(table.stdout).toContain("failed: manifest focus/focus/metadata/billing_period=2025-10/focus-Manifest.json: not valid JSON");
  });

  test("list-manifests: new, changed and up to date against the database, one GET per period and no data file", async () => {
    const e = exportTruth("cur-v1-gzip");
    const p = e.periods["2025-09"];
    const oldId = Object.keys(p.versions).find((k) => k !== p.currentKey)!;
    const topKey = p.versions[p.currentKey].manifestKey;
    const current = readFileSync(join(FIXTURES, e.bucket, topKey));
    await server.s3.put(e.bucket, topKey, readFileSync(join(FIXTURES, e.bucket, p.versions[oldId].manifestCopyKey!)));
    try {
      const from = server.s3.requests.length;
      const r = await runInProcess(["aws", "list-manifests", "-e", "cur-v1-gzip", "--json"], { env: cleanEnv(server.s3.env), cwd: dir });
      expect(r.exitCode).toBe(0);
      const rows = JSON.parse(r.stdout).periods;
      expect(rows.map((x: { period: string; state: string; rowsHeld: number; files: number }) => [x.period, x.state, x.rowsHeld, x.files])).toEqual([
        ["2025-08", "up to date", 123, 3],
        ["2025-09", "changed", 140, 2],
        ["2025-10", "up to date", 130, 3],
      ]);
      expect(rows[1].version).toBe(p.versions[oldId].assemblyId);
      expect(rows[1].versionHeld).toBe(p.current);
      expect(rows[0].manifestLastModified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const reqs = server.s3.requests.slice(from);
      expect(reqs.filter((q) => q.key && !q.key.endsWith("-Manifest.json"))).toEqual([]);
      expect(reqs.filter((q) => q.key?.endsWith("-Manifest.json")).length).toBe(3);
      const fresh = await runInProcess(["aws", "list-manifests", "-e", "cur-v1-gzip", "-d", join(dir, "empty.duckdb")], { env: cleanEnv(server.s3.env), cwd: dir, stdoutIsTTY: true });
      expect(plain(fresh.stdout).match(/│ new\s+│\s+- │/g)?.length).toBe(3);
    } finally {
      await server.s3.put(e.bucket, topKey, current);
    }
  });

  test("on an empty database the list commands say so (table) and give empty lists (JSON)", async () => {
    const empty = mkdtempSync(join(tmpdir(), "finops-empty-"));
    const env = cleanEnv();
    expect((await runInProcess(["aws", "list-exports"], { env, cwd: empty })).stdout).toBe("the database holds no exports yet\n");
    expect(JSON.parse((await runInProcess(["aws", "list-exports", "--json"], { env, cwd: empty })).stdout)).toEqual({ exports: [] });
    expect((await runInProcess(["aws", "show-state"], { env, cwd: empty })).stdout).toBe("no billing periods imported yet\n");
    expect(JSON.parse((await runInProcess(["aws", "show-state", "--json"], { env, cwd: empty })).stdout)).toEqual({ periods: [] });
  });
});

describe("the config file", () => {
  async function show(cwd: string, env: Record<string, string | undefined>, args: string[] = []) {
    const r = await runInProcess(["config", "show", "--json", ...args], { env: cleanEnv(env), cwd });
    expect(r.exitCode).toBe(0);
    const rows = JSON.parse(r.stdout).settings as { key: string; value: string; from: string }[];
    return Object.fromEntries(rows.map((x) => [x.key, { value: x.value, from: x.from }]));
  }

  test("precedence: flag over environment over file over default", async () => {
    const dir = mkdtempSync(join(tmpdir(), "finops-cfg-"));
    expect((await show(dir, {}))["database.path"]).toEqual({ value: join(dir, "data/finops.duckdb"), from: "default" });
    const file = configFile(dir);
    expect((await show(dir, {}))["database.path"]).toEqual({ value: join(dir, "billing.duckdb"), from: file });
    expect((await show(dir, { FINOPS_DATABASE: "/srv/env.duckdb" }))["database.path"]).toEqual({ value: "/srv/env.duckdb", from: "FINOPS_DATABASE" });
    expect((await show(dir, { FINOPS_DATABASE: "/srv/env.duckdb" }, ["-d", "/srv/flag.duckdb"]))["database.path"]).toEqual({ value: "/srv/flag.duckdb", from: "flag" });
    expect((await show(dir, {}))["aws.region"]).toEqual({ value: "us-east-1", from: file });
    expect((await show(dir, { AWS_REGION: "eu-west-3" }))["aws.region"]).toEqual({ value: "eu-west-3", from: "AWS_REGION" });
  });

  test("where the file is found: -c, then FINOPS_CONFIG, then ./finops.toml, then $XDG_CONFIG_HOME/finops/config.toml", async () => {
    const dir = mkdtempSync(join(tmpdir(), "finops-cfg-"));
    const home = mkdtempSync(join(tmpdir(), "finops-home-"));
    const xdg = join(home, ".config", "finops");
    mkdirSync(xdg, { recursive: true });
    writeFileSync(join(xdg, "config.toml"), '[database]\npath = "/xdg.duckdb"\n');
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
    const where = async (e: Record<string, string>, args: string[] = []) => (await show(dir, { ...env, ...e }, args))["config file"].value;
    expect(await where({})).toBe(join(xdg, "config.toml"));
    const local = configFile(dir);
    expect(await where({})).toBe(local);
    const other = join(dir, "other.toml");
    writeFileSync(other, "");
    expect(await where({ FINOPS_CONFIG: other })).toBe(other);
    const flag = join(dir, "flag.toml");
    writeFileSync(flag, "");
    expect(await where({ FINOPS_CONFIG: other }, ["-c", flag])).toBe(flag);
  });

  const broken: [string, string, string][] = [
    ["bad TOML", '[database]\npath = "x.duckdb"\n[aws\nregion = "x"\n', ":3: not valid TOML"],
    ["an export without its bucket", '[[aws.exports]]\nname = "a"\n', ": aws.exports[0].bucket: is missing"],
    ["a wrong cur_version", '[[aws.exports]]\nname = "a"\nbucket = "b"\ncur_version = "v3"\n', ": aws.exports[0].cur_version: must be v1 or v2"],
    ["a bad role ARN", '[[aws.exports]]\nname = "a"\nbucket = "b"\nrole_arn = "admin"\n', ": aws.exports[0].role_arn: must be an IAM role ARN"],
    ["a bad memory limit", '[database]\nmemory_limit = "lots"\n', ": database.memory_limit: must be a size like 2GB"],
    ["an export defined twice", '[[aws.exports]]\nname = "a"\nbucket = "b"\n[[aws.exports]]\nname = "a"\nbucket = "c"\n', ': aws.exports[1].name: export "a" is defined twice'],
    ["a wrong type", "[database]\npath = 5\n", ": database.path: Invalid type: Expected string but received 5"],
  ];
  for (const [what, text, message] of broken) {
    test(`a broken config file (${what}) exits 2 naming the place`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "finops-cfg-"));
      const path = join(dir, "finops.toml");
      writeFileSync(path, text);
      for (const args of [["config", "show"], ["aws", "import-cur", "--all"], ["aws", "list-exports"]]) {
        const r = await runInProcess(args, { env: cleanEnv(), cwd: dir });
        expect(r.exitCode).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(`finops: ${path}${message}`);
      }
    });
  }

  test("config init writes a commented example that config show reads back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "finops-cfg-"));
    const r = await runInProcess(["config", "init"], { env: cleanEnv(), cwd: dir });
    expect(r.exitCode).toBe(0);
    const settings = await show(dir, {});
    expect(settings["aws.exports[0] legacy-cur-v1"].value).toBe("s3://billing-bucket/cur-reports, v1");
    expect(settings["aws.exports[1] new-cur-v2"].value).toBe("s3://payer-b-exports/exports, v2");
    const again = await runInProcess(["config", "init"], { env: cleanEnv(), cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already exists (use --force to overwrite it)");
  });
});

let stsLifetimeMs = 3600_000;

describe("credentials per export", () => {
  test("a profile from a temporary shared-config file (static keys) is used against the local S3 server", async () => {
    const require = createRequire(import.meta.url);
    require("s3rver/lib/models/account").DUMMY_ACCOUNT.createKeyPair("AKIAOPSPROFILEKEY001", "opsProfileSecret");
    const dir = mkdtempSync(join(tmpdir(), "finops-prof-"));
    writeFileSync(join(dir, "credentials"), "[ops]\naws_access_key_id = AKIAOPSPROFILEKEY001\naws_secret_access_key = opsProfileSecret\n");
    writeFileSync(join(dir, "config"), "[profile ops]\nregion = us-east-1\n");
    const env = cleanEnv({ AWS_ENDPOINT_URL_S3: server.s3.endpoint, AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_CONFIG_FILE: join(dir, "config") });
    const from = server.s3.requests.length;
    const ok = await runInProcess(["aws", "list-manifests", "-b", "billing-fixtures", "-p", "focus", "-e", "focus", "--profile", "ops", "-d", join(dir, "x.duckdb"), "--json"], { env, cwd: dir });
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout).periods).toHaveLength(3);
    expect(server.s3.requests.length).toBeGreaterThan(from);
    // A profile that does not exist is a clear failure, not a silent fallback.
    const missing = await runInProcess(["aws", "list-manifests", "-b", "billing-fixtures", "-p", "focus", "-e", "focus", "--profile", "nope", "-d", join(dir, "x.duckdb")], { env, cwd: dir });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/no AWS credentials were found \(.*\bnope\b.*\)/);
  });

  test("role_arn: an STS AssumeRole with the role, external id and session name; S3 is then read with the role's keys", async () => {
    const source = resolveAwsSource({ flags: { roleArn: "arn:aws:iam::222222222222:role/FinOpsRead", externalId: "ext-1" }, env: awsEnvLayer({}), defaults: {} });
    expect(planClient(source, {})).toEqual({
      region: "us-east-1",
      endpoint: undefined,
      forcePathStyle: false,
      credentials: { kind: "role", roleArn: "arn:aws:iam::222222222222:role/FinOpsRead", externalId: "ext-1", sessionName: "finops", profile: undefined },
    });
    // STS cannot run here: a stand-in on loopback answers AssumeRole with keys the local S3 server knows.
    const require = createRequire(import.meta.url);
    require("s3rver/lib/models/account").DUMMY_ACCOUNT.createKeyPair("ASIAROLEKEYFROMSTS01", "roleSecretFromSts");
    const calls: URLSearchParams[] = [];
    const sts = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        calls.push(new URLSearchParams(await req.text()));
        const expiration = new Date(Date.now() + stsLifetimeMs).toISOString();
        return new Response(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLEKEYFROMSTS01</AccessKeyId><SecretAccessKey>roleSecretFromSts</SecretAccessKey><SessionToken>token</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/FinOpsRead/finops</Arn><AssumedRoleId>AROA:finops</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
          { headers: { "content-type": "text/xml" } },
        );
      },
    });
    try {
      const dir = mkdtempSync(join(tmpdir(), "finops-role-"));
      // The base identity is unknown to S3: only the role's keys can read the bucket.
      const env = cleanEnv({ AWS_ACCESS_KEY_ID: "AKIABASEIDENTITY0001", AWS_SECRET_ACCESS_KEY: "base", AWS_ENDPOINT_URL_S3: server.s3.endpoint, AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${sts.port}`, AWS_REGION: "us-east-1" });
      const r = await runInProcess(
        ["aws", "import-cur", "-b", "billing-fixtures", "-p", "focus", "-e", "focus", "--role-arn", "arn:aws:iam::222222222222:role/FinOpsRead", "--external-id", "ext-1", "-d", join(dir, "r.duckdb"), "--json"],
        { env, cwd: dir },
      );
      expect(r.stderr).not.toContain("[error]");
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).periods.map((p: { outcome: string }) => p.outcome)).toEqual(["imported", "imported", "imported"]);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls[0].get("Action")).toBe("AssumeRole");
      expect(calls[0].get("RoleArn")).toBe("arn:aws:iam::222222222222:role/FinOpsRead");
      expect(calls[0].get("ExternalId")).toBe("ext-1");
      expect(calls[0].get("RoleSessionName")).toBe("finops");
      expect(calls[0].get("DurationSeconds")).toBe("3600");
      const firstRunCalls = calls.length;

      // Keys about to expire are refreshed before they do: with a lifetime inside the SDK's refresh window, the
      // same import asks STS again as it goes.
      stsLifetimeMs = 60_000;
      calls.length = 0;
      const again = await runInProcess(
        ["aws", "import-cur", "-b", "billing-fixtures", "-p", "focus", "-e", "focus", "--role-arn", "arn:aws:iam::222222222222:role/FinOpsRead", "--external-id", "ext-1", "-d", join(dir, "r2.duckdb"), "--json"],
        { env, cwd: dir },
      );
      expect(again.exitCode).toBe(0);
      expect(firstRunCalls).toBe(1);
      expect(calls.length).toBeGreaterThan(1);
    } finally {
      stsLifetimeMs = 3600_000;
      sts.stop(true);
    }
  });
});
