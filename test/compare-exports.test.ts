/**
 * `finops aws compare-exports A B` on the commitments bill (scripts/fixtures/commitments.ts: one bill written as
 * legacy CSV and Parquet, CUR 2.0 Parquet and CSV, FOCUS 1.2, and a member account's report), imported from the local
 * S3 server into one database. Every expected total is computed from the generator's truth (commitments-truth.json:
 * its line items and per-period sums, exact decimals), never from finops' SQL.
 *
 * What the truth says the comparison must find: the same bill compares clean in every flavour, on the measures both
 * exports carry. The legacy CSV's 2025-08 has no net columns, so it carries no net unblended or net amortized cost that
 * month; a FOCUS export's EffectiveCost is AWS's own, after discounts (the truth's column for the net amortized cost),
 * so it carries no gross amortized cost. Those measures are not compared (null), exactly where the truth says the
 * columns are absent. A difference planted in one raw table is named by period, service and amount, with exit 1.
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
type Measures = Record<MeasureName, number | null>;
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
 * Whether the truth says an export's period has a column for the measure: the net measures need the period's net
 * columns; the (gross) amortized cost is absent where the export's EffectiveCost is the net amortized cost (FOCUS).
 */
function carries(exportName: string, period: string, m: MeasureName): boolean {
  const e = exportNamed(exportName);
  if (m === "netUnblended" || m === "netAmortized") return e.periods[period]!.hasNetColumns;
  if (m === "amortized") return e.columnsFor.netAmortized !== "EffectiveCost";
  return true;
}

const withAbsences = (exportName: string, period: string, v: Record<MeasureName, number>): Measures =>
  Object.fromEntries(MEASURES.map((m) => [m, carries(exportName, period, m) ? v[m] : null])) as Measures;

/**
 * An export's totals per (period, key), from the truth's line items, by the cost model's documented reading of each
 * flavour (README "The cost model"): a CUR period without net columns carries no net measures (null); a FOCUS row
 * holds the line items folded into it (its key is the row's own line's), has no unblended column (it reads as
 * BilledCost, the net unblended cost) and its EffectiveCost is the net amortized cost (no gross amortized: null).
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
  return new Map(
    [...sums].map(([k, s]) => [k, withAbsences(exportName, JSON.parse(k)[0], Object.fromEntries(MEASURES.map((m) => [m, Number(decText(s[m]))])) as Record<MeasureName, number>)]),
  );
}

/** An export's totals per period, from the truth's per-period sums. */
function expectedPeriod(exportName: string, period: string): Measures {
  const e = exportNamed(exportName);
  const s = e.periods[period]!.sums;
  return withAbsences(exportName, period, {
    unblended: e.columnsFor.unblended === null ? s.billed.rounded : s.unblended.rounded,
    netUnblended: s.billed.rounded,
    amortized: s.effective.rounded,
    netAmortized: s.netAmortized.rounded,
  });
}

const near = (got: number | null, want: number | null, what: string) => {
  if (got === null || want === null ? got !== want : Math.abs(got - want) >= 1e-6) throw new Error(`${what}: got ${got}, want ${want}`);
};

function compare(args: string[], database = db): Promise<RunResult> {
  return runInProcess(["aws", "compare-exports", "-d", database, ...args], { env: cleanEnv(), cwd: work });
}

async function compareJson(args: string[], database = db): Promise<{ r: RunResult; c: Comparison }> {
  const r = await compare([...args, "--json"], database);
  return { r, c: JSON.parse(r.stdout) as Comparison };
}

