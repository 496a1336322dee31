/**
 * `finops report`: each report's numbers against the bill's own line items (test/helpers/report-bill.ts), computed
 * here in TypeScript, never by finops' SQL; a planted spike found with its day and service, a calm bill without any;
 * bars and colours on a pseudo-terminal, plain when piped; a report during a running import.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryWorkspace, cleanEnv, removeWorkspaces, runInProcess } from "./helpers/cli.ts";
import { legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { putReportBill, REPORT_MONTHS, reportBillLines, SPIKE, type BillLine } from "./helpers/report-bill.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { openDatabase } from "../src/store/duckdb.ts";
import { ensureSchema } from "../src/store/state.ts";
import { ensureSummaryTables } from "../src/model/summary.ts";

const BUCKET = "reports";
const spiky = reportBillLines({ spike: true });
// The calm bill stops on 2025-09-20: a month in progress, for the forecast.
const calm = reportBillLines({ spike: false }).filter((l) => l.day <= "2025-09-20");
const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    await putReportBill(s3, BUCKET, "spiky", spiky);
    await putReportBill(s3, BUCKET, "calm", calm);
    // A legacy CUR without bill/BillingPeriodStartDate (nor an account): its month is the period it was delivered in.
    await putLegacyPeriod(s3, { bucket: BUCKET, prefix: "cur", name: "bare", period: "2025-08", version: "v1", files: [legacyCsv("2025-08", 10, 1.5)] });
  },
  teardown: removeWorkspaces,
});

const work = mkdtempSync(join(tmpdir(), "finops-report-"));
const dbSpiky = join(work, "spiky.duckdb");
const dbCalm = join(work, "calm.duckdb");

async function finops(args: string[], opts: { tty?: boolean } = {}) {
  return runInProcess(args, { env: cleanEnv(server.s3.env), cwd: work, stdoutIsTTY: opts.tty });
}
async function json<T>(args: string[], db = dbSpiky): Promise<T> {
  const r = await finops([...args, "-d", db, "--json"]);
  expect(r.stderr).not.toContain("[error]");
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const month = (l: BillLine) => l.periodStart.slice(0, 7);
function sumBy(lines: BillLine[], key: (l: BillLine) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(key(l), (m.get(key(l)) ?? 0) + l.cost);
  return m;
}
const near = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(1e-6);

beforeAll(async () => {
  for (const [name, db] of [["spiky", dbSpiky], ["calm", dbCalm]]) {
    const r = await finops(["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", name, "--cur-version", "v1", "-d", db, "--json"]);
    expect(r.exitCode).toBe(0);
  }
});

type Costs = { months: string[]; rows: { key: string; months: Record<string, number>; total: number }[]; total: number; currency: string; by: string; cost: string };

describe("report costs", () => {
  test("by service: every month, the top rows and (other) add up to the line items' total", async () => {
    const r = await json<Costs>(["report", "costs", "--top", "2"]);
    expect(r.months).toEqual(REPORT_MONTHS);
    expect(r.currency).toBe("USD");
    const byService = sumBy(spiky, (l) => l.service);
    const ranked = [...byService].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    expect(r.rows.map((x) => x.key)).toEqual([ranked[0][0], ranked[1][0], "(other)"]);
    for (const row of r.rows.slice(0, 2)) {
      for (const m of REPORT_MONTHS) near(row.months[m], spiky.filter((l) => l.service === row.key && month(l) === m).reduce((s, l) => s + l.cost, 0));
      near(row.total, byService.get(row.key)!);
    }
    const other = ranked.slice(2).reduce((s, [, c]) => s + c, 0);
    near(r.rows[2].total, other);
    const total = spiky.reduce((s, l) => s + l.cost, 0);
    near(r.total, total);
    near(r.rows.reduce((s, x) => s + x.total, 0), total);
    for (const m of REPORT_MONTHS) near(r.rows.reduce((s, x) => s + x.months[m], 0), spiky.filter((l) => month(l) === m).reduce((s, l) => s + l.cost, 0));
  });

  test("by account and by tag, with filters; --from/--to", async () => {
    const byAccount = await json<Costs>(["report", "costs", "--by", "account", "--from", "2025-08", "--to", "2025-08"]);
    expect(byAccount.months).toEqual(["2025-08"]);
    const want = sumBy(spiky.filter((l) => month(l) === "2025-08"), (l) => l.account);
    expect(Object.fromEntries(byAccount.rows.map((x) => [x.key, Math.round(x.total * 1e6)]))).toEqual(Object.fromEntries([...want].map(([k, v]) => [k, Math.round(v * 1e6)])));

    const byTeam = await json<Costs>(["report", "costs", "--by", "tag:user_team", "--service", SPIKE.service, "--account", "222222222222"]);
    const lines = spiky.filter((l) => l.service === SPIKE.service && l.account === "222222222222");
    const teams = sumBy(lines, (l) => l.team ?? "(untagged)");
    expect(byTeam.rows.map((x) => x.key).sort()).toEqual([...teams.keys()].sort());
    for (const row of byTeam.rows) near(row.total, teams.get(row.key)!);

    const tagged = await json<Costs>(["report", "costs", "--tag", "user_team=web", "--tag", "user_env=prod"]);
    near(tagged.total, spiky.filter((l) => l.team === "web" && l.env === "prod").reduce((s, l) => s + l.cost, 0));
  });

  test("--csv: the dimension, one column per month, total, at full precision; --markdown; bad options exit 2", async () => {
    const r = await finops(["report", "costs", "-d", dbSpiky, "--csv", "--by", "region"]);
    expect(r.exitCode).toBe(0);
    const [head, ...rows] = r.stdout.trim().split("\n");
    expect(head).toBe(`region,${REPORT_MONTHS.join(",")},total`);
    const regions = sumBy(spiky, (l) => l.region || "(none)");
    for (const row of rows) {
      const cells = row.split(",");
      near(Number(cells[cells.length - 1]), regions.get(cells[0])!);
    }
    const md = await finops(["report", "costs", "-d", dbSpiky, "--markdown"]);
    expect(md.stdout.split("\n")[0]).toBe(`| service | ${REPORT_MONTHS.join(" | ")} | total | change 2025-09 | % |`);
    for (const bad of [["--by", "colour"], ["--cost", "cheap"], ["--from", "2025-13"], ["--top", "0"], ["--tag", "novalue"], ["--from", "2025-09", "--to", "2025-07"]]) {
      const b = await finops(["report", "costs", "-d", dbSpiky, ...bad]);
      expect(b.exitCode).toBe(2);
      expect(b.stdout).toBe("");
      expect(b.stderr.trim().split("\n")).toHaveLength(1);
    }
    const none = await finops(["report", "costs", "-d", join(work, "nothing.duckdb")]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("no billing data in");
    // A database whose only import was cut short (Ctrl-C) has finops' tables and no period: the same message, not an
    // empty report over "billing periods – to –".
    const cut = join(work, "cut-short.duckdb");
    const { instance, connection } = await openDatabase(cut);
    await ensureSchema(connection);
    await ensureSummaryTables(connection);
    connection.closeSync();
    instance.closeSync();
    for (const report of ["costs", "tags"]) {
      const r = await finops(["report", report, "-d", cut]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("no billing data in");
    }
  });
});

describe("report movers, daily, anomalies, tags", () => {
  test("movers: last month against the one before, increases then decreases", async () => {
    const r = await json<{ from: string; to: string; rows: { key: string; from: number; to: number; change: number; percent: number | null }[] }>(["report", "movers"]);
    expect([r.from, r.to]).toEqual(["2025-08", "2025-09"]);
    const a = sumBy(spiky.filter((l) => month(l) === "2025-08"), (l) => l.service);
    const b = sumBy(spiky.filter((l) => month(l) === "2025-09"), (l) => l.service);
    const changes = [...b].map(([k, v]) => ({ key: k, change: v - (a.get(k) ?? 0) })).filter((x) => x.change !== 0);
    const up = changes.filter((x) => x.change > 0).sort((x, y) => y.change - x.change);
    const down = changes.filter((x) => x.change < 0).sort((x, y) => x.change - y.change);
    expect(r.rows.map((x) => x.key)).toEqual([...up, ...down].map((x) => x.key));
    for (const row of r.rows) {
      near(row.from, a.get(row.key) ?? 0);
      near(row.to, b.get(row.key) ?? 0);
      near(row.percent!, ((row.to - row.from) / row.from) * 100);
    }
  });

  test("daily: cost per UTC day; a complete month forecasts its total, a month in progress its stated run rate", async () => {
    const full = await json<{ month: string; days: { date: string; cost: number }[]; forecast: { total: number; method: string } }>(["report", "daily", "--month", "2025-08"]);
    const aug = sumBy(spiky.filter((l) => month(l) === "2025-08"), (l) => l.day);
    expect(full.days.map((d) => d.date)).toEqual([...aug.keys()].sort());
    for (const d of full.days) near(d.cost, aug.get(d.date)!);
    near(full.forecast.total, [...aug.values()].reduce((s, c) => s + c, 0));

    const partial = await json<{ month: string; days: { date: string; cost: number }[]; forecast: { total: number; method: string } }>(["report", "daily"], dbCalm);
    expect(partial.month).toBe("2025-09");
    expect(partial.days).toHaveLength(20);
    const sep = sumBy(calm.filter((l) => month(l) === "2025-09"), (l) => l.day);
    const toDate = [...sep.values()].reduce((s, c) => s + c, 0);
    const last7 = ["14", "15", "16", "17", "18", "19", "20"].map((d) => sep.get(`2025-09-${d}`)!);
    near(partial.forecast.total, toDate + (last7.reduce((s, c) => s + c, 0) / 7) * 10);
    expect(partial.forecast.method).toContain("last 7 days");
  });

  test("anomalies: the planted spike with its day and service; none in the calm bill; --fail", async () => {
    const found = await json<{ anomalies: { date: string; key: string; cost: number; baseline: number }[]; method: string }>(["report", "anomalies"]);
    expect(found.anomalies.map((a) => [a.date, a.key])).toEqual([[SPIKE.day, SPIKE.service]]);
    near(found.anomalies[0].cost, spiky.filter((l) => l.day === SPIKE.day && l.service === SPIKE.service && l.type === "Usage").reduce((s, l) => s + l.cost, 0));
    expect(found.method).toContain("median");
    const none = await json<{ anomalies: unknown[] }>(["report", "anomalies"], dbCalm);
    expect(none.anomalies).toEqual([]);
    expect((await finops(["report", "anomalies", "-d", dbSpiky, "--fail"])).exitCode).toBe(1);
    expect((await finops(["report", "anomalies", "-d", dbCalm, "--fail"])).exitCode).toBe(0);
  });

  test("tags: each key's share, the untagged cost, the largest untagged resources of the latest month", async () => {
    const r = await json<{ months: string[]; total: number; keys: { key: string; cost: number; share: number }[]; untagged: number; untaggedResources: { resourceId: string; cost: number }[] }>(["report", "tags", "--top", "3"]);
    expect(r.months).toEqual(["2025-09"]);
    const sep = spiky.filter((l) => month(l) === "2025-09");
    const total = sep.reduce((s, l) => s + l.cost, 0);
    near(r.total, total);
    const team = sep.filter((l) => l.team).reduce((s, l) => s + l.cost, 0);
    const env = sep.filter((l) => l.env).reduce((s, l) => s + l.cost, 0);
    expect(r.keys.map((k) => k.key)).toEqual(["user_team", "user_env"]);
    near(r.keys[0].cost, team);
    near(r.keys[0].share, team / total);
    near(r.keys[1].cost, env);
    near(r.untagged, sep.filter((l) => !l.team && !l.env).reduce((s, l) => s + l.cost, 0));
    const resources = [...sumBy(sep.filter((l) => !l.team && !l.env && l.resourceId), (l) => l.resourceId)].sort((a, b) => b[1] - a[1]).slice(0, 3);
    expect(r.untaggedResources.map((x) => x.resourceId)).toEqual(resources.map(([id]) => id));
    for (const [i, x] of r.untaggedResources.entries()) near(x.cost, resources[i][1]);
  });
});

test("a report without BillingPeriodStart: its rows count in the month of the period folder", async () => {
  const db = join(work, "bare.duckdb");
  const r = await finops(["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", "bare", "--cur-version", "v1", "-d", db]);
  expect(r.exitCode).toBe(0);
  const costs = await json<Costs>(["report", "costs", "--cost", "unblended"], db);
  expect(costs.months).toEqual(["2025-08"]);
  near(costs.total, 15);
  const daily = await json<{ month: string; days: { date: string; cost: number }[] }>(["report", "daily", "--cost", "unblended"], db);
  expect(daily.month).toBe("2025-08");
  near(daily.days.reduce((s, d) => s + d.cost, 0), 15);
}, 30_000);

describe("terminal output", () => {
  test("on a terminal: bars, sparklines and colours; piped or with NO_COLOR: plain", async () => {
    const tty = await runInProcess(["report", "costs", "-d", dbSpiky], { env: cleanEnv(), stdoutIsTTY: true });
    expect(tty.stdout).toMatch(/\u001b\[3\dm/);
    expect(tty.stdout).toMatch(/[▁▂▃▄▅▆▇█]{3}/);
    const daily = await runInProcess(["report", "daily", "-d", dbSpiky], { env: cleanEnv(), stdoutIsTTY: true });
    expect(daily.stdout).toContain("█");
    const piped = await runInProcess(["report", "costs", "-d", dbSpiky], { env: cleanEnv(), stdoutIsTTY: false });
    expect(piped.stdout).not.toContain("\u001b[");
    expect(piped.stdout).not.toMatch(/[▁▂▃▄▅▆▇█]/);
    const noColor = await runInProcess(["report", "costs", "-d", dbSpiky], { env: cleanEnv({ NO_COLOR: "1" }), stdoutIsTTY: true });
    expect(noColor.stdout).not.toContain("\u001b[");
  });

  test("the compiled binary on a real pseudo-terminal (script(1)) shows colours and bars; piped it is plain", async () => {
    const ws = binaryWorkspace({ copy: false });
    const cmd = `${ws.bin} report costs -d ${dbSpiky}`;
    const pty = Bun.spawnSync(["script", "-qec", cmd, "/dev/null"], { cwd: ws.dir, env: { ...ws.env, TERM: "xterm-256color" } });
    expect(pty.exitCode).toBe(0);
    const onTerminal = pty.stdout.toString();
    expect(onTerminal).toMatch(/\u001b\[3\dm/);
    expect(onTerminal).toMatch(/[▁▂▃▄▅▆▇█]{3}/);
    const piped = Bun.spawnSync([ws.bin, "report", "costs", "-d", dbSpiky], { cwd: ws.dir, env: ws.env });
    expect(piped.exitCode).toBe(0);
    expect(piped.stdout.toString()).not.toContain("\u001b[");
    expect(piped.stdout.toString()).toContain(SPIKE.service);
  });
});

describe("reading while importing", () => {
  test("report costs during a multi-period import waits for a commit, says so, and exits 0", async () => {
    const ws = binaryWorkspace({ copy: false });
    const db = join(ws.dir, "live.duckdb");
    const importer = Bun.spawn([ws.bin, "aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", "spiky", "--cur-version", "v1", "-d", db], {
      cwd: ws.dir,
      env: { ...ws.env, ...server.s3.env, FINOPS_DEBUG_PAUSE: "load:1500" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = new Response(importer.stderr).text();
    // Wait until the import is inside its first load transaction.
    const started = Date.now();
    while (!(await Bun.file(db).exists()) && Date.now() - started < 30_000) await Bun.sleep(50);
    await Bun.sleep(300);
    const report = Bun.spawn([ws.bin, "report", "costs", "-d", db, "--json"], { cwd: ws.dir, env: ws.env, stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([report.exited, new Response(report.stdout).text(), new Response(report.stderr).text()]);
    expect(err).toContain("waiting for it to commit the period it is loading");
    expect(code).toBe(0);
    const costs = JSON.parse(out) as Costs;
    expect(costs.months.length).toBeGreaterThanOrEqual(1);
    expect(await importer.exited).toBe(0);
    expect(await stderr).toContain("letting 1 reader(s) of the database in");
    // After the import, every month is there.
    const after = Bun.spawnSync([ws.bin, "report", "costs", "-d", db, "--json"], { cwd: ws.dir, env: ws.env });
    expect((JSON.parse(after.stdout.toString()) as Costs).months).toEqual(REPORT_MONTHS);
  });
});

test("a month without costs: an empty daily report, exit 0, and stderr says so", async () => {
  const r = await finops(["report", "daily", "--month", "2030-01", "-d", dbSpiky]);
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toContain("no costs in 2030-01");
});
