/**
 * `finops lake export` (src/lake/) against a real local S3 server (s3rver) and real DuckDB files. The database holds
 * the commitments bill (scripts/fixtures/commitments.ts) as two exports of one billing account: CUR 2.0 Parquet for
 * 2025-08 and 2025-09, FOCUS for 2025-09 only — so focus.costs counts 2025-08 from CUR 2.0 and 2025-09 from FOCUS,
 * and CUR 2.0's 2025-09 is shadowed. The lake is read back by DuckDB (read_parquet, hive_partitioning) and by an
 * independent JavaScript reader (hyparquet), and compared with the database, period by period.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { COMMITMENTS_BUCKET, COMMITMENTS_EXPORTS, generateCommitmentsBill } from "../scripts/gen-fixtures.ts";
import { binaryWorkspace, cleanEnv, removeWorkspaces, runBinary, runInProcess, type BinaryWorkspace } from "./helpers/cli.ts";
import { duckdbAlone, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const LAKE_BUCKET = "finops-lake";
const scratch = mkdtempSync(join(tmpdir(), "finops-lake-test-"));
const treeDir = join(scratch, "tree");
const truth = await generateCommitmentsBill(treeDir);
const server = useFixtureS3({
  trees: [{ dir: treeDir, only: (_b, key) => key.startsWith(`${COMMITMENTS_EXPORTS.cur2Parquet.prefix}/`) || key.startsWith(`${COMMITMENTS_EXPORTS.focus.prefix}/`) }],
  setup: (s3) => s3.createBucket(LAKE_BUCKET),
  teardown: removeWorkspaces,
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CUR2 = COMMITMENTS_EXPORTS.cur2Parquet.name;
const FOCUS = COMMITMENTS_EXPORTS.focus.name;
const cur2Raw = "raw/commitments_cur2_parquet";
const focusRaw = "raw/commitments_focus";

const work = mkdtempSync(join(scratch, "work-"));
const db = join(work, "billing.duckdb");
const cfg = join(work, "finops.toml");
const config = (o: { database?: string; lake?: string; cur2Priority?: number } = {}) =>
  `[database]\npath = "${o.database ?? db}"\n` +
  (o.lake ? `[lake]\nto = "${o.lake}"\n` : "") +
  `[[aws.exports]]\nname = "${CUR2}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${COMMITMENTS_EXPORTS.cur2Parquet.prefix}"\ncur_version = "v2"\n` +
  (o.cur2Priority !== undefined ? `priority = ${o.cur2Priority}\n` : "") +
  `[[aws.exports]]\nname = "${FOCUS}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${COMMITMENTS_EXPORTS.focus.prefix}"\ncur_version = "v2"\nstart_date = "2025-09"\n`;
writeFileSync(cfg, config({ lake: `s3://${LAKE_BUCKET}/team/` }));

const env = () => cleanEnv(server.s3.env);
const run = (argv: string[], o: { cwd?: string } = {}) => runInProcess(argv, { env: env(), cwd: o.cwd ?? work });

async function importAll(config = cfg, database?: string): Promise<void> {
  const r = await run(["aws", "import-cur", "--all", "-c", config, "--json", ...(database ? ["-d", database] : [])]);
  expect(r.stderr).not.toContain("[error]");
  expect(r.exitCode).toBe(0);
}

interface LakeJson {
  to: string;
  dryRun: boolean;
  periods: { table: string; period: string; action: string; reason: string; version: string | null; rows: number | null; bytes: number | null; seconds: number }[];
}

async function lakeExport(args: string[], o: { expectCode?: number } = {}): Promise<LakeJson> {
  const r = await run(["lake", "export", "-c", cfg, "--json", ...args]);
  expect(r.stderr).not.toContain("[error]");
  expect(r.exitCode).toBe(o.expectCode ?? 0);
  return JSON.parse(r.stdout) as LakeJson;
}

const actions = (j: LakeJson) => j.periods.map((p) => `${p.table} ${p.period} ${p.action}`);

// ── What the database says each lake period must hold.

/** Per (table, period): rows and cost sums. Money columns are compared to 1e-6 (summation order differs). */
type Totals = Record<string, { rows: number; sums: number[] }>;
const MONEY: Record<string, string[]> = {
  focus: ["BilledCost", "EffectiveCost", "ListCost", "x_NetAmortizedCost"],
  [cur2Raw]: ["line_item_unblended_cost", "line_item_net_unblended_cost", "pricing_public_on_demand_cost"],
  [focusRaw]: ["BilledCost", "EffectiveCost", "ListCost"],
};
const sumsSql = (table: string) => MONEY[table].map((c) => `coalesce(sum("${c}")::DOUBLE, 0) AS "${c}"`).join(", ");

