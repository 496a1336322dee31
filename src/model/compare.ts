/**
 * `finops aws compare-exports A B`: two exports' totals per billing period and service (or account), read from their
 * FOCUS views `focus."{table prefix}"`, for the periods both hold. The four measures are the views' columns:
 * unblended `x_UnblendedCost`, net unblended `x_NetUnblendedCost`, amortized `EffectiveCost`, net amortized
 * `x_NetAmortizedCost` — so the comparison says whether the two exports give the same numbers through the cost model.
 *
 * A measure an export does not carry for a period is not compared (an absence, not a difference): its value and the
 * difference are null, and `uncompared` says which and why. A FOCUS export carries no gross amortized cost (its
 * EffectiveCost is AWS's own, after discounts [AWS-F12 in focus.ts]: the view's x_NetAmortizedCost, compared with the
 * other's net amortized cost); a legacy or CUR 2.0 period without the net columns (`hasNetColumns` in focus.ts) carries
 * no net unblended or net amortized cost (the view reads them as the gross ones). See README "The cost model".
 *
 * Sums are exact: each value is summed as DECIMAL(38,10) (AWS writes at most 10 decimal places) and only the totals
 * and their differences become doubles.
 */
import { AppError, UsageError } from "../errors.ts";
import { ident, varcharList, type Connection } from "../store/duckdb.ts";
import type { Period } from "../store/naming.ts";
import { exportPeriodColumns, exportSummaries, focusExports, periodStates } from "../store/state.ts";
import { hasNetColumns } from "./focus.ts";
import { FOCUS_SCHEMA, focusView } from "./views.ts";

/** What a row's key is: the service (ServiceName) or the usage account (SubAccountId). */
export type CompareBy = "service" | "account";
export const COMPARE_BY: readonly CompareBy[] = ["service", "account"];

const KEY_COLUMN: Record<CompareBy, string> = { service: "ServiceName", account: "SubAccountId" };

/** One value per measure; null where the measure is not compared (an export does not carry it for the period). */
export interface Measures {
  unblended: number | null;
  netUnblended: number | null;
  amortized: number | null;
  netAmortized: number | null;
}

export type MeasureName = keyof Measures;

/** Why an export does not carry measures for a period. */
export type UncomparedReason =
  /** a FOCUS export: its EffectiveCost is after discounts (net amortized); there is no gross amortized cost */
  | "focus-effective-cost"
  /** a legacy or CUR 2.0 period without the net unblended cost column: its net measures would be the gross ones */
  | "no-net-columns";

/** Measures one export does not carry for one period: not compared in that period's rows. */
export interface Uncompared {
  export: string;
  period: Period;
  measures: MeasureName[];
  reason: UncomparedReason;
}

/** The measures, in order, with the FOCUS view column each is the sum of. */
export const MEASURES: { name: keyof Measures; column: string }[] = [
  { name: "unblended", column: "x_UnblendedCost" },
  { name: "netUnblended", column: "x_NetUnblendedCost" },
  { name: "amortized", column: "EffectiveCost" },
  { name: "netAmortized", column: "x_NetAmortizedCost" },
];

export interface CompareRow {
  period: Period;
  /** The service or account; null where the rows have none. */
  key: string | null;
  a: Measures;
  b: Measures;
  /** b − a */
  difference: Measures;
  /** Whether any compared measure's difference exceeds the tolerance (in absolute value). */
  exceeds: boolean;
}

export interface Comparison {
  a: string;
  b: string;
  by: CompareBy;
  tolerance: number;
  /** The bill's currency (BillingCurrency of the compared rows; several joined with "/"); null when no row was compared. */
  currency: string | null;
  /** The periods both exports hold (compared). */
  periods: Period[];
  /** Periods only A holds, only B holds (not compared). */
  onlyA: Period[];
  onlyB: Period[];
  rows: CompareRow[];
  /** How many rows exceed the tolerance. */
  differences: number;
  /** The measures each export does not carry in a compared period (A's before B's within a period), not compared. */
  uncompared: Uncompared[];
}

export interface CompareOptions {
  a: string;
  b: string;
  by: CompareBy;
  tolerance: number;
}

/** An export as the comparison reads it: its name, its FOCUS view, the periods it holds, what it lacks in which. */
interface Side {
  name: string;
  view: string;
  periods: Period[];
  lacks: Map<Period, Uncompared>;
}

/** The measures an export does not carry in each of its periods, from its flavour and the period tables' columns. */
async function lackedMeasures(con: Connection, name: string): Promise<Map<Period, Uncompared>> {
  const { flavour, periods } = await exportPeriodColumns(con, name);
  const lacks = new Map<Period, Uncompared>();
  for (const p of periods) {
    if (flavour === "focus") {
      lacks.set(p.period, { export: name, period: p.period, measures: ["amortized"], reason: "focus-effective-cost" });
    } else if (flavour !== null && !hasNetColumns(flavour, p.columns)) {
      lacks.set(p.period, { export: name, period: p.period, measures: ["netUnblended", "netAmortized"], reason: "no-net-columns" });
    }
  }
  return lacks;
}

