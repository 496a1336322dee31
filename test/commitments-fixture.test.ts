/**
 * The commitments bill (scripts/fixtures/commitments.ts): one small AWS bill with an EDP discount, a Savings Plan,
 * Reserved Instances, credits, refunds and tax, as legacy CUR (CSV gzip, Parquet), CUR 2.0 (Parquet, CSV gzip), FOCUS 1.2
 * and a member-account report without commitment columns. Its truth (computed from the line-item model) against DuckDB
 * reading the generated files on its own — rows, unblended cost, and billed / amortized / list sums by the CUR query
 * library's rules written again in SQL — and aws import-cur of every export from the local S3 server.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  athenaName,
  COMMITMENTS_BUCKET,
  COMMITMENTS_EXPORTS,
  COMMITMENTS_TRUTH_FILE,
  generateCommitmentsBill,
  NO_COMMITMENTS_PERIOD,
  type CommitmentsExportTruth,
  type CommitmentsPeriodTruth,
} from "../scripts/gen-fixtures.ts";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { duckdbAlone, periodTotals, query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { tableName } from "./helpers/truth.ts";

const scratch = mkdtempSync(join(tmpdir(), "finops-commitments-"));
const treeDir = join(scratch, "tree");
const truth = await generateCommitmentsBill(treeDir);

const server = useFixtureS3({ trees: [treeDir] });

const objectPath = (key: string) => join(treeDir, COMMITMENTS_BUCKET, ...key.split("/"));
const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;
const exportOf = (key: keyof typeof COMMITMENTS_EXPORTS): CommitmentsExportTruth => truth.exports.find((e) => e.key === key)!;
const dec = (e: string) => `CAST(${e} AS DECIMAL(38,10))`;

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** A minimal CSV parser for the generated files (quoted fields, doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  return rows;
}

/**
 * The billed, effective, net amortized and list sums, written again in SQL over a file's columns (`col` maps a legacy
 * header to the file's column expression, or null when the file has no such column): the rules of the CUR query
 * library / Cloud Intelligence Dashboards' amortized cost, independent of the generator's TypeScript.
 */
