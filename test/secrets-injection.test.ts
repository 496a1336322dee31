/**
 * No credential appears in any output, including --verbose and error messages (secrets in the environment and in a
 * profile; everything printed is searched). Export names, column names and tag keys with quotes, semicolons, spaces,
 * unicode and SQL keywords load as they are and cannot change the SQL that runs.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryWorkspace, removeWorkspaces, runBinary, cleanEnv, runInProcess } from "./helpers/cli.ts";
import { query } from "./helpers/db.ts";
import { putLegacyPeriod, putTwoRowLegacyPeriod } from "./helpers/exports.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const ENV_KEY = "AKIAFINOPSENVKEY0001";
const ENV_SECRET = "envSecret/FINOPS+never+print+me+0001";
const ENV_TOKEN = "IQoJenvSessionTokenFINOPSneverPrintMe";
const PROFILE_KEY = "AKIAFINOPSPROFILE002";
const PROFILE_SECRET = "profileSecret/FINOPS+never+print+me+02";
const SECRETS = [ENV_KEY, ENV_SECRET, ENV_TOKEN, PROFILE_KEY, PROFILE_SECRET];

const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    // s3rver runs in this process: give it the test's key pairs.
    const require = createRequire(import.meta.url);
    const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account");
    DUMMY_ACCOUNT.createKeyPair(ENV_KEY, ENV_SECRET);
    DUMMY_ACCOUNT.createKeyPair(PROFILE_KEY, PROFILE_SECRET);
    await putTwoRowLegacyPeriod(s3, { bucket: "secrets", prefix: "cur", name: "sec" });
  },
  teardown: removeWorkspaces,
});

describe("secrets never reach the output", () => {
  test("environment keys and a profile's keys appear nowhere in stdout or stderr, with --verbose, on success and on failure", async () => {
    const ws = binaryWorkspace({ copy: false });
    const awsDir = join(ws.home, ".aws");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(awsDir);
    writeFileSync(join(awsDir, "credentials"), `[billing]\naws_access_key_id = ${PROFILE_KEY}\naws_secret_access_key = ${PROFILE_SECRET}\n`);
    writeFileSync(join(awsDir, "config"), "[profile billing]\nregion = us-east-1\n");
    const envWithKeys = {
      AWS_ACCESS_KEY_ID: ENV_KEY,
      AWS_SECRET_ACCESS_KEY: ENV_SECRET,
      AWS_SESSION_TOKEN: ENV_TOKEN,
      AWS_ENDPOINT_URL_S3: server.s3.endpoint,
      AWS_REGION: "us-east-1",
    };
    const db = join(ws.dir, "f.duckdb");
    const src = ["-b", "secrets", "-p", "cur", "-e", "sec", "-d", db];
    const runs = [
      await runBinary(ws, ["aws", "import-cur", ...src, "-v"], { env: envWithKeys }),
      await runBinary(ws, ["aws", "import-cur", ...src, "-v", "--force", "--json"], { env: envWithKeys }),
      await runBinary(ws, ["aws", "list-manifests", ...src, "-v", "--profile", "billing"], { env: { AWS_ENDPOINT_URL_S3: server.s3.endpoint } }),
      await runBinary(ws, ["aws", "import-cur", ...src, "-v", "--profile", "billing", "--force"], { env: { AWS_ENDPOINT_URL_S3: server.s3.endpoint } }),
      await runBinary(ws, ["aws", "import-cur", "-b", "no-such-bucket", "-e", "x", "-d", db, "-v", "--cur-version", "v1"], { env: envWithKeys }),
      await runBinary(ws, ["aws", "import-cur", ...src, "-v"], { env: { ...envWithKeys, AWS_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000000" } }),
      await runBinary(ws, ["doctor", "-v"], { env: envWithKeys }),
      await runBinary(ws, ["doctor", "-v", "--json"], { env: { AWS_PROFILE: "billing" } }),
      await runBinary(ws, ["config", "show", "-v", "--json"], { env: { ...envWithKeys, AWS_PROFILE: "billing" } }),
    ];
    // The runs did what they should (so the search below looked at real output).
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0]);
    expect(runs[0].stderr).toContain("imported 2 rows");
    expect(runs[3].stdout).toContain("imported");
    expect(runs[5].stderr).toContain("the credentials were refused (InvalidAccessKeyId)");
    expect(runs[6].stdout).toContain("environment variables (AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN)");
    expect(runs[7].stdout).toContain('shared credentials (profile \\"billing\\"');
    const printed = runs.map((r) => r.stdout + r.stderr).join("\n");
    for (const secret of SECRETS) expect(printed).not.toContain(secret);
    // The database holds none either.
    const rows = await query(db, "SELECT * FROM finops.loads");
    expect(JSON.stringify(rows)).not.toContain(ENV_SECRET);
  });
});

describe("names cannot change the SQL", () => {
  const NAME = `we"ird; DROP TABLE finops.loads;-- ünï`;
  const NASTY = [`user:it's"; DROP TABLE finops.loads; --`, "user:名前", "user:select", "user:from where", "user:a,b"];

  test("an export name and tag columns full of quotes, semicolons, spaces, unicode and SQL keywords load as they are", async () => {
    const headers = ["identity/LineItemId", "lineItem/UnblendedCost", ...NASTY.map((t) => `resourceTags/${t}`)];
    const csvCell = (v: string) => (/[",]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
    const rows = [
      ["id-1", "1.25", `O'Brien "quoted"`, "値", "x", "y", "1,2"],
      ["id-2", "2.75", "'); DROP TABLE x; --", "", "", "", ""],
    ];
    const csv = [headers, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
    await putLegacyPeriod(server.s3, {
      bucket: "injection",
      prefix: "cur",
      name: NAME,
      period: "2025-08",
      version: "v1",
      files: [csv],
      columns: headers.map((h) => ({ category: h.split("/")[0], name: h.slice(h.indexOf("/") + 1), type: h === "lineItem/UnblendedCost" ? "BigDecimal" : "String" })),
    });
    const dir = mkdtempSync(join(tmpdir(), "finops-inj-"));
    const db = join(dir, "f.duckdb");
    const r = await runInProcess(["aws", "import-cur", "-b", "injection", "-p", "cur", "-e", NAME, "-d", db, "--json"], { env: cleanEnv(server.s3.env) });
    expect(r.stderr).not.toContain("[error]");
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).periods[0]).toMatchObject({ export: NAME, outcome: "imported", rows: 2 });

    // `"`, `;`, ` `, `.`, `-` and non-ASCII letters each become `_`.
    const prefix = `we_ird__drop_table_finops_loads_____n_`;
    const tables = await query(db, "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2");
    expect(tables.map((t) => `${t.schema_name}.${t.table_name}`)).toEqual([
      `aws_billing.${prefix}_2025_08`,
      "finops.columns",
      "finops.daily_costs",
      "finops.daily_tags",
      "finops.exports",
      "finops.focus_accounts",
      "finops.loads",
      "finops.periods",
      "finops.untagged_resources",
    ]);
    // the cost model reads the same names: the export's FOCUS view, its x_Export and its tag keys
    const [focus] = await query(db, `SELECT count(*)::INT AS n, any_value(x_Export) AS e, sum(BilledCost) AS billed, max(cardinality(Tags))::INT AS tags FROM focus."${prefix}"`);
    expect(focus).toEqual({ n: 2, e: NAME, billed: 4, tags: NASTY.length });
    // and the reports' summaries: the same keys, each tag set's tags as rows (unpivoted under the keys as names)
    const [summary] = await query(db, "SELECT count(DISTINCT key)::INT AS keys, list(DISTINCT value ORDER BY value) FILTER (WHERE value = '値') AS v FROM finops.daily_tags");
    const [viewKeys] = await query(db, `SELECT count(DISTINCT k)::INT AS keys FROM (SELECT unnest(map_keys(Tags)) AS k FROM focus."${prefix}")`);
    expect(summary).toEqual({ keys: NASTY.length, v: ["値"] });
    expect(viewKeys).toEqual({ keys: NASTY.length });
    const cols = await query(db, "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = $1 ORDER BY column_index", [`${prefix}_2025_08`]);
    expect(cols.map((c) => c.column_name)).toEqual(["identity_LineItemId", "lineItem_UnblendedCost", ...NASTY.map((t) => `resourceTags_${t}`)]);
    const [row] = await query(db, `SELECT "resourceTags_user:it's""; DROP TABLE finops.loads; --" AS a, "resourceTags_user:名前" AS b, "resourceTags_user:a,b" AS c, sum("lineItem_UnblendedCost") OVER () AS total FROM aws_billing."${prefix}" ORDER BY "identity_LineItemId" LIMIT 1`);
    expect(row).toEqual({ a: `O'Brien "quoted"`, b: "値", c: "1,2", total: 4 });
    const [loads] = await query(db, "SELECT count(*)::INT AS n, any_value(export) AS e FROM finops.loads");
    expect(loads).toEqual({ n: 1, e: NAME });
    const state = await runInProcess(["aws", "list-exports", "-d", db, "--json"], { env: cleanEnv() });
    expect(JSON.parse(state.stdout).exports[0]).toMatchObject({ name: NAME, view: `aws_billing.${prefix}`, rows: 2 });
  });
});