async function resolveSide(con: Connection, name: string, known: string[]): Promise<Side> {
  if (!known.includes(name)) {
    const list = known.length > 0 ? `the database holds ${known.join(", ")}` : "the database holds no exports";
    throw new UsageError(`unknown export "${name}": ${list}`, { hint: "Exports are named as in the config file; 'finops aws list-exports' lists them." });
  }
  const focus = (await focusExports(con)).find((e) => e.name === name);
  const views = await con.runAndReadAll("SELECT view_name FROM duckdb_views() WHERE schema_name = $1", [FOCUS_SCHEMA]);
  const present = new Set(views.getRows().map((r) => String(r[0])));
  if (!focus || !present.has(focus.prefix)) {
    throw new AppError(`export "${name}" has no FOCUS view to compare (no rows, or imported before the cost model)`, {
      hint: `An import builds the views of exports an older finops imported: finops aws import-cur -e ${name}`,
    });
  }
  const periods = (await periodStates(con, name)).map((p) => p.period).sort();
  return { name, view: focusView(focus.prefix), periods, lacks: await lackedMeasures(con, name) };
}

/** The totals of one side per (period, key), over `periods`. */
function sideSelect(view: string, by: CompareBy): string {
  const sums = MEASURES.map((m) => `sum(CAST(${ident(m.column)} AS DECIMAL(38, 10))) AS ${ident(m.name)}`).join(", ");
  return `SELECT strftime(${ident("BillingPeriodStart")}, '%Y-%m') AS period, ${ident(KEY_COLUMN[by])} AS key, ${sums},
            list(DISTINCT ${ident("BillingCurrency")}) AS currencies
     FROM ${view} WHERE strftime(${ident("BillingPeriodStart")}, '%Y-%m') IN (SELECT unnest($1::VARCHAR[]))
     GROUP BY ALL`;
}

/** Read both exports' totals and compare them; reads only (open the database read-only). */
export async function compareExports(con: Connection, opts: CompareOptions): Promise<Comparison> {
  const known = (await exportSummaries(con)).map((e) => e.name);
  const a = await resolveSide(con, opts.a, known);
  const b = await resolveSide(con, opts.b, known);
  const inB = new Set(b.periods);
  const inA = new Set(a.periods);
  const periods = a.periods.filter((p) => inB.has(p));
  const result: Comparison = {
    a: a.name,
    b: b.name,
    by: opts.by,
    tolerance: opts.tolerance,
    currency: null,
    periods,
    onlyA: a.periods.filter((p) => !inB.has(p)),
    onlyB: b.periods.filter((p) => !inA.has(p)),
    rows: [],
    differences: 0,
    uncompared: periods.flatMap((p) => [a.lacks.get(p), b.lacks.get(p)].filter((u): u is Uncompared => u !== undefined)),
  };
  if (periods.length === 0) return result;
  const lacked = (side: Side, period: Period) => new Set(side.lacks.get(period)?.measures ?? []);

  const zero = (side: string, m: string) => `COALESCE(${side}.${ident(m)}, 0)`;
  const columns = MEASURES.flatMap((m) => [
    `CAST(${zero("a", m.name)} AS DOUBLE) AS ${ident(`a_${m.name}`)}`,
    `CAST(${zero("b", m.name)} AS DOUBLE) AS ${ident(`b_${m.name}`)}`,
    `CAST(${zero("b", m.name)} - ${zero("a", m.name)} AS DOUBLE) AS ${ident(`d_${m.name}`)}`,
  ]);
  const list = varcharList(periods);
  const reader = await con.runAndReadAll(
    `WITH a AS (${sideSelect(a.view, opts.by)}), b AS (${sideSelect(b.view, opts.by)})
     SELECT COALESCE(a.period, b.period) AS period, COALESCE(a.key, b.key) AS key, ${columns.join(", ")},
            list_distinct(flatten([COALESCE(a.currencies, []), COALESCE(b.currencies, [])])) AS currencies
     FROM a FULL OUTER JOIN b ON a.period = b.period AND a.key IS NOT DISTINCT FROM b.key
     ORDER BY period, key NULLS LAST`,
    [list.value],
    [list.type] as never,
  );
  const currencies = new Set<string>();
  for (const row of reader.getRowObjectsJS()) {
    const period = String(row.period);
    const [lackA, lackB] = [lacked(a, period), lacked(b, period)];
    const measures = (prefix: string, absent: (m: MeasureName) => boolean): Measures =>
      Object.fromEntries(MEASURES.map((m) => [m.name, absent(m.name) ? null : Number(row[`${prefix}_${m.name}`])])) as unknown as Measures;
    const difference = measures("d", (m) => lackA.has(m) || lackB.has(m));
    const exceeds = MEASURES.some((m) => difference[m.name] !== null && Math.abs(difference[m.name]!) > opts.tolerance);
    for (const c of (row.currencies as (string | null)[] | null) ?? []) if (c !== null) currencies.add(c);
    result.rows.push({
      period,
      key: row.key === null ? null : String(row.key),
      a: measures("a", (m) => lackA.has(m)),
      b: measures("b", (m) => lackB.has(m)),
      difference,
      exceeds,
    });
  }
  result.currency = currencies.size > 0 ? [...currencies].sort().join("/") : null;
  result.differences = result.rows.filter((r) => r.exceeds).length;
  return result;
}
