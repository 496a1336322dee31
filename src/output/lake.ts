/** `lake export`'s summary: a table per table and period, or JSON (README, "Parquet lake"). */
import type { LakeExportResult } from "../lake/export.ts";
import { formatBytes, formatCount, renderJson, renderTable } from "./table.ts";

export function lakeSummaryJson(r: LakeExportResult): unknown {
  return {
    to: r.to,
    dryRun: r.dryRun,
    periods: r.periods.map((p) => ({
      table: p.table,
      period: p.period,
      action: p.action,
      reason: p.reason,
      version: p.version,
      previousVersion: p.previousVersion,
      rows: p.rows,
      bytes: p.bytes,
      seconds: Math.round(p.seconds * 1000) / 1000,
      error: p.error,
    })),
  };
}

export function renderLakeSummary(r: LakeExportResult, opts: { json: boolean; tty: boolean; color?: boolean }): string {
  if (opts.json) return renderJson(lakeSummaryJson(r));
  if (r.periods.length === 0) return `the lake ${r.to} and the database hold no periods\n`;
  const n = (v: number | null, f: (x: number) => string) => (v === null ? "-" : opts.tty ? f(v) : String(v));
  if (r.dryRun) {
    const rows = r.periods.map((p) => [p.table, p.period, p.version ?? "-", p.action, p.reason, n(p.rows, formatCount)]);
    return renderTable(["table", "period", "version", "action", "reason", "rows"], rows, { color: opts.color ?? opts.tty, alignRight: [5] });
  }
  const rows = r.periods.map((p) => [
    p.table,
    p.period,
    p.action === "failed" && p.error ? `failed: ${p.error}` : p.action,
    n(p.rows, formatCount),
    n(p.bytes, formatBytes),
    p.seconds.toFixed(1),
  ]);
  return renderTable(["table", "period", "action", "rows", "bytes", "seconds"], rows, { color: opts.color ?? opts.tty, alignRight: [3, 4, 5] });
}
