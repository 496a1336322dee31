/**
 * Rendering of `aws compare-exports`: a table (four lines per period and key: one per measure, A, B and B − A, the
 * lines over the tolerance marked), stable JSON, or flat CSV (full precision), and the summary for stderr. A measure
 * not compared (an export does not carry it for the period) is null in JSON, empty in CSV and `n/a` in the table.
 */
import type { Comparison, Measures, Uncompared } from "../model/compare.ts";
import { csvCell, formatMoney, renderJson, renderTable } from "./table.ts";

export type CompareFormat = "table" | "json" | "csv";

/** The measures in output order: JSON/CSV name and table label. */
const MEASURES: { name: keyof Measures; label: string; csv: string }[] = [
  { name: "unblended", label: "unblended", csv: "unblended" },
  { name: "netUnblended", label: "net unblended", csv: "net_unblended" },
  { name: "amortized", label: "amortized", csv: "amortized" },
  { name: "netAmortized", label: "net amortized", csv: "net_amortized" },
];


export function renderComparison(c: Comparison, format: CompareFormat, color: boolean): string {
  if (format === "json") {
    const { a, b, by, tolerance, currency, periods, onlyA, onlyB, rows, differences } = c;
    return renderJson({ a, b, by, tolerance, currency, periods, onlyA, onlyB, rows, differences });
  }
  if (format === "csv") {
    const head = ["period", c.by, ...["a", "b", "difference"].flatMap((side) => MEASURES.map((m) => `${side}_${m.csv}`)), "exceeds"];
    const lines = c.rows.map((r) =>
      [r.period, r.key, ...[r.a, r.b, r.difference].flatMap((v) => MEASURES.map((m) => v[m.name])), r.exceeds].map(csvCell).join(","),
    );
    return `${[head.join(","), ...lines].join("\n")}\n`;
  }
  if (c.rows.length === 0) return c.periods.length === 0 ? "no billing period is held by both exports\n" : "no rows in the periods both exports hold\n";
  const over = `over ${c.tolerance}`;
  const head = ["period", c.by, "measure", c.a, c.b, "difference", over];
  const rows = c.rows.flatMap((r) =>
    MEASURES.map((m) => [
      r.period,
      r.key ?? "(none)",
      m.label,
      money(r.a[m.name]),
      money(r.b[m.name]),
      money(r.difference[m.name]),
      overTolerance(r.difference[m.name], c.tolerance) ? "*" : "",
    ]),
  );
  return renderTable(head, rows, { color, alignRight: [3, 4, 5] });
}

const money = (n: number | null): string => (n === null ? "n/a" : formatMoney(n));

/** Whether a difference exceeds the tolerance; a measure not compared (null) never does. */
const overTolerance = (d: number | null, tolerance: number): boolean => d !== null && Math.abs(d) > tolerance;

/** "2 of 8 rows differ by more than 0.01 USD (net amortized)": for stderr. */
export function comparisonSummary(c: Comparison): string {
  const measures = MEASURES.filter((m) => c.rows.some((r) => overTolerance(r.difference[m.name], c.tolerance))).map((m) => m.label);
  const unit = c.currency ? ` ${c.currency}` : "";
  return `${c.differences} of ${c.rows.length} rows differ by more than ${c.tolerance}${unit}${measures.length > 0 ? ` (${measures.join(", ")})` : ""}`;
}

/** "2025-10: only in my-cur (not compared)", one line per period one export holds alone. */
export function uncomparedPeriods(c: Comparison): string[] {
  return [...c.onlyA.map((p) => `${p}: only in ${c.a} (not compared)`), ...c.onlyB.map((p) => `${p}: only in ${c.b} (not compared)`)];
}

const WHY: Record<Uncompared["reason"], string> = {
  "focus-effective-cost": "is a FOCUS export, whose EffectiveCost is net amortized (after discounts)",
  "no-net-columns": "has no net cost columns",
};

/**
 * "my-cur 2025-08 has no net cost columns: net unblended and net amortized not compared", one line per export and
 * period that does not carry some measures.
 */
export function uncomparedMeasures(c: Comparison): string[] {
  return c.uncompared.map((u) => {
    const labels = MEASURES.filter((m) => u.measures.includes(m.name)).map((m) => m.label);
    const list = labels.length > 1 ? `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}` : labels.join("");
    return `${u.export} ${u.period} ${WHY[u.reason]}: ${list} not compared`;
  });
}
