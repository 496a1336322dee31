/**
 * `npm run bench -- --focus` (scripts/bench.ts): what reading a period through the cost model costs. For each export
 * imported by the compiled binary (one big period), sum(EffectiveCost) by ServiceName and month through `focus.costs`,
 * and the same sum written against the raw period table — the amortized cost computed by hand from the raw columns
 * (AWS's line item rules, as src/model/focus.ts applies them, but written out here for the two flavours) — each timed
 * warm (one run discarded), median of `runs`, the two alternating. The two results must agree group by group.
 */
import { openDatabase } from "../src/store/duckdb.ts";

export interface FocusCase {
  label: string;
  flavour: "legacy" | "cur2";
  rows: number;
  /** A finops database holding the export's one period, imported with the binary's defaults. */
  database: string;
}

export interface FocusResult {
  case: string;
  rows: number;
  groups: number;
  viewMs: number;
  rawMs: number;
  ratio: number;
  viewTotal: number;
  rawTotal: number;
  agree: boolean;
  /** Set when --explain: EXPLAIN ANALYZE of both queries. */
  explain?: { view: string; raw: string };
}

/** The raw columns the hand-written query reads: CUR 2.0 name, legacy (CSV header with `/` → `_`) name. */
const RAW: Record<string, [string, string]> = {
  type: ["line_item_line_item_type", "lineItem_LineItemType"],
  unblended: ["line_item_unblended_cost", "lineItem_UnblendedCost"],
  spEffective: ["savings_plan_savings_plan_effective_cost", "savingsPlan_SavingsPlanEffectiveCost"],
  spTotal: ["savings_plan_total_commitment_to_date", "savingsPlan_TotalCommitmentToDate"],
  spUsed: ["savings_plan_used_commitment", "savingsPlan_UsedCommitment"],
  spArn: ["savings_plan_savings_plan_a_r_n", "savingsPlan_SavingsPlanARN"],
  riEffective: ["reservation_effective_cost", "reservation_EffectiveCost"],
  riUnusedUpfront: ["reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_UnusedAmortizedUpfrontFeeForBillingPeriod"],
  riUnusedRecurring: ["reservation_unused_recurring_fee", "reservation_UnusedRecurringFee"],
  riArn: ["reservation_reservation_a_r_n", "reservation_ReservationARN"],
  productName: ["product_product_name", "product_ProductName"],
  productCode: ["line_item_product_code", "lineItem_ProductCode"],
  start: ["line_item_usage_start_date", "lineItem_UsageStartDate"],
};

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** sum(amortized cost) by service and month, written against the period table's own columns. */
export function rawQuery(flavour: "legacy" | "cur2", table: string, columns: Map<string, string>): string {
  const col = (key: string, type?: "DOUBLE" | "TIMESTAMP") => {
    const name = RAW[key]![flavour === "legacy" ? 1 : 0];
    const t = columns.get(name);
    if (t === undefined) return type ? `CAST(NULL AS ${type})` : "CAST(NULL AS VARCHAR)";
    return type && t !== type ? `TRY_CAST(${q(name)} AS ${type})` : q(name);
  };
  const money = (key: string) => `COALESCE(${col(key, "DOUBLE")}, 0)`;
  const unblended = money("unblended");
  // CUR 2.0 keeps most product attributes in the `product` map (product_name among them).
  const productName = flavour === "cur2" && !columns.has("product_product_name") && columns.has("product") ? `${q("product")}['product_name']` : col("productName");
  const amortized = `CASE ${col("type")}
      WHEN 'SavingsPlanCoveredUsage' THEN ${money("spEffective")}
      WHEN 'SavingsPlanRecurringFee' THEN ${money("spTotal")} - ${money("spUsed")}
      WHEN 'SavingsPlanNegation' THEN 0
      WHEN 'SavingsPlanUpfrontFee' THEN 0
      WHEN 'DiscountedUsage' THEN ${money("riEffective")}
      WHEN 'RIFee' THEN ${money("riUnusedUpfront")} + ${money("riUnusedRecurring")}
      WHEN 'Fee' THEN CASE WHEN NULLIF(${col("riArn")}, '') IS NOT NULL THEN 0 ELSE ${unblended} END
      WHEN 'Refund' THEN CASE WHEN NULLIF(${col("spArn")}, '') IS NOT NULL THEN 0 ELSE ${unblended} END
      ELSE ${unblended} END`;
  return `SELECT COALESCE(NULLIF(${productName}, ''), ${col("productCode")}) AS service, date_trunc('month', ${col("start", "TIMESTAMP")}) AS month,
       sum(${amortized}) AS cost
FROM ${table} GROUP BY ALL`;
}

export const VIEW_QUERY = `SELECT ServiceName AS service, date_trunc('month', ChargePeriodStart) AS month, sum(EffectiveCost) AS cost
FROM focus.costs GROUP BY ALL`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type Groups = Map<string, number>;

export async function focusQueryBench(c: FocusCase, o: { runs: number; explain: boolean; log: (s: string) => void }): Promise<FocusResult> {
  const { instance, connection: con } = await openDatabase(c.database, { readOnly: true });
  try {
    const [period] = (await con.runAndReadAll("SELECT table_name FROM finops.periods")).getRows();
    const tableName = String(period![0]);
    const cols = await con.runAndReadAll("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'aws_billing' AND table_name = $1", [tableName]);
    const columns = new Map(cols.getRows().map(([n, t]) => [String(n), String(t)]));
    const raw = rawQuery(c.flavour, `aws_billing.${q(tableName)}`, columns);

    const run = async (sql: string): Promise<{ ms: number; groups: Groups }> => {
      const began = performance.now();
      const reader = await con.runAndReadAll(sql);
      const ms = performance.now() - began;
      const groups: Groups = new Map();
      for (const [service, month, cost] of reader.getRows()) groups.set(`${String(service)}|${String(month)}`, Number(cost));
      return { ms, groups };
    };
    // Warm: the first run of each reads the table into DuckDB's buffer pool; it is not counted.
    const view0 = await run(VIEW_QUERY);
    const raw0 = await run(raw);
    const viewMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const [first, second] = i % 2 === 0 ? [VIEW_QUERY, raw] : [raw, VIEW_QUERY];
      const a = await run(first);
      const b = await run(second);
      (first === VIEW_QUERY ? viewMs : rawMs).push(a.ms);
      (second === VIEW_QUERY ? viewMs : rawMs).push(b.ms);
    }

    const total = (g: Groups) => [...g.values()].reduce((s, v) => s + v, 0);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
    const agree = view0.groups.size === raw0.groups.size && [...view0.groups].every(([k, v]) => raw0.groups.has(k) && close(v, raw0.groups.get(k)!));
    const result: FocusResult = {
      case: c.label,
      rows: c.rows,
      groups: view0.groups.size,
      viewMs: +median(viewMs).toFixed(1),
      rawMs: +median(rawMs).toFixed(1),
      ratio: +(median(viewMs) / median(rawMs)).toFixed(2),
      viewTotal: +total(view0.groups).toFixed(6),
      rawTotal: +total(raw0.groups).toFixed(6),
      agree,
    };
    if (o.explain) {
      const plan = async (sql: string) =>
        (await con.runAndReadAll(`EXPLAIN ANALYZE ${sql}`)).getRows().map((r) => String(r[1])).join("\n");
      result.explain = { view: await plan(VIEW_QUERY), raw: await plan(raw) };
    }
    if (!agree) o.log(`${c.label}: the view and the raw query disagree (${view0.groups.size} vs ${raw0.groups.size} groups)`);
    return result;
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