async function databaseTotals(database = db): Promise<Totals> {
  const out: Totals = {};
  const focus = await query(database, `SELECT strftime(BillingPeriodStart, '%Y-%m') AS period, count(*)::BIGINT AS n, ${sumsSql("focus")} FROM focus.costs GROUP BY 1`);
  for (const r of focus) out[`focus ${r.period}`] = { rows: Number(r.n), sums: MONEY.focus.map((c) => Number(r[c])) };
  for (const table of [cur2Raw, focusRaw]) {
    const prefix = table.slice(4);
    const periods = await query(database, "SELECT p.billing_period AS period, p.table_name AS t FROM finops.periods p JOIN finops.exports e ON e.name = p.export WHERE e.table_prefix = $1", [prefix]);
    for (const p of periods) {
      const [r] = await query(database, `SELECT count(*)::BIGINT AS n, ${sumsSql(table)} FROM aws_billing."${String(p.t)}"`);
      out[`${table} ${p.period}`] = { rows: Number(r.n), sums: MONEY[table].map((c) => Number(r[c])) };
    }
  }
  return out;
}

function expectTotalsEqual(got: Totals, want: Totals): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [k, w] of Object.entries(want)) {
    expect([k, got[k].rows]).toEqual([k, w.rows]);
    w.sums.forEach((s, i) => expect(Math.abs(got[k].sums[i] - s)).toBeLessThan(1e-6));
  }
}

const sameTotals = (a: { rows: number; sums: number[] }, b: { rows: number; sums: number[] }) =>
  a.rows === b.rows && a.sums.every((s, i) => Math.abs(s - b.sums[i]) < 1e-6);

// ── Reading the lake back.

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await server.s3.client.send(new ListObjectsV2Command({ Bucket: LAKE_BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Download every object under `prefix` into a fresh folder (keys relative to the prefix); returns the folder. */
async function download(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(scratch, "download-"));
  for (const key of await listKeys(prefix)) {
    const res = await server.s3.client.send(new GetObjectCommand({ Bucket: LAKE_BUCKET, Key: key }));
    const path = join(dir, key.slice(prefix.length));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await res.Body!.transformToByteArray());
  }
  return dir;
}

/** Every data.parquet under a lake folder as "table period" → its path. */
function lakeFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "data.parquet") {
        const m = /^(.+)\/billing_period=(\d{4}-\d{2})$/.exec(relative(dir, d));
        if (m) out.set(`${m[1]} ${m[2]}`, p);
      }
    }
  };
  walk(dir);
  return out;
}

/** DuckDB: each table's folder as one hive-partitioned dataset. */
async function duckdbTotals(dir: string): Promise<Totals> {
  const out: Totals = {};
  for (const table of ["focus", cur2Raw, focusRaw]) {
    if (!existsSync(join(dir, table))) continue;
    const rows = await duckdbAlone(
      `SELECT billing_period AS period, count(*)::BIGINT AS n, ${sumsSql(table)}
       FROM read_parquet('${join(dir, table)}/**/*.parquet', hive_partitioning = true) GROUP BY 1`,
    );
    for (const r of rows) out[`${table} ${r.period}`] = { rows: Number(r.n), sums: MONEY[table].map((c) => Number(r[c])) };
  }
  return out;
}

async function hyparquetRows(path: string): Promise<Record<string, unknown>[]> {
  const file = await asyncBufferFromFile(path);
  return (await parquetReadObjects({ file, compressors })) as Record<string, unknown>[];
}

