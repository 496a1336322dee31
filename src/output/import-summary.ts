import type { PeriodOutcome } from "../cur/import.ts";
import { formatBytes, formatCount, renderJson, renderTable } from "./table.ts";

export function renderImportSummary(results: PeriodOutcome[], opts: { json: boolean; tty: boolean; color?: boolean; dryRun: boolean }): string {
  if (opts.json) return renderJson({ dryRun: opts.dryRun, periods: results });
  if (results.length === 0) return "no billing periods found in the selected range\n";
  const head = ["export", "period", "version", "files", "rows", "bytes", "seconds", "outcome"];
  const rows = results.map((r) => [
    r.export,
    r.period,
    r.version ?? "-",
    r.files,
    r.rows === null ? "-" : opts.tty ? formatCount(r.rows) : r.rows,
    opts.tty ? formatBytes(r.bytes) : r.bytes,
    r.seconds.toFixed(1),
    r.outcome === "failed" && r.error ? `failed: ${r.error}` : r.outcome === "would import" ? `would import (${r.reason})` : r.outcome,
  ]);
  return renderTable(head, rows, { color: opts.color ?? opts.tty, alignRight: [3, 4, 5, 6] });
}
