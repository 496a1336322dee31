/**
 * `finops aws compare-exports A B` on the commitments bill (scripts/fixtures/commitments.ts: one bill written as
 * legacy CSV and Parquet, CUR 2.0 Parquet and CSV, FOCUS 1.2, and a member account's report), imported from the local
 * S3 server into one database. Every expected total is computed from the generator's truth (commitments-truth.json:
 * its line items and per-period sums, exact decimals), never from finops' SQL.
 *
 * What the truth says the comparison must find: the same bill with the same columns compares clean; the legacy CSV's
 * 2025-08 has no net columns, so its net amortized cost that month is the gross one (a real difference between the two
 * exports' numbers); a FOCUS export's EffectiveCost is AWS's own, after discounts, so its amortized cost is the net
 * amortized one (a CUR export's is on the gross columns). A difference planted in one raw table is named by period,
 * service and amount, with exit 1.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMITMENTS_BUCKET, generateCommitmentsBill, type CommitmentsExportTruth, type CommitmentsLineTruth } from "../scripts/gen-fixtures.ts";
import { dec, decText, type Dec } from "../scripts/fixtures/commitments-bill.ts";
import { cleanEnv, runInProcess, type RunResult } from "./helpers/cli.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-compare-"));
const treeDir = join(scratch, "tree");
const truth = await generateCommitmentsBill(treeDir);
const server = useFixtureS3({ trees: [treeDir] });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const work = mkdtempSync(join(scratch, "work-"));
const db = join(work, "billing.duckdb");
const cfg = join(work, "finops.toml");

type MeasureName = "unblended" | "netUnblended" | "amortized" | "netAmortized";
type Measures = Record<MeasureName, number>;
const MEASURES: MeasureName[] = ["unblended", "netUnblended", "amortized", "netAmortized"];
interface Row {
  period: string;
  key: string | null;
  a: Measures;
  b: Measures;
  difference: Measures;
  exceeds: boolean;
}
interface Comparison {
  a: string;
  b: string;
  by: string;
  tolerance: number;
  currency: string | null;
  periods: string[];
  onlyA: string[];
  onlyB: string[];
  rows: Row[];
  differences: number;
}

const exportNamed = (name: string): CommitmentsExportTruth => {
  const e = truth.exports.find((x) => x.name === name);
  if (!e) throw new Error(`no export ${name} in the truth`);
  return e;
};
const byId = new Map(truth.lines.map((l) => [l.id, l]));

/**
 * An export's totals per (period, key), from the truth's line items, by the cost model's documented reading of each
 * flavour (README "The cost model"): a CUR period without net columns reads its net measures as the gross ones; a
 * FOCUS row holds the line items folded into it (its key is the row's own line's), has no unblended column (it reads as
 * BilledCost, the net unblended cost) and its EffectiveCost is the net amortized cost.
 */
function expectedRows(exportName: string, by: "service" | "account"): Map<string, Measures> {
  const e = exportNamed(exportName);
  const focus = e.flavour === "focus";
  const keyOf = (l: CommitmentsLineTruth) => {
    const row = focus ? byId.get(l.focusRow)! : l;
    return by === "service" ? row.serviceName : row.account;
  };
  const sums = new Map<string, Record<MeasureName, Dec>>();
  for (const l of truth.lines) {
    const p = e.periods[l.period];
    if (!p) continue;
    const net = p.hasNetColumns;
    const u = dec(l.unblended.exact);
    const nu = net ? dec(l.netUnblended.exact) : u;
    const am = dec(l.effective.exact);
    const nam = net ? dec(l.netAmortized.exact) : am;
    const add: Record<MeasureName, Dec> = focus ? { unblended: nu, netUnblended: nu, amortized: nam, netAmortized: nam } : { unblended: u, netUnblended: nu, amortized: am, netAmortized: nam };
    const k = JSON.stringify([l.period, keyOf(l)]);
    const s = sums.get(k) ?? { unblended: 0n, netUnblended: 0n, amortized: 0n, netAmortized: 0n };
    for (const m of MEASURES) s[m] += add[m];
    sums.set(k, s);
  }
  return new Map([...sums].map(([k, s]) => [k, Object.fromEntries(MEASURES.map((m) => [m, Number(decText(s[m]))])) as Measures]));
}