/** hyparquet: each file on its own, the period from its path. */
async function hyparquetTotals(dir: string): Promise<Totals> {
  const out: Totals = {};
  for (const [k, path] of lakeFiles(dir)) {
    const table = k.split(" ")[0];
    const rows = await hyparquetRows(path);
    out[k] = { rows: rows.length, sums: MONEY[table].map((c) => rows.reduce((s, r) => s + Number(r[c] ?? 0), 0)) };
  }
  return out;
}

async function stateOf(prefix: string): Promise<{ format: number; tables: Record<string, Record<string, { version: string; rows: number; bytes: number }>> }> {
  const res = await server.s3.client.send(new GetObjectCommand({ Bucket: LAKE_BUCKET, Key: `${prefix}_finops_lake.json` }));
  return JSON.parse(await res.Body!.transformToString());
}

// ── A new delivery of one CUR 2.0 period: a new executionId, its data file without its first `drop` rows.

let deliveries = 0;
async function redeliverCur2(period: string, drop: number): Promise<void> {
  const e = truth.exports.find((x) => x.key === "cur2Parquet")!;
  const p = e.periods[period];
  const file = p.files[0].key;
  const original = join(treeDir, COMMITMENTS_BUCKET, file);
  const changed = join(scratch, `redelivery-${++deliveries}.parquet`);
  await duckdbAlone(
    `COPY (SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet('${original}')) WHERE rn > ${drop}) TO '${changed}' (FORMAT parquet)`,
  );
  await server.s3.client.send(new PutObjectCommand({ Bucket: COMMITMENTS_BUCKET, Key: file, Body: readFileSync(changed) }));
  const manifest = JSON.parse(readFileSync(join(treeDir, COMMITMENTS_BUCKET, p.manifestKey), "utf8"));
  manifest.executionId = `redelivery-${deliveries}`;
  await server.s3.client.send(new PutObjectCommand({ Bucket: COMMITMENTS_BUCKET, Key: p.manifestKey, Body: JSON.stringify(manifest) }));
}

const requestsOf = () => server.s3.requests.filter((r) => r.bucket === LAKE_BUCKET).map((r) => `${r.method} ${r.key ?? ""}${/[?&]uploads?(Id)?\b/.test(r.url) ? " (multipart)" : ""}`);