function measuresSql(col: (legacyHeader: string) => string | null, hasNet: boolean, hasCommitments: boolean): string {
  const c = (h: string) => {
    const e = col(h);
    // a report without commitment columns has no line those branches apply to
    if (e === null && !hasCommitments && /^(reservation|savingsPlan)\//.test(h)) return "CAST(NULL AS DECIMAL(38,10))";
    if (e === null) throw new Error(`no column for ${h}`);
    return dec(e);
  };
  const n = (net: string, gross: string) => (hasNet ? c(net) : c(gross));
  const type = col("lineItem/LineItemType")!;
  const riArn = col("reservation/ReservationARN") ?? "NULL";
  const spArn = col("savingsPlan/SavingsPlanARN") ?? "NULL";
  const amortized = (net: boolean) => {
    const unblended = net ? n("lineItem/NetUnblendedCost", "lineItem/UnblendedCost") : c("lineItem/UnblendedCost");
    const pick = (g: string, x: string) => (net ? n(x, g) : c(g));
    return `CASE ${type}
      WHEN 'SavingsPlanCoveredUsage' THEN ${pick("savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/NetSavingsPlanEffectiveCost")}
      WHEN 'SavingsPlanRecurringFee' THEN ${c("savingsPlan/TotalCommitmentToDate")} - ${c("savingsPlan/UsedCommitment")}
      WHEN 'SavingsPlanNegation' THEN 0
      WHEN 'SavingsPlanUpfrontFee' THEN 0
      WHEN 'DiscountedUsage' THEN ${pick("reservation/EffectiveCost", "reservation/NetEffectiveCost")}
      WHEN 'RIFee' THEN ${pick("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod")}
                      + ${pick("reservation/UnusedRecurringFee", "reservation/NetUnusedRecurringFee")}
      WHEN 'Fee' THEN CASE WHEN coalesce(${riArn}, '') <> '' THEN 0 ELSE ${unblended} END
      WHEN 'Refund' THEN CASE WHEN coalesce(${spArn}, '') <> '' THEN 0 ELSE ${unblended} END
      ELSE ${unblended} END`;
  };
  return `count(*)::BIGINT AS rows,
    sum(${c("lineItem/UnblendedCost")})::VARCHAR AS unblended,
    sum(${hasNet ? c("lineItem/NetUnblendedCost") : c("lineItem/UnblendedCost")})::VARCHAR AS billed,
    sum(${amortized(false)})::VARCHAR AS effective,
    sum(${amortized(true)})::VARCHAR AS net_amortized,
    sum(coalesce(${c("pricing/publicOnDemandCost")}, 0))::VARCHAR AS list`;
}

interface Measured {
  rows: string;
  unblended: string;
  billed: string;
  effective: string;
  net_amortized: string;
  list: string;
}

function expectMeasures(got: Measured, p: CommitmentsPeriodTruth) {
  expect(Number(got.rows)).toBe(p.rows);
  expect(got.unblended).toBe(p.sums.unblended.exact);
  expect(got.billed).toBe(p.sums.billed.exact);
  expect(got.effective).toBe(p.sums.effective.exact);
  expect(got.net_amortized).toBe(p.sums.netAmortized.exact);
  expect(got.list).toBe(p.sums.list.exact);
}

/** A file list as a DuckDB list literal */
const fileList = (p: CommitmentsPeriodTruth) => `[${p.files.map((f) => sqlText(objectPath(f.key))).join(", ")}]`;

describe("generateCommitmentsBill", () => {
  test("writes the five exports and the member report in their S3 layouts, the truth beside them; the same bytes twice", async () => {
    const files = listTree(join(treeDir, COMMITMENTS_BUCKET));
    expect(JSON.parse(readFileSync(join(treeDir, COMMITMENTS_TRUTH_FILE), "utf8"))).toEqual(JSON.parse(JSON.stringify(truth)));
    expect(truth.exports.map((e): string => e.key).sort()).toEqual(Object.keys(COMMITMENTS_EXPORTS).sort());
    expect(truth.billingAccountId).toBe("111111111111");
    expect(truth.subAccounts).toHaveLength(2);
    // every data file and manifest the truth names exists, and nothing else is in the bucket
    const named = truth.exports.flatMap((e) => Object.values(e.periods).flatMap((p) => [p.manifestKey, ...(p.manifestCopyKey ? [p.manifestCopyKey] : []), ...p.files.map((f) => f.key)]));
    expect([...named].sort()).toEqual(files);
    // layouts: the period folder / partition spellings AWS uses
    const legacyCsv = exportOf("legacyCsv").periods["2025-08"]!;
    expect(legacyCsv.manifestKey).toBe("cur/commitments-cur-csv/20250801-20250901/commitments-cur-csv-Manifest.json");
    expect(legacyCsv.files.map((f) => f.key)).toEqual([1, 2].map((k) => `cur/commitments-cur-csv/20250801-20250901/20250903T053621Z/commitments-cur-csv-0000${k}.csv.gz`));
    expect(exportOf("legacyParquet").periods["2025-09"]!.files[0]!.key).toBe(
      "athena/commitments-cur-parquet/commitments-cur-parquet/year=2025/month=9/commitments-cur-parquet-00001.snappy.parquet",
    );
    expect(exportOf("cur2Parquet").periods["2025-08"]!.manifestKey).toBe("exports/commitments-cur2-parquet/metadata/BILLING_PERIOD=2025-08/commitments-cur2-parquet-Manifest.json");
    expect(exportOf("cur2Csv").periods["2025-08"]!.files[0]!.key).toMatch(
      /^exports\/commitments-cur2-csv\/data\/BILLING_PERIOD=2025-08\/2025-09-02T13:14:37\.728Z-[0-9a-f-]{36}\/commitments-cur2-csv-00001\.csv\.gz$/,
    );
    expect(exportOf("focus").periods["2025-09"]!.files[0]!.key).toBe("focus/commitments-focus/data/BILLING_PERIOD=2025-09/commitments-focus-00001.snappy.parquet");
    expect(Object.keys(exportOf("noCommitments").periods)).toEqual([NO_COMMITMENTS_PERIOD]);

    // manifests: a legacy one lists the CSV header exactly; a Data Exports one names every data file as an s3:// URI
    for (const e of truth.exports) {
      for (const p of Object.values(e.periods)) {
        const m = JSON.parse(readFileSync(objectPath(p.manifestKey), "utf8"));
        if (p.manifestCopyKey) expect(readFileSync(objectPath(p.manifestCopyKey), "utf8")).toBe(readFileSync(objectPath(p.manifestKey), "utf8"));
        if (e.flavour === "legacy") {
          expect(m.assemblyId).toBe(p.version);
          expect(m.reportKeys).toEqual(p.files.map((f) => f.key));
          expect(m.bucket).toBe(COMMITMENTS_BUCKET);
          expect(m.account).toBe(e.account);
          if (e.format === "csv") expect(m.columns.map((c: { category: string; name: string }) => `${c.category}/${c.name}`)).toEqual(p.columns);
        } else {
          expect(m.executionId).toBe(p.version);
          expect(m.dataFiles).toEqual(p.files.map((f) => `s3://${COMMITMENTS_BUCKET}/${f.key}`));
          expect(m.columns.map((c: { name: string }) => c.name)).toEqual(p.columns);
        }
      }
    }

    // the column sets the brief asks for: no net columns in the legacy CSV's first period, no commitment columns in
    // the member report; case twins in the legacy CSV; 60 FOCUS 1.2 columns
    const netCols = (cols: string[]) => cols.filter((c) => /\/Net|NetUnblended/.test(c));
    expect(netCols(legacyCsv.columns)).toEqual([]);
    expect(netCols(exportOf("legacyCsv").periods["2025-09"]!.columns)).toContain("lineItem/NetUnblendedCost");
    expect(netCols(exportOf("legacyCsv").periods["2025-09"]!.columns)).toContain("savingsPlan/NetSavingsPlanEffectiveCost");
    const member = exportOf("noCommitments").periods[NO_COMMITMENTS_PERIOD]!.columns;
    expect(member.filter((c) => c.startsWith("savingsPlan/") || c.startsWith("reservation/"))).toEqual([]);
    expect(member).toContain("lineItem/NetUnblendedCost");
    expect(legacyCsv.columns).toContain("resourceTags/user:Team");
    expect(legacyCsv.columns).toContain("resourceTags/user:team");
    expect(exportOf("focus").periods["2025-08"]!.columns).toHaveLength(60);

    // the same bill, the same bytes
    const again = join(scratch, "again");
    await generateCommitmentsBill(again);
    const files2 = listTree(join(again, COMMITMENTS_BUCKET));
    expect(files2).toEqual(files);
    for (const f of files) expect(readFileSync(join(again, COMMITMENTS_BUCKET, f)).equals(readFileSync(join(treeDir, COMMITMENTS_BUCKET, f)))).toBe(true);
    expect(readFileSync(join(again, COMMITMENTS_TRUTH_FILE), "utf8")).toBe(readFileSync(join(treeDir, COMMITMENTS_TRUTH_FILE), "utf8"));
  });

  test("the bill holds every line item type the brief asks for, in both periods, with the FOCUS rows AWS's export has", () => {
    for (const period of ["2025-08", "2025-09"]) {
      const types = exportOf("cur2Parquet").periods[period]!.lineItemTypes;
      for (const t of ["Usage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "DiscountedUsage", "RIFee", "Fee", "EdpDiscount", "Credit", "Refund", "Tax"]) {
        expect(types[t] ?? 0).toBeGreaterThan(0);
      }
      // FOCUS has no rows of its own for negations and EDP discounts: they are folded into the rows they adjust
      const focus = exportOf("focus").periods[period]!;
      expect(focus.lineItemTypes.SavingsPlanNegation).toBeUndefined();
      expect(focus.lineItemTypes.EdpDiscount).toBeUndefined();
      expect(focus.rows).toBe(exportOf("cur2Parquet").periods[period]!.rows - types.SavingsPlanNegation! - types.EdpDiscount!);
    }
    expect(truth.focusMerges.map((m) => m.lineItemType).sort()).toEqual(["EdpDiscount", "SavingsPlanNegation"]);
    // a Refund of a Savings Plan's one-time fee, and part of the plan's commitment unused
    const spRefund = truth.lines.filter((l) => l.lineItemType === "Refund" && l.productCode === "ComputeSavingsPlans");
    expect(spRefund).toHaveLength(1);
    expect(spRefund[0]!.effective.exact).toBe("0.0000000000");
    const unused = truth.lines.filter((l) => l.lineItemType === "SavingsPlanRecurringFee").map((l) => l.effective.rounded);
    expect(Math.min(...unused)).toBeGreaterThan(0);
    expect(Math.min(...unused)).toBeLessThan(12);
    // several regions, several days, three accounts
    expect(new Set(truth.lines.map((l) => l.regionId).filter(Boolean)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(truth.lines.map((l) => l.account))).toEqual(new Set(["111111111111", "222222222222", "333333333333"]));
    expect(truth.lines.length).toBeLessThan(400);
    // the case twins and the normalised tag keys
    expect(truth.tagKeys.Team).toEqual({ legacy: "resourceTags/user:Team", cur2: "user_team", focus: "Team" });
    expect(truth.tagKeys.team).toEqual({ legacy: "resourceTags/user:team", cur2: "user_team", focus: "team" });
    expect(truth.tagKeys.CostCenter!.cur2).toBe("user_cost_center");
    expect(truth.lines.some((l) => l.tags.team !== undefined)).toBe(true);
    expect(truth.lines.some((l) => l.tags.Team !== undefined)).toBe(true);
    expect(truth.lines.some((l) => l.tags.Team !== undefined && l.tags.team !== undefined)).toBe(false);
  });

  test("billed and the amortized and list sums do not depend on the flavour (but the first legacy CSV period, without net columns)", () => {
    for (const period of ["2025-08", "2025-09"]) {
      const ref = exportOf("cur2Parquet").periods[period]!;
      for (const e of truth.exports.filter((x) => x.key !== "noCommitments")) {
        const p = e.periods[period]!;
        expect(p.sums.billed).toEqual(ref.sums.billed);
        expect(p.sums.effective).toEqual(ref.sums.effective);
        expect(p.sums.list).toEqual(ref.sums.list);
        expect(p.sums.unblended).toEqual(ref.sums.unblended);
        if (p.hasNetColumns) {
          expect(p.sums.netAmortized).toEqual(ref.sums.netAmortized);
          expect(p.groups.map((g) => ({ ...g, rows: 0 }))).toEqual(ref.groups.map((g) => ({ ...g, rows: 0 })));
        }
      }
    }
    // without net columns, the net amortized sum falls back to the gross columns
    const noNet = exportOf("legacyCsv").periods["2025-08"]!;
    expect(noNet.hasNetColumns).toBe(false);
    expect(noNet.sums.netAmortized).toEqual(noNet.sums.effective);
    expect(noNet.sums.netAmortized).not.toEqual(exportOf("cur2Parquet").periods["2025-08"]!.sums.netAmortized);
  });

  test("DuckDB reading each legacy CUR and CUR 2.0 file on its own: rows, unblended cost and the billed / amortized / list sums of the truth", async () => {
    for (const e of truth.exports.filter((x) => x.flavour !== "focus")) {
      for (const [period, p] of Object.entries(e.periods)) {
        let from: string;
        let col: (h: string) => string | null;
        if (e.format === "csv") {
          from = `read_csv(${fileList(p)}, header = true, all_varchar = true)`;
          const names = new Set(p.columns);
          col = (h) => {
            const name = e.flavour === "legacy" ? h : athenaName(h);
            return names.has(name) ? `"${name}"` : null;
          };
        } else {
          from = `read_parquet(${fileList(p)})`;
          const names = new Set(p.columns);
          col = (h) => (names.has(athenaName(h)) ? `"${athenaName(h)}"` : null);
        }
        const [got] = await duckdbAlone<Measured>(`SELECT ${measuresSql(col, p.hasNetColumns, p.hasCommitmentColumns)} FROM ${from}`);
        expectMeasures(got!, p);
        // each file's own row count
        for (const f of p.files) {
          const read = e.format === "csv" ? `read_csv(${sqlText(objectPath(f.key))}, header = true, all_varchar = true)` : `read_parquet(${sqlText(objectPath(f.key))})`;
          const [n] = await duckdbAlone<{ n: string }>(`SELECT count(*)::BIGINT AS n FROM ${read}`);
          expect(Number(n!.n)).toBe(f.rows);
        }
        expect(`${e.name} ${period} ${p.files.reduce((a, f) => a + f.rows, 0)}`).toBe(`${e.name} ${period} ${p.rows}`);
      }
    }
  });

  test("DuckDB reading the FOCUS files: rows, BilledCost / EffectiveCost / ListCost, and the grouped sums of the truth", async () => {
    const e = exportOf("focus");
    for (const p of Object.values(e.periods)) {
      const from = `read_parquet(${fileList(p)})`;
      const [got] = await duckdbAlone<{ rows: string; billed: string; net: string; list: string; contracted: string }>(
        `SELECT count(*)::BIGINT AS rows, sum(${dec("BilledCost")})::VARCHAR AS billed, sum(${dec("EffectiveCost")})::VARCHAR AS net,
                sum(${dec("ListCost")})::VARCHAR AS list, sum(${dec("ContractedCost")})::VARCHAR AS contracted FROM ${from}`,
      );
      expect(Number(got!.rows)).toBe(p.rows);
      expect(got!.billed).toBe(p.sums.billed.exact);
      expect(got!.net).toBe(p.sums.netAmortized.exact);
      expect(got!.list).toBe(p.sums.list.exact);
      expect(got!.contracted).toBe(p.contracted!.exact);
      const groups = await duckdbAlone<{ cc: string; sn: string; sa: string; r: string | null; d: string; n: string; b: string; e: string; l: string }>(
        `SELECT ChargeCategory AS cc, ServiceName AS sn, SubAccountId AS sa, RegionId AS r, strftime(ChargePeriodStart, '%Y-%m-%d') AS d,
                count(*)::BIGINT AS n, sum(${dec("BilledCost")})::VARCHAR AS b, sum(${dec("EffectiveCost")})::VARCHAR AS e, sum(${dec("ListCost")})::VARCHAR AS l
         FROM ${from} GROUP BY ALL`,
      );
      const key = (cc: string, sn: string, sa: string, r: string | null, d: string) => JSON.stringify([cc, sn, sa, r, d]);
      const fromFile = new Map(groups.map((g) => [key(g.cc, g.sn, g.sa, g.r, g.d), g]));
      expect(fromFile.size).toBe(p.groups.length);
      for (const g of p.groups) {
        const f = fromFile.get(key(g.chargeCategory, g.serviceName, g.subAccountId, g.regionId, g.day));
        expect(f).toBeDefined();
        expect([Number(f!.n), f!.b, f!.e, f!.l]).toEqual([g.rows, g.billed.exact, g.netAmortized.exact, g.list.exact]);
      }
      // the FOCUS values AWS uses
      const cats = await duckdbAlone<{ c: string }>(`SELECT DISTINCT ChargeCategory AS c FROM ${from} ORDER BY 1`);
      expect(cats.map((c) => c.c)).toEqual(["Adjustment", "Credit", "Purchase", "Tax", "Usage"]);
      const [covered] = await duckdbAlone<{ b: string; n: string }>(
        `SELECT sum(${dec("BilledCost")})::VARCHAR AS b, count(*)::BIGINT AS n FROM ${from} WHERE CommitmentDiscountStatus = 'Used'`,
      );
      expect(covered!.b).toBe("0.0000000000"); // covered usage is billed through the commitment's purchases
      expect(Number(covered!.n)).toBeGreaterThan(0);
    }
  });

  test("tags: the legacy columns (case twins apart), CUR 2.0's resource_tags and FOCUS's Tags carry each line's tags", async () => {
    const linesById = new Map(truth.lines.map((l) => [l.id, l]));
    const toFlavour = (tags: Record<string, string>, f: "legacy" | "cur2" | "focus") => Object.fromEntries(Object.entries(tags).map(([k, v]) => [truth.tagKeys[k]![f], v]));
    // legacy CSV, parsed here (DuckDB would rename one of the two case twins)
    for (const p of Object.values(exportOf("legacyCsv").periods)) {
      for (const f of p.files) {
        const [header, ...rows] = parseCsv(gunzipSync(readFileSync(objectPath(f.key))).toString("utf8"));
        expect(header).toEqual(p.columns);
        const tagCols = header!.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith("resourceTags/"));
        for (const r of rows) {
          const line = linesById.get(r[0]!)!;
          const got = Object.fromEntries(tagCols.filter(([, i]) => r[i] !== "").map(([h, i]) => [h, r[i]!]));
          expect(got).toEqual(toFlavour(line.tags, "legacy"));
        }
      }
    }
    // CUR 2.0 Parquet: the resource_tags map of every line
    for (const p of Object.values(exportOf("cur2Parquet").periods)) {
      const rows = await duckdbAlone<{ id: string; tags: string }>(`SELECT identity_line_item_id AS id, to_json(resource_tags)::VARCHAR AS tags FROM read_parquet(${fileList(p)})`);
      expect(rows).toHaveLength(p.rows);
      for (const r of rows) expect(JSON.parse(r.tags)).toEqual(toFlavour(linesById.get(r.id)!.tags, "cur2"));
    }
    // FOCUS: the Tags of every row (FOCUS rows have no line item id: compare the multisets)
    for (const [period, p] of Object.entries(exportOf("focus").periods)) {
      const rows = await duckdbAlone<{ tags: string }>(`SELECT to_json(Tags)::VARCHAR AS tags FROM read_parquet(${fileList(p)})`);
      const canon = (t: Record<string, string>) => JSON.stringify(Object.entries(t).sort());
      const want = truth.lines.filter((l) => l.period === period && l.focusRow === l.id).map((l) => canon(l.tags)).sort();
      expect(rows.map((r) => canon(JSON.parse(r.tags))).sort()).toEqual(want);
    }
  });
});

describe("aws import-cur of the commitments bill", () => {
  const costColumn = (e: CommitmentsExportTruth) =>
    e.flavour === "focus" ? "BilledCost" : e.flavour === "legacy" && e.format === "csv" ? "lineItem_UnblendedCost" : "line_item_unblended_cost";

  for (const key of Object.keys(COMMITMENTS_EXPORTS) as (keyof typeof COMMITMENTS_EXPORTS)[]) {
    test(`${key} (${COMMITMENTS_EXPORTS[key].name}) imports every period: exit 0, the truth's rows and version, its cost`, async () => {
      const e = exportOf(key);
      const cwd = mkdtempSync(join(scratch, "work-"));
      const db = join(cwd, "billing.duckdb");
      const r = await runInProcess(["aws", "import-cur", "-b", e.bucket, "-p", e.prefix, "-e", e.name, "-d", db, "--json"], { env: cleanEnv(server.s3.env), cwd });
      expect(r.stderr).not.toContain("[error]");
      expect(r.stderr).not.toContain("[warn]");
      expect(r.exitCode).toBe(0);
      const periods = JSON.parse(r.stdout).periods as { period: string; outcome: string; rows: number; version: string }[];
      expect(periods.map((p) => [p.period, p.outcome, p.rows, p.version])).toEqual(Object.entries(e.periods).map(([period, p]) => [period, "imported", p.rows, p.version]));
      const totals = await periodTotals(db, tableName(e.name), costColumn(e));
      expect(Object.keys(totals).sort()).toEqual(Object.keys(e.periods).sort());
      for (const [period, p] of Object.entries(e.periods)) {
        expect(totals[period]!.rows).toBe(p.rows);
        const want = e.flavour === "focus" ? p.sums.billed : p.sums.unblended;
        expect(Math.abs(totals[period]!.cost - want.rounded)).toBeLessThan(1e-6);
      }
      // the flavour the importer recognised
      expect(await query(db, "SELECT flavour FROM finops.exports WHERE name = $1", [e.name])).toEqual([{ flavour: e.flavour }]);
    });
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));
