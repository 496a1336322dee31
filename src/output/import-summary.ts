/** The import's summary: a table per period, or the stable JSON of the README ("JSON output"). */
import type { PeriodResult, PeriodStatus } from "../cur/import.ts";
import { formatBytes, formatCount, renderJson, renderTable } from "./table.ts";

/** The `outcome` of the JSON and the table (the README's contract). */
const OUTCOME: Record<PeriodStatus, string> = { imported: "imported", unchanged: "up to date", failed: "failed", planned: "would import" };

export function renderImportSummary(results: PeriodResult[], opts: { json: boolean; tty: boolean; color?: boolean; dryRun: boolean; extra?: Record<string, unknown> }): string {
  if (opts.json) {
    const periods = results.map(({ status, ...r }) => ({ ...r, outcome: OUTCOME[status] }));
    return renderJson({ dryRun: opts.dryRun, periods, ...opts.extra });
  }
  if (results.length === 0) return "no billing periods found in the selected range\n";
  const head = ["export", "period", "version", "files", "rows", "bytes", "seconds", "outcome"];
  const rows = results.map((r) => [
    r.export,
    r.period ?? "(all)",
    r.version ?? "-",
    r.files,
    r.rows === null ? "-" : opts.tty ? formatCount(r.rows) : r.rows,
    opts.tty ? formatBytes(r.bytes) : r.bytes,
    r.seconds.toFixed(1),
    r.status === "failed" && r.error ? `failed: ${r.error}` : r.status === "planned" ? `would import (${r.reason})` : r.note ? `${OUTCOME[r.status]} (${r.note})` : OUTCOME[r.status],
  ]);
  return renderTable(head, rows, { color: opts.color ?? opts.tty, alignRight: [3, 4, 5, 6] });
}