describe("lake export to S3", () => {
  test("import: CUR 2.0 for 2025-08 and 2025-09, FOCUS for 2025-09 (CUR 2.0's 2025-09 is shadowed)", async () => {
    await importAll();
    const counted = await query(db, "SELECT DISTINCT export, billing_period, counts FROM finops.focus_counted ORDER BY 1, 2");
    expect(counted.map((c) => `${c.export} ${c.billing_period} ${c.counts}`)).toEqual([
      `${CUR2} 2025-08 true`,
      `${CUR2} 2025-09 false`,
      `${FOCUS} 2025-09 true`,
    ]);
  });

  test("every period as one object; DuckDB (hive-partitioned) and hyparquet read back the database's rows and cost sums; no shadowed rows in focus/", async () => {
    server.s3.requests.length = 0;
    const began = performance.now();
    const out = await lakeExport([]);
    const seconds = (performance.now() - began) / 1000;
    const requests = requestsOf().length;
    expect(out.to).toBe(`s3://${LAKE_BUCKET}/team/`);
    expect(actions(out)).toEqual([
      "focus 2025-08 written",
      "focus 2025-09 written",
      `${cur2Raw} 2025-08 written`,
      `${cur2Raw} 2025-09 written`,
      `${focusRaw} 2025-09 written`,
    ]);
    // No listing, one GET (the state), one PUT per object and one of the state after each.
    expect(requestsOf()).toEqual([
      "GET team/_finops_lake.json",
      ...out.periods.flatMap((p) => [`PUT team/${p.table}/billing_period=${p.period}/data.parquet`, "PUT team/_finops_lake.json"]),
    ]);
    expect(await listKeys("team/")).toEqual([
      "team/_finops_lake.json",
      ...out.periods.map((p) => `team/${p.table}/billing_period=${p.period}/data.parquet`),
    ]);

    const want = await databaseTotals();
    const dir = await download("team/");
    expectTotalsEqual(await duckdbTotals(dir), want);
    expectTotalsEqual(await hyparquetTotals(dir), want);
    for (const p of out.periods) expect([p.table, p.period, p.rows]).toEqual([p.table, p.period, want[`${p.table} ${p.period}`].rows]);

    // focus/: each period from the export it counts from, never the shadowed CUR 2.0 2025-09.
    const byExport = await duckdbAlone<{ period: string; export: string; n: number }>(
      `SELECT billing_period AS period, x_Export AS export, count(*)::INT AS n FROM read_parquet('${dir}/focus/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    );
    expect(byExport.map((r) => `${r.period} ${r.export}`)).toEqual([`2025-08 ${CUR2}`, `2025-09 ${FOCUS}`]);
    // Sorted by ChargePeriodStart within a period (file order, read by hyparquet); zstd; one row group here.
    for (const [k, path] of lakeFiles(dir)) {
      if (!k.startsWith("focus ")) continue;
      const starts = (await hyparquetRows(path)).map((r) => new Date(r.ChargePeriodStart as Date).getTime());
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    const meta = await duckdbAlone<{ c: string }>(`SELECT DISTINCT compression AS c FROM parquet_metadata('${dir}/**/*.parquet')`);
    expect(meta.map((m) => m.c)).toEqual(["ZSTD"]);

    // The state file and finops.lake_periods say the same.
    const state = await stateOf("team/");
    expect(state.format).toBe(1);
    const mirror = await query(db, "SELECT table_name, billing_period, version, rows, bytes FROM finops.lake_periods WHERE lake_root = $1 ORDER BY 1, 2", [out.to]);
    expect(mirror.map((m) => [m.table_name, m.billing_period, m.version, Number(m.rows), Number(m.bytes)])).toEqual(
      out.periods.map((p) => [p.table, p.period, p.version, p.rows, p.bytes]),
    );
    expect(Object.entries(state.tables).flatMap(([t, ps]) => Object.entries(ps).map(([p, e]): unknown[] => [t, p, e.version, e.rows, e.bytes]))).toEqual(
      out.periods.map((p) => [p.table, p.period, p.version, p.rows, p.bytes]),
    );
    const bytes = out.periods.reduce((s, p) => s + (p.bytes ?? 0), 0);
    const rows = out.periods.reduce((s, p) => s + (p.rows ?? 0), 0);
    console.log(`lake export: ${out.periods.length} objects, ${rows} rows, ${bytes} bytes, ${requests} requests, ${seconds.toFixed(2)} s`);
  });

  test("a second run with nothing changed makes exactly one request: the GET of _finops_lake.json", async () => {
    server.s3.requests.length = 0;
    const out = await lakeExport([]);
    expect(out.periods.every((p) => p.action === "unchanged")).toBe(true);
    expect(requestsOf()).toEqual(["GET team/_finops_lake.json"]);
    expect(server.s3.requests.length).toBe(1);
  });

  test("a new version of a counted period rewrites its raw object and its focus period only", async () => {
    await redeliverCur2("2025-08", 3);
    await importAll();
    server.s3.requests.length = 0;
    const out = await lakeExport([]);
    expect(actions(out)).toEqual([
      "focus 2025-08 written",
      "focus 2025-09 unchanged",
      `${cur2Raw} 2025-08 written`,
      `${cur2Raw} 2025-09 unchanged`,
      `${focusRaw} 2025-09 unchanged`,
    ]);
    expect(requestsOf()).toEqual([
      "GET team/_finops_lake.json",
      "PUT team/focus/billing_period=2025-08/data.parquet",
      "PUT team/_finops_lake.json",
      `PUT team/${cur2Raw}/billing_period=2025-08/data.parquet`,
      "PUT team/_finops_lake.json",
    ]);
    expectTotalsEqual(await duckdbTotals(await download("team/")), await databaseTotals());
  });

  test("a new version of a shadowed period rewrites its raw object only; focus/ stays", async () => {
    await redeliverCur2("2025-09", 2);
    await importAll();
    const out = await lakeExport([]);
    expect(actions(out).filter((a) => a.endsWith("written"))).toEqual([`${cur2Raw} 2025-09 written`]);
    expectTotalsEqual(await hyparquetTotals(await download("team/")), await databaseTotals());
  });

  test("a change of which export counts (priority) rewrites that focus period; a period the database no longer has is deleted", async () => {
    // Make CUR 2.0 win 2025-09 over FOCUS.
    const prio = join(work, "priority.toml");
    writeFileSync(prio, config({ lake: `s3://${LAKE_BUCKET}/team/`, cur2Priority: 10 }));
    await importAll(prio);
    // A period of an export this database never had, as another run could have left it.
    await server.s3.put(LAKE_BUCKET, "team/raw/gone_export/billing_period=2024-01/data.parquet", "not really parquet");
    const state = await stateOf("team/");
    state.tables["raw/gone_export"] = { "2024-01": { version: "v0#1", rows: 1, bytes: 18, exportedAt: "2024-02-03T00:00:00.000Z" } as never };
    await server.s3.put(LAKE_BUCKET, "team/_finops_lake.json", JSON.stringify(state));

    server.s3.requests.length = 0;
    const out = await lakeExport([]);
    expect(actions(out).filter((a) => !a.endsWith("unchanged"))).toEqual(["focus 2025-09 written", "raw/gone_export 2024-01 deleted"]);
    expect(requestsOf()).toEqual([
      "GET team/_finops_lake.json",
      "PUT team/focus/billing_period=2025-09/data.parquet",
      "PUT team/_finops_lake.json",
      "DELETE team/raw/gone_export/billing_period=2024-01/data.parquet",
      "PUT team/_finops_lake.json",
    ]);
    expect(await listKeys("team/raw/gone_export/")).toEqual([]);
    expect(Object.keys((await stateOf("team/")).tables).sort()).toEqual(["focus", cur2Raw, focusRaw]);
    const dir = await download("team/");
    expectTotalsEqual(await duckdbTotals(dir), await databaseTotals());
    const byExport = await duckdbAlone<{ period: string; export: string }>(
      `SELECT DISTINCT billing_period AS period, x_Export AS export FROM read_parquet('${dir}/focus/**/*.parquet', hive_partitioning = true) ORDER BY ALL`,
    );
    expect(byExport.map((r) => `${r.period} ${r.export}`)).toEqual([`2025-08 ${CUR2}`, `2025-09 ${CUR2}`]);
    writeFileSync(cfg, config({ lake: `s3://${LAKE_BUCKET}/team/` })); // priority back to the default for what follows
    await importAll();
  });

  test("import-cur --lake publishes right after the import (one cron line)", async () => {
    const cron = join(work, "cron.toml");
    writeFileSync(cron, config({ lake: `s3://${LAKE_BUCKET}/cron` }));
    const r = await run(["aws", "import-cur", "--all", "--lake", "-c", cron, "--json"]);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { periods: { outcome: string }[]; lake: LakeJson };
    expect(out.periods.map((p) => p.outcome)).toEqual(["up to date", "up to date", "up to date"]);
    expect(out.lake.to).toBe(`s3://${LAKE_BUCKET}/cron/`);
    expect(out.lake.periods.map((p) => p.action)).toEqual(["written", "written", "written", "written", "written"]);
    expectTotalsEqual(await duckdbTotals(await download("cron/")), await databaseTotals());
  });
});

describe("lake export: crash safety (kill -9 and Ctrl-C of the binary), beside an import", () => {
  let n = 0;

  /** A workspace with its own copy of the database, and a lake of its own holding every period of it. */
  async function setup(): Promise<{ ws: BinaryWorkspace; db: string; config: string; prefix: string; spool: string; old: Totals }> {
    const ws = binaryWorkspace({ copy: false });
    const wsDb = join(ws.dir, "billing.duckdb");
    copyFileSync(db, wsDb);
    const prefix = `crash-${++n}/`;
    const config = join(ws.dir, "finops.toml");
    writeFileSync(config, configFor(wsDb, `s3://${LAKE_BUCKET}/${prefix}`));
    const spool = join(ws.dir, "spool");
    mkdirSync(spool);
    const first = await runInProcess(["lake", "export", "-c", config, "--json"], { env: env(), cwd: ws.dir });
    expect(first.exitCode).toBe(0);
    const old = await duckdbTotals(await download(prefix));
    expectTotalsEqual(old, await databaseTotals(wsDb));
    // A new version of CUR 2.0's 2025-08: focus 2025-08 and raw 2025-08 must be written again.
    await redeliverCur2("2025-08", 5 + n);
    await importAll(config);
    return { ws, db: wsDb, config, prefix, spool, old };
  }
  const configFor = (database: string, lake: string) => config({ database, lake });

  async function killAt(s: { ws: BinaryWorkspace; config: string; spool: string }, point: string, signal: "SIGKILL" | "SIGINT" = "SIGKILL"): Promise<{ stderr: string; exitCode: number }> {
    const proc = Bun.spawn([s.ws.bin, "lake", "export", "-c", s.config], {
      cwd: s.ws.dir,
      env: { ...s.ws.env, ...server.s3.env, TMPDIR: s.spool, FINOPS_DEBUG_PAUSE: `${point}:30000` },
      stdout: "pipe",
      stderr: "pipe",
    });
    let stderr = "";
    const reader = proc.stderr.getReader();
    const decoder = new TextDecoder();
    while (!stderr.includes(`debug pause at ${point}`)) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += decoder.decode(value);
    }
    expect(stderr).toContain(`debug pause at ${point}`);
    proc.kill(signal);
    const rest = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        stderr += decoder.decode(value);
      }
    })();
    const exitCode = await proc.exited;
    await rest;
    if (signal === "SIGKILL") expect(proc.signalCode).toBe("SIGKILL");
    return { stderr, exitCode };
  }

  for (const point of ["lake-upload", "lake-state"]) {
    test(`killed at '${point}': every object whole (the old or the new version, all its rows), the next run completes the lake`, async () => {
      const s = await setup();
      const now = await databaseTotals(s.db);
      expect(sameTotals(now["focus 2025-08"], s.old["focus 2025-08"])).toBe(false);
      await killAt(s, point);
      expect(readdirSync(s.spool).filter((e) => e.startsWith("finops-lake-"))).toHaveLength(1); // left by the kill

      const after = await hyparquetTotals(await download(s.prefix));
      expect(Object.keys(after).sort()).toEqual(Object.keys(s.old).sort());
      for (const [k, t] of Object.entries(after)) {
        // Whole: exactly one version's rows and sums.
        expect([k, sameTotals(t, s.old[k]) || sameTotals(t, now[k])]).toEqual([k, true]);
      }
      // Killed before the upload the old focus 2025-08 stays; killed after it the new one is in place, the state
      // file one step behind.
      expect(sameTotals(after["focus 2025-08"], point === "lake-upload" ? s.old["focus 2025-08"] : now["focus 2025-08"])).toBe(true);
      const state = await stateOf(s.prefix);
      const before = await query(s.db, "SELECT version FROM finops.lake_periods WHERE lake_root = $1 AND table_name = 'focus' AND billing_period = '2025-08'", [`s3://${LAKE_BUCKET}/${s.prefix}`]);
      expect(state.tables.focus["2025-08"].version).toBe(String(before[0].version));

      const again = await runBinary(s.ws, ["lake", "export", "-c", s.config, "--json"], { env: { ...server.s3.env, TMPDIR: s.spool } });
      expect(again.exitCode).toBe(0);
      expect(actions(JSON.parse(again.stdout)).filter((a) => a.endsWith("written"))).toEqual(["focus 2025-08 written", `${cur2Raw} 2025-08 written`]);
      expect(readdirSync(s.spool).filter((e) => e.startsWith("finops-lake-"))).toEqual([]);
      expectTotalsEqual(await hyparquetTotals(await download(s.prefix)), now);
      const dry = await runBinary(s.ws, ["lake", "export", "-c", s.config, "--json", "--dry-run"], { env: server.s3.env });
      expect(JSON.parse(dry.stdout).periods.every((p: { action: string }) => p.action === "unchanged")).toBe(true);
    });
  }

  test("Ctrl-C (SIGINT) at 'lake-upload': exit 130, the spool folder removed, the lake as it was", async () => {
    const s = await setup();
    const stateBefore = await stateOf(s.prefix);
    const stopped = await killAt(s, "lake-upload", "SIGINT");
    expect(stopped.exitCode).toBe(130);
    expect(stopped.stderr).toContain("finops: interrupted");
    expect(readdirSync(s.spool).filter((e) => e.startsWith("finops-lake-"))).toEqual([]);
    expect(await stateOf(s.prefix)).toEqual(stateBefore);
    expectTotalsEqual(await duckdbTotals(await download(s.prefix)), s.old);
  });

  test("beside an import: the export waits for the period being loaded to commit, then publishes; both exit 0", async () => {
    const s = await setup();
    await redeliverCur2("2025-09", 4); // the import below has a period to load
    const importer = Bun.spawn([s.ws.bin, "aws", "import-cur", "--all", "-c", s.config], {
      cwd: s.ws.dir,
      env: { ...s.ws.env, ...server.s3.env, FINOPS_DEBUG_PAUSE: "load:1500" },
      stdout: "pipe",
      stderr: "pipe",
    });
    let importErr = "";
    const reader = importer.stderr.getReader();
    while (!importErr.includes("debug pause at load")) {
      const { value, done } = await reader.read();
      if (done) break;
      importErr += new TextDecoder().decode(value);
    }
    const lake = await runBinary(s.ws, ["lake", "export", "-c", s.config, "--json"], { env: { ...server.s3.env, TMPDIR: s.spool } });
    expect(lake.stderr).toContain("waiting for it to commit the period it is loading");
    expect(lake.exitCode).toBe(0);
    expect(await importer.exited).toBe(0);
    // Whatever the export saw, a second run brings the lake to the database as the import left it.
    const again = await runBinary(s.ws, ["lake", "export", "-c", s.config, "--json"], { env: { ...server.s3.env, TMPDIR: s.spool } });
    expect(again.exitCode).toBe(0);
    expectTotalsEqual(await hyparquetTotals(await download(s.prefix)), await databaseTotals(s.db));
  });
});