/** An export's totals per period, from the truth's per-period sums. */
function expectedPeriod(exportName: string, period: string): Measures {
  const e = exportNamed(exportName);
  const s = e.periods[period]!.sums;
  const focus = e.flavour === "focus";
  return {
    unblended: e.columnsFor.unblended === null ? s.billed.rounded : s.unblended.rounded,
    netUnblended: s.billed.rounded,
    amortized: focus ? s.netAmortized.rounded : s.effective.rounded,
    netAmortized: s.netAmortized.rounded,
  };
}

const near = (got: number, want: number, what: string) => {
  if (Math.abs(got - want) >= 1e-6) throw new Error(`${what}: got ${got}, want ${want}`);
};

function compare(args: string[], database = db): Promise<RunResult> {
  return runInProcess(["aws", "compare-exports", "-d", database, ...args], { env: cleanEnv(), cwd: work });
}

async function compareJson(args: string[], database = db): Promise<{ r: RunResult; c: Comparison }> {
  const r = await compare([...args, "--json"], database);
  return { r, c: JSON.parse(r.stdout) as Comparison };
}

/** Both sides of every row as the truth has them, and each period's rows adding up to the truth's period sums. */
function checkAgainstTruth(c: Comparison): void {
  const by = c.by as "service" | "account";
  for (const [side, name] of [["a", c.a], ["b", c.b]] as const) {
    const want = expectedRows(name, by);
    const inPeriods = [...want.keys()].filter((k) => c.periods.includes(JSON.parse(k)[0]));
    expect(c.rows.length).toBe(inPeriods.length);
    for (const r of c.rows) {
      const w = want.get(JSON.stringify([r.period, r.key]));
      if (!w) throw new Error(`${name}: no ${by} ${r.key} in ${r.period} in the truth`);
      for (const m of MEASURES) near(r[side][m], w[m], `${name} ${r.period} ${r.key} ${m}`);
    }
    for (const period of c.periods) {
      const want = expectedPeriod(name, period);
      for (const m of MEASURES) near(c.rows.filter((r) => r.period === period).reduce((t, r) => t + r[side][m], 0), want[m], `${name} ${period} total ${m}`);
    }
  }
  for (const r of c.rows) for (const m of MEASURES) near(r.difference[m], r.b[m] - r.a[m], `difference ${r.period} ${r.key} ${m}`);
}