/**
 * Both sides of every row as the truth has them (null where the truth says the export lacks the columns), each period's
 * rows adding up to the truth's period sums, the difference B − A where both carry the measure (else null), and a
 * row exceeding only on a compared measure.
 */
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
      for (const m of MEASURES) {
        const values = c.rows.filter((r) => r.period === period).map((r) => r[side][m]);
        near(values.includes(null) ? null : values.reduce<number>((t, v) => t + v!, 0), want[m], `${name} ${period} total ${m}`);
      }
    }
  }
  for (const r of c.rows) {
    for (const m of MEASURES) near(r.difference[m], r.a[m] === null || r.b[m] === null ? null : r.b[m]! - r.a[m]!, `difference ${r.period} ${r.key} ${m}`);
    expect(r.exceeds).toBe(MEASURES.some((m) => r.difference[m] !== null && Math.abs(r.difference[m]!) > c.tolerance));
  }
}

/** The stderr lines the truth calls for: one per export and compared period that lacks measures. */
function expectedUncomparedLines(c: Comparison): string[] {
  const lines: string[] = [];
  for (const period of c.periods) {
    for (const name of [c.a, c.b]) {
      if (!carries(name, period, "amortized")) lines.push(`${name} ${period} is a FOCUS export, whose EffectiveCost is net amortized (after discounts): amortized not compared`);
      if (!carries(name, period, "netUnblended")) lines.push(`${name} ${period} has no net cost columns: net unblended and net amortized not compared`);
    }
  }
  return lines;
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
      for (const x of c.rows) for (const m of MEASURES) expect(Math.abs(x.difference[m]!)).toBeLessThan(1e-9);
      for (const x of c.rows) for (const m of MEASURES) expect(x.difference[m]).not.toBeNull(); // both carry every measure
      checkAgainstTruth(c);
      expect(r.stderr).toContain("0 of 8 rows differ by more than 0.01 USD");
    }
  });

  test("the same bill across flavours and columns: exit 0, no row exceeding, the compared measures as the truth, the uncompared null where the truth says the columns are absent", async () => {
    expect(exportNamed("commitments-cur-csv").periods["2025-08"]!.hasNetColumns).toBe(false);
    expect(exportNamed("commitments-focus").columnsFor.netAmortized).toBe("EffectiveCost");
    const pairs: [string, string, boolean][] = [
      ["commitments-cur-csv", "commitments-cur2-parquet", true],
      ["commitments-cur2-parquet", "commitments-focus", true],
      ["commitments-cur-csv", "commitments-focus", true],
      ["commitments-cur-parquet", "commitments-cur2-csv", false],
    ];
    for (const [a, b, absences] of pairs) {
      const { r, c } = await compareJson([a, b]);
      expect(r.exitCode).toBe(0);
      expect(c).toMatchObject({ a, b, by: "service", currency: "USD", periods: ["2025-08", "2025-09"], onlyA: [], onlyB: [], differences: 0 });
      expect(c.rows.some((x) => x.exceeds)).toBe(false);
      checkAgainstTruth(c);
      for (const x of c.rows) for (const m of MEASURES) if (x.difference[m] !== null) expect(Math.abs(x.difference[m]!)).toBeLessThan(1e-9);
      expect(c.rows.some((x) => MEASURES.some((m) => x.difference[m] === null))).toBe(absences);
      // unblended is carried by every export: always compared
      for (const x of c.rows) expect(x.difference.unblended).not.toBeNull();
      const said = r.stderr.split("\n").filter((l) => l.includes("not compared") && !l.includes("only in"));
      const want = expectedUncomparedLines(c);
      expect(said.length).toBe(want.length);
      for (const line of want) expect(r.stderr).toContain(line);
      expect(r.stderr).toContain(`0 of ${c.rows.length} rows differ by more than 0.01 USD`);
    }
  });

  test("legacy CSV 2025-08 (no net columns) vs CUR 2.0: net unblended and net amortized null on the CSV's side and in the difference; the rest compared", async () => {
    const { r, c } = await compareJson(["commitments-cur-csv", "commitments-cur2-parquet"]);
    expect(r.exitCode).toBe(0);
    for (const x of c.rows) {
      const lacking = x.period === "2025-08";
      for (const m of ["netUnblended", "netAmortized"] as const) {
        expect(x.a[m] === null).toBe(lacking);
        expect(x.difference[m] === null).toBe(lacking);
        expect(x.b[m]).not.toBeNull();
      }
      for (const m of ["unblended", "amortized"] as const) expect(x.difference[m]).not.toBeNull();
    }
    expect(r.stderr).toContain("commitments-cur-csv 2025-08 has no net cost columns: net unblended and net amortized not compared");
    expect(r.stderr).not.toContain("commitments-cur-csv 2025-09 has no net cost columns");
  });

  test("CUR 2.0 vs FOCUS: amortized not compared (FOCUS EffectiveCost is after discounts, which the truth shows differs from the gross amortized cost); FOCUS EffectiveCost compared as net amortized; the table says n/a", async () => {
    const { r, c } = await compareJson(["commitments-cur2-parquet", "commitments-focus"]);
    expect(r.exitCode).toBe(0);
    for (const x of c.rows) {
      expect(x.b.amortized).toBeNull();
      expect(x.difference.amortized).toBeNull();
      expect(x.a.amortized).not.toBeNull();
      for (const m of ["unblended", "netUnblended", "netAmortized"] as const) expect(Math.abs(x.difference[m]!)).toBeLessThan(1e-9);
    }
    // why amortized is not compared: the CUR's gross amortized cost is not FOCUS's EffectiveCost
    expect(c.rows.filter((x) => Math.abs(x.a.amortized! - x.b.netAmortized!) > 0.01).length).toBeGreaterThan(0);
    expect(r.stderr).toContain("commitments-focus 2025-08 is a FOCUS export, whose EffectiveCost is net amortized (after discounts): amortized not compared");
    expect(r.stderr).toContain("commitments-focus 2025-09 is a FOCUS export, whose EffectiveCost is net amortized (after discounts): amortized not compared");

    const table = await compare(["commitments-cur2-parquet", "commitments-focus"]);
    expect(table.exitCode).toBe(0);
    const amortized = table.stdout.split("\n").filter((l) => / amortized /.test(l) && !l.includes("net amortized"));
    expect(amortized.length).toBe(c.rows.length);
    for (const l of amortized) {
      expect(l).toMatch(/\d\.\d\d +│? *n\/a +│? *n\/a/);
      expect(l).not.toContain("*");
    }
    expect(table.stdout).not.toContain("*");
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
    const want = expectedRows("commitments-cur2-parquet", "service").get(JSON.stringify(["2025-08", "Savings Plans for AWS Compute usage"]))!.unblended!;
    expect(want).toBeGreaterThan(1000);
    expect(sp).toContain(new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(want));
    expect(r.stdout).not.toContain("rows differ");
    expect(r.stderr).toContain("0 of 8 rows differ by more than 0.01 USD");
  });

  test("--csv: one header, flat columns, full precision", async () => {
    const r = await compare(["commitments-cur-csv", "commitments-cur2-parquet", "--csv"]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "period,service,a_unblended,a_net_unblended,a_amortized,a_net_amortized,b_unblended,b_net_unblended,b_amortized,b_net_amortized," +
        "difference_unblended,difference_net_unblended,difference_amortized,difference_net_amortized,exceeds",
    );
    const { c } = await compareJson(["commitments-cur-csv", "commitments-cur2-parquet"]);
    expect(lines.length).toBe(1 + c.rows.length);
    const first = lines[1]!.split(",");
    expect(first[0]).toBe(c.rows[0]!.period);
    expect(Number(first[2])).toBe(c.rows[0]!.a.unblended!);
    expect(first[14]).toBe(String(c.rows[0]!.exceeds));
    // the CSV's 2025-08 carries no net measures: empty cells on its side and in the difference
    expect(c.rows[0]!.period).toBe("2025-08");
    for (const i of [3, 5, 11, 13]) expect(first[i]).toBe("");
    for (const i of [2, 4, 6, 7, 8, 9, 10, 12]) expect(first[i]).not.toBe("");
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
    expect(help.stdout).toContain("A measure one export does not carry for a period is not compared");
  });
});