describe("lake export: a local folder, --dry-run, usage", () => {
  test("a local folder gets the same layout, each file renamed into place (no temporary file left); a second run writes nothing", async () => {
    const dir = join(scratch, "folder-lake");
    const out = await lakeExport(["--to", dir]);
    expect(out.to).toBe(dir);
    expect(out.periods.every((p) => p.action === "written")).toBe(true);
    expectTotalsEqual(await duckdbTotals(dir), await databaseTotals());
    expectTotalsEqual(await hyparquetTotals(dir), await databaseTotals());
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => !f.endsWith("/") && /\.(parquet|json|tmp)$/.test(f)).sort();
    expect(files).toEqual([
      "_finops_lake.json",
      ...out.periods.map((p) => `${p.table}/billing_period=${p.period}/data.parquet`),
    ].sort());
    const again = await lakeExport(["--to", dir]);
    expect(again.periods.every((p) => p.action === "unchanged")).toBe(true);
  });

  test("--dry-run lists what would be written and why, and writes nothing (one GET of the state)", async () => {
    server.s3.requests.length = 0;
    const out = await lakeExport(["--to", `s3://${LAKE_BUCKET}/dry/`, "--dry-run"]);
    expect(out.dryRun).toBe(true);
    expect(out.periods.map((p) => `${p.table} ${p.period} ${p.action} ${p.reason}`)).toEqual([
      "focus 2025-08 would write new",
      "focus 2025-09 would write new",
      `${cur2Raw} 2025-08 would write new`,
      `${cur2Raw} 2025-09 would write new`,
      `${focusRaw} 2025-09 would write new`,
    ]);
    expect(requestsOf()).toEqual(["GET dry/_finops_lake.json"]);
    expect(await listKeys("dry/")).toEqual([]);
    const folder = join(scratch, "dry-folder");
    const table = await run(["lake", "export", "-c", cfg, "--to", folder, "--dry-run"]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain("would write");
    expect(existsSync(folder)).toBe(false);
    const mirror = await query(db, "SELECT count(*)::INT AS n FROM finops.lake_periods WHERE lake_root IN ($1, $2)", [`s3://${LAKE_BUCKET}/dry/`, folder]);
    expect(Number(mirror[0].n)).toBe(0);
  });

  test("no --to and no [lake] to: exit 2 and a one-line error", async () => {
    const bare = join(work, "bare.toml");
    writeFileSync(bare, config());
    const r = await run(["lake", "export", "-c", bare]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^finops: no lake to write to: give --to s3:\/\/bucket\/prefix\//)]);
    const imp = await run(["aws", "import-cur", "--all", "--lake", "-c", bare]);
    expect(imp.exitCode).toBe(2);
    expect(imp.stderr).toContain("--lake-to");
  });
});

describe("uploads (src/aws/upload.ts, @aws-sdk/lib-storage)", () => {
  const PART = 5 * 1024 * 1024; // S3's smallest part
  const big = () => {
    const path = join(scratch, `upload-${Math.random().toString(36).slice(2)}.bin`);
    const bytes = new Uint8Array(2 * PART + 123_456);
    for (let i = 0; i < bytes.length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65_536)));
    writeFileSync(path, bytes);
    return { path, bytes };
  };
  const client = async () => {
    const { createS3Client } = await import("../src/aws/client.ts");
    const { resolveAwsSource, awsEnvLayer } = await import("../src/config/aws.ts");
    return createS3Client(resolveAwsSource({ env: awsEnvLayer(server.s3.env), defaults: {} }), server.s3.env);
  };

  test("a file over one part goes up as a multipart upload (3 parts of a 5 MiB part size) and reads back byte for byte", async () => {
    const { uploadFile } = await import("../src/aws/upload.ts");
    const { path, bytes } = big();
    const s3 = await client();
    server.s3.requests.length = 0;
    const seen: number[] = [];
    const r = await uploadFile(s3, LAKE_BUCKET, "uploads/big.bin", path, { partSize: PART, onBytes: (sent) => seen.push(sent) });
    expect(r).toMatchObject({ bytes: bytes.length, multipart: true });
    const methods = server.s3.requests.filter((q) => q.bucket === LAKE_BUCKET).map((q) => `${q.method} ${/uploadId=/.test(q.url) ? (/partNumber=/.test(q.url) ? "part" : "complete") : /uploads/.test(q.url) ? "create" : "put"}`);
    expect(methods.sort()).toEqual(["POST complete", "POST create", "PUT part", "PUT part", "PUT part"]);
    expect(seen.at(-1)).toBe(bytes.length);
    const back = await server.s3.client.send(new GetObjectCommand({ Bucket: LAKE_BUCKET, Key: "uploads/big.bin" }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(Buffer.from(bytes))).toBe(true);
    s3.destroy();
  });

  test("an upload interrupted after its first part is aborted (AbortMultipartUpload): no object, the previous one intact", async () => {
    const { uploadFile } = await import("../src/aws/upload.ts");
    await server.s3.put(LAKE_BUCKET, "uploads/kept.bin", "the previous version");
    const { path } = big();
    const s3 = await client();
    server.s3.requests.length = 0;
    const stop = new AbortController();
    const err = await uploadFile(s3, LAKE_BUCKET, "uploads/kept.bin", path, { partSize: PART, queueSize: 1, signal: stop.signal, onBytes: (sent) => sent > 0 && stop.abort() }).catch((e) => e);
    expect(err?.name).toBe("InterruptedError");
    await new Promise((r) => setTimeout(r, 200));
    const reqs = server.s3.requests.filter((q) => q.bucket === LAKE_BUCKET);
    expect(reqs.some((q) => q.method === "DELETE" && /uploadId=/.test(q.url))).toBe(true);
    expect(reqs.some((q) => q.method === "POST" && /uploadId=/.test(q.url))).toBe(false); // never completed
    const kept = await server.s3.client.send(new GetObjectCommand({ Bucket: LAKE_BUCKET, Key: "uploads/kept.bin" }));
    expect(await kept.Body!.transformToString()).toBe("the previous version");
    s3.destroy();
  });
});
