/** `finops query` results: a table on a terminal, JSON row objects, or CSV. */
import type { QueryResult } from "../store/query.ts";
import { renderCsv, renderJson, renderTable } from "./table.ts";

export type QueryFormat = "table" | "json" | "csv";

function text(v: unknown): string {
  return v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function renderQueryResult(result: QueryResult, format: QueryFormat, color: boolean): string {
  if (format === "json") return renderJson(result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]]))));
  if (format === "csv") return renderCsv(result.columns, result.rows);
  const numeric = result.types.map((t, i) => (/INT|DOUBLE|DECIMAL|FLOAT|REAL/.test(t) ? i : -1)).filter((i) => i >= 0);
  return renderTable(result.columns, result.rows.map((r) => r.map(text)), { color, alignRight: numeric });
}