describe("aws compare-exports", () => {
  test("import the commitments bill (six exports)", async () => {
    writeFileSync(
      cfg,
      `[database]\npath = "${db}"\n` +
        truth.exports
          .map((e) => `[[aws.exports]]\nname = "${e.name}"\nbucket = "${COMMITMENTS_BUCKET}"\nprefix = "${e.prefix}"\ncur_version = "${e.flavour === "legacy" ? "v1" : "v2"}"\n`)
          .join("\n"),
    );
    const r = await runInProcess(["aws", "import-cur", "--all", "-c", cfg, "--json"], { env: cleanEnv(server.s3.env), cwd: work });
    expect(r.stderr).not.toContain("[error]");
    expect(r.exitCode).toBe(0);
  });

  test("the same bill with the same columns: no difference, exit 0, every total as the truth (cur2-parquet vs cur2-csv, vs cur-parquet)", async () => {
    for (const b of ["commitments-cur2-csv", "commitments-cur-parquet"]) {
      const { r, c } = await compareJson(["commitments-cur2-parquet", b]);
      expect(r.exitCode).toBe(0);
      expect(c).toMatchObject({ a: "commitments-cur2-parquet", b, by: "service", tolerance: 0.01, currency: "USD", periods: ["2025-08", "2025-09"], onlyA: [], onlyB: [], differences: 0 });
      expect(Object.keys(c)).toEqual(["a", "b", "by", "tolerance", "currency", "periods", "onlyA", "onlyB", "rows", "differences"]);
      expect(c.rows.length).toBe(8); // 4 services × 2 periods
      expect(c.rows.some((x) => x.exceeds)).toBe(false);
      for (const x of c.rows) for (const m of MEASURES) expect(Math.abs(x.difference[m])).toBeLessThan(1e-9);
      checkAgainstTruth(c);
      expect(r.stderr).toContain("0 of 8 rows differ by more than 0.01 USD");
    }
  });

  test("legacy CSV vs CUR 2.0: everything agrees but net amortized in 2025-08, where the CSV has no net columns; exit 1 naming those rows", async () => {
    expect(exportNamed("commitments-cur-csv").periods["2025-08"]!.hasNetColumns).toBe(false);
    const { r, c } = await compareJson(["commitments-cur-csv", "commitments-cur2-parquet"]);
    checkAgainstTruth(c);
    const wantA = expectedRows("commitments-cur-csv", "service");
    const wantB = expectedRows("commitments-cur2-parquet", "service");
    const expectedExceeding = [...wantA.keys()].filter((k) => MEASURES.some((m) => Math.abs(wantB.get(k)![m] - wantA.get(k)![m]) > 0.01));
    expect(expectedExceeding.length).toBeGreaterThan(0);
    expect(c.rows.filter((x) => x.exceeds).map((x) => JSON.stringify([x.period, x.key]))).toEqual(expectedExceeding.sort());
    for (const x of c.rows.filter((x) => x.exceeds)) {
      expect(x.period).toBe("2025-08");
      for (const m of ["unblended", "netUnblended", "amortized"] as const) expect(Math.abs(x.difference[m])).toBeLessThan(1e-9);
    }
    expect(r.exitCode).toBe(1);
    expect(c.differences).toBe(expectedExceeding.length);
    expect(r.stderr).toContain(`${expectedExceeding.length} of 8 rows differ by more than 0.01 USD (net amortized)`);
  });

  test("CUR 2.0 vs FOCUS: unblended, net unblended and net amortized agree; amortized differs as the truth says (FOCUS EffectiveCost is after discounts); exit 1", async () => {
    for (const a of ["commitments-cur2-parquet", "commitments-cur-csv"]) {
      const { r, c } = await compareJson([a, "commitments-focus"]);
      checkAgainstTruth(c);
      expect(r.exitCode).toBe(1);
      for (const x of c.rows) {
        for (const m of ["unblended", "netUnblended"] as const) expect(Math.abs(x.difference[m])).toBeLessThan(1e-9);
        if (exportNamed(a).periods[x.period]!.hasNetColumns) expect(Math.abs(x.difference.netAmortized)).toBeLessThan(1e-9);
      }
      expect(c.rows.filter((x) => Math.abs(x.difference.amortized) > 0.01).length).toBeGreaterThan(0);
    }
  });

  test("--by account: per usage account, as the truth", async () => {
    const { r, c } = await compareJson(["commitments-cur2-parquet", "commitments-cur2-csv", "--by", "account"]);
    expect(r.exitCode).toBe(0);
    expect(c.by).toBe("account");
    expect([...new Set(c.rows.map((x) => x.key))].sort()).toEqual([truth.billingAccountId, ...truth.subAccounts].sort());
    expect(c.differences).toBe(0);
    checkAgainstTruth(c);
    const table = await compare(["commitments-cur2-parquet", "commitments-cur2-csv", "--by", "account"]);
    expect(table.stdout.split("\n")[1]).toContain("account");
  });

  test("the table: four lines per period and service, 2 decimals with thousands separators; stdout data only, the summary on stderr", async () => {
    const r = await compare(["commitments-cur2-parquet", "commitments-cur2-csv"]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/period.*service.*measure.*commitments-cur2-parquet.*commitments-cur2-csv.*difference/);
    expect(lines.length).toBe(3 + 8 * 4 + 1); // top rule, head, rule, 4 measures × 8 rows, bottom rule
    const sp = lines.find((l) => l.includes("2025-08") && l.includes("Savings Plans for AWS Compute usage") && / unblended /.test(l) && !l.includes("net"))!;
    const want = expectedRows("commitments-cur2-parquet", "service").get(JSON.stringify(["2025-08", "Savings Plans for AWS Compute usage"]))!.unblended;
    expect(want).toBeGreaterThan(1000);
    expect(sp).toContain(new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(want));
    expect(r.stdout).not.toContain("rows differ");
    expect(r.stderr).toContain("0 of 8 rows differ by more than 0.01 USD");
  });

  test("--csv: one header, flat columns, full precision", async () => {
    const r = await compare(["commitments-cur-csv", "commitments-cur2-parquet", "--csv"]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "period,service,a_unblended,a_net_unblended,a_amortized,a_net_amortized,b_unblended,b_net_unblended,b_amortized,b_net_amortized," +
        "difference_unblended,difference_net_unblended,difference_amortized,difference_net_amortized,exceeds",
    );
    const { c } = await compareJson(["commitments-cur-csv", "commitments-cur2-parquet"]);
    expect(lines.length).toBe(1 + c.rows.length);
    const first = lines[1]!.split(",");
    expect(first[0]).toBe(c.rows[0]!.period);
    expect(Number(first[2])).toBe(c.rows[0]!.a.unblended);
    expect(first[14]).toBe(String(c.rows[0]!.exceeds));
  });

  test("periods only one export holds are listed (stderr, onlyA/onlyB) and not compared", async () => {
    const { r, c } = await compareJson(["commitments-cur2-parquet", "no-commitments"]);
    expect(c.periods).toEqual(["2025-08"]);
    expect(c.onlyA).toEqual(["2025-09"]);
    expect(c.onlyB).toEqual([]);
    expect(c.rows.every((x) => x.period === "2025-08")).toBe(true);
    expect(r.stderr).toContain("2025-09: only in commitments-cur2-parquet (not compared)");
    expect(r.exitCode).toBe(1); // the member account's report is not the payer's bill
    const swapped = await compareJson(["no-commitments", "commitments-cur2-parquet"]);
    expect(swapped.c.onlyB).toEqual(["2025-09"]);
    expect(swapped.c.onlyA).toEqual([]);
  });

  test("a difference planted in one raw table: exit 1, the JSON names 2025-09 and the service, difference 5.00; --tolerance 5 accepts it", async () => {
    const planted = join(work, "planted.duckdb");
    copyFileSync(db, planted);
    if (existsSync(`${db}.wal`)) copyFileSync(`${db}.wal`, `${planted}.wal`);
    const line = truth.lines.find((l) => l.period === "2025-09" && l.lineItemType === "Usage" && l.serviceName === "Amazon Simple Storage Service")!;
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(planted);
    const con = await instance.connect();
    try {
      const u = await con.run(
        `UPDATE aws_billing."commitments_cur2_parquet_2025_09" SET line_item_unblended_cost = line_item_unblended_cost + 5.00 WHERE identity_line_item_id = $1`,
        [line.id],
      );
      expect(Number(u.rowsChanged)).toBe(1);
    } finally {
      con.closeSync();
      instance.closeSync();
    }

    const { r, c } = await compareJson(["commitments-cur2-csv", "commitments-cur2-parquet"], planted);
    expect(r.exitCode).toBe(1);
    expect(c.differences).toBe(1);
    const over = c.rows.filter((x) => x.exceeds);
    expect(over.map((x) => [x.period, x.key])).toEqual([["2025-09", "Amazon Simple Storage Service"]]);
    // a Usage line: its amortized cost is its unblended cost; the net columns were not touched
    near(over[0]!.difference.unblended, 5, "difference unblended");
    near(over[0]!.difference.amortized, 5, "difference amortized");
    near(over[0]!.difference.netUnblended, 0, "difference net unblended");
    near(over[0]!.difference.netAmortized, 0, "difference net amortized");
    expect(r.stderr).toContain("1 of 8 rows differ by more than 0.01 USD (unblended, amortized)");

    const table = await compare(["commitments-cur2-csv", "commitments-cur2-parquet"], planted);
    expect(table.exitCode).toBe(1);
    const marked = table.stdout.split("\n").filter((l) => l.includes("*"));
    expect(marked.length).toBe(2);
    for (const l of marked) expect(l).toMatch(/2025-09.*Amazon Simple Storage Service.*(unblended|amortized).*5\.00/);

    expect((await compare(["commitments-cur2-csv", "commitments-cur2-parquet", "--tolerance", "5"], planted)).exitCode).toBe(0);
    expect((await compare(["commitments-cur2-csv", "commitments-cur2-parquet", "--tolerance", "4.99"], planted)).exitCode).toBe(1);
  });

  test("an unknown export name: exit 2, one line naming the known exports, nothing on stdout", async () => {
    const r = await compare(["commitments-cur-csv", "no-such-export"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    const first = r.stderr.split("\n")[0]!;
    expect(first).toContain('unknown export "no-such-export"');
    for (const e of truth.exports) expect(first).toContain(e.name);
  });

  test("usage errors exit 2; --help shows examples", async () => {
    expect((await compare(["commitments-cur-csv", "commitments-focus", "--by", "region"])).exitCode).toBe(2);
    expect((await compare(["commitments-cur-csv", "commitments-focus", "--tolerance", "-1"])).exitCode).toBe(2);
    expect((await compare(["commitments-cur-csv", "commitments-focus", "--csv", "--json"])).exitCode).toBe(2);
    const help = await runInProcess(["aws", "compare-exports", "--help"], { env: cleanEnv(), cwd: work });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("compare-exports");
    expect(help.stdout).toContain("--tolerance");
    expect(help.stdout).toContain("Examples");
  });
});
