/**
 * Reports as text: a table for a terminal (bars, sparklines and colours when `color`; plain otherwise), Markdown and
 * CSV. Money shows with 2 decimals and thousands separators in tables and Markdown, at full precision in CSV (and
 * JSON, which the commands print with output/table.ts).
 */
import { formatMoney, renderCsv, renderTable } from "../output/table.ts";
import type { AnomaliesReport, AnyReport, CostsReport, DailyReport, MoversReport, TagsReport } from "./types.ts";

export type TextFormat = "table" | "markdown" | "csv";

function formatPercent(p: number | null): string {
  if (p === null) return "new";
  return `${p > 0 ? "+" : ""}${p.toFixed(1)}%`;
}
function signed(n: number): string {
  return `${n > 0 ? "+" : ""}${formatMoney(n)}`;
}

const ansi = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[39m`;
const red = ansi(31);
const green = ansi(32);
const cyan = ansi(36);
const yellow = ansi(33);
const dim = (s: string) => `\u001b[2m${s}\u001b[22m`;

const SPARKS = "▁▂▃▄▅▆▇█";
export function sparkline(values: number[]): string {
  const min = Math.min(...values, 0);
  const max = Math.max(...values);
  if (max === min) return SPARKS[0].repeat(values.length);
  return values.map((v) => SPARKS[Math.min(SPARKS.length - 1, Math.floor(((v - min) / (max - min)) * (SPARKS.length - 1) + 0.5))]).join("");
}

/** A horizontal bar of `width` cells for |value| / max, with eighths for the last cell. */
export function bar(value: number, max: number, width = 24): string {
  if (max <= 0 || value === 0) return "";
  const eighths = Math.round((Math.abs(value) / max) * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  return "█".repeat(full) + (part ? "▏▎▍▌▋▊▉"[part - 1] : "");
}

function markdown(head: string[], rows: (string | number)[][], right: number[]): string {
  const esc = (v: string | number) => String(v).replaceAll("|", "\\|").replaceAll("\n", " ");
  const sep = head.map((_, i) => (right.includes(i) ? "---:" : "---"));
  return [head, sep, ...rows].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n") + "\n";
}

function dimensionTitle(by: string): string {
  return by.startsWith("tag:") ? `tag ${by.slice(4)}` : by;
}

interface Grid {
  head: string[];
  rows: (string | number)[][];
  right: number[];
}

/** One grid per format: full precision numbers for CSV, formatted text otherwise. */
function costsGrid(r: CostsReport, format: TextFormat, color: boolean): Grid {
  const raw = format === "csv";
  const last = r.months[r.months.length - 1];
  const prev = r.months[r.months.length - 2];
  const head = [dimensionTitle(r.by), ...r.months, "total"];
  if (!raw && prev) head.push(`change ${last}`, "%");
  if (!raw && color) head.push("trend");
  const cell = (n: number) => (raw ? n : formatMoney(n));
  const rows = r.rows.map((row) => {
    const out: (string | number)[] = [row.key, ...r.months.map((m) => cell(row.months[m] ?? 0)), cell(row.total)];
    if (!raw && prev) {
      const change = row.months[last] - row.months[prev];
      const pct = row.months[prev] === 0 ? null : (change / Math.abs(row.months[prev])) * 100;
      out.push(color ? (change > 0 ? red : change < 0 ? green : dim)(signed(change)) : signed(change), formatPercent(pct));
    }
    if (!raw && color) out.push(cyan(sparkline(r.months.map((m) => row.months[m] ?? 0))));
    return out;
  });
  if (!raw) {
    const totals = r.months.map((m) => r.rows.reduce((s, x) => s + (x.months[m] ?? 0), 0));
    const out: (string | number)[] = ["total", ...totals.map(formatMoney), formatMoney(r.total)];
    if (prev) {
      const change = totals[totals.length - 1] - totals[totals.length - 2];
      out.push(signed(change), formatPercent(totals[totals.length - 2] === 0 ? null : (change / Math.abs(totals[totals.length - 2])) * 100));
    }
    if (color) out.push(cyan(sparkline(totals)));
    rows.push(out);
  }
  const right = head.map((_, i) => i).filter((i) => i > 0 && head[i] !== "trend");
  return { head, rows, right };
}

function moversGrid(r: MoversReport, format: TextFormat, color: boolean): Grid {
  const raw = format === "csv";
  const head = [dimensionTitle(r.by), r.from, r.to, "change", "%"];
  if (!raw && color) head.push("");
  const max = Math.max(0, ...r.rows.map((x) => Math.abs(x.change)));
  const rows = r.rows.map((x) => {
    if (raw) return [x.key, x.from, x.to, x.change, x.percent === null ? "" : x.percent];
    const out: (string | number)[] = [x.key, formatMoney(x.from), formatMoney(x.to), color ? (x.change > 0 ? red : green)(signed(x.change)) : signed(x.change), formatPercent(x.percent)];
    if (color) out.push((x.change > 0 ? red : green)(bar(x.change, max)));
    return out;
  });
  return { head, rows, right: [1, 2, 3, 4] };
}

function dailyGrid(r: DailyReport, format: TextFormat, color: boolean): Grid {
  const raw = format === "csv";
  const head = ["date", "cost"];
  if (!raw && color) head.push("");
  const max = Math.max(0, ...r.days.map((d) => Math.abs(d.cost)));
  const rows = r.days.map((d) => {
    if (raw) return [d.date, d.cost];
    const out: (string | number)[] = [d.date, formatMoney(d.cost)];
    if (color) out.push((d.date.endsWith("-01") ? yellow : cyan)(bar(d.cost, max)));
    return out;
  });
  if (!raw) {
    rows.push(["month to date", formatMoney(r.days.reduce((s, d) => s + d.cost, 0))]);
    rows.push(["forecast", formatMoney(r.forecast.total)]);
  }
  return { head, rows, right: [1] };
}

function anomaliesGrid(r: AnomaliesReport, format: TextFormat, color: boolean): Grid {
  const raw = format === "csv";
  const head = ["date", dimensionTitle(r.by), "cost", "baseline", "change"];
  const rows = r.anomalies.map((a) =>
    raw
      ? [a.date, a.key, a.cost, a.baseline, a.change]
      : [a.date, a.key, formatMoney(a.cost), formatMoney(a.baseline), color ? (a.change > 0 ? red : green)(signed(a.change)) : signed(a.change)],
  );
  return { head, rows, right: [2, 3, 4] };
}

function tagsGrid(r: TagsReport, format: TextFormat, color: boolean): Grid {
  const raw = format === "csv";
  const head = ["tag key", "cost", "share"];
  if (!raw && color) head.push("");
  const rows: (string | number)[][] = r.keys.map((k) => {
    if (raw) return [k.key, k.cost, k.share];
    const out: (string | number)[] = [k.key, formatMoney(k.cost), `${(k.share * 100).toFixed(1)}%`];
    if (color) out.push(cyan(bar(k.share, 1, 20)));
    return out;
  });
  const untaggedShare = r.total === 0 ? 0 : r.untagged / r.total;
  if (raw) rows.push(["(untagged)", r.untagged, untaggedShare]);
  else {
    const out: (string | number)[] = ["(untagged)", formatMoney(r.untagged), `${(untaggedShare * 100).toFixed(1)}%`];
    if (color) out.push(yellow(bar(untaggedShare, 1, 20)));
    rows.push(out);
  }
  return { head, rows, right: [1, 2] };
}

function gridOf(r: AnyReport, format: TextFormat, color: boolean): Grid {
  switch (r.report) {
    case "costs":
      return costsGrid(r, format, color);
    case "movers":
      return moversGrid(r, format, color);
    case "daily":
      return dailyGrid(r, format, color);
    case "anomalies":
      return anomaliesGrid(r, format, color);
    case "tags":
      return tagsGrid(r, format, color);
  }
}

/** The report as text in `format`; `color` only matters for a table. */
export function renderReport(r: AnyReport, format: TextFormat, color: boolean): string {
  const g = gridOf(r, format, color && format === "table");
  if (format === "csv") return renderCsv(g.head, g.rows);
  if (format === "markdown") {
    let text = markdown(g.head, g.rows, g.right);
    if (r.report === "tags" && r.untaggedResources.length) {
      text += `\nLargest untagged resources (${r.currency})\n\n` + markdown(["resource", "service", "cost"], r.untaggedResources.map((x) => [x.resourceId, x.service, formatMoney(x.cost)]), [2]);
    }
    return text;
  }
  let text = renderTable(g.head, g.rows, { color, alignRight: g.right });
  if (r.report === "tags" && r.untaggedResources.length) {
    text += `\nLargest untagged resources (${r.currency})\n` + renderTable(["resource", "service", "cost"], r.untaggedResources.map((x) => [x.resourceId, x.service, formatMoney(x.cost)]), { color, alignRight: [2] });
  }
  return text;
}

/** One line for stderr under a table: what was summed, in which currency, and (daily, anomalies) the method. */
export function reportCaption(r: AnyReport): string {
  const what = `${r.cost} cost in ${r.currency}`;
  switch (r.report) {
    case "costs":
      return `${what}, by ${dimensionTitle(r.by)}, billing periods ${r.months[0] ?? "–"} to ${r.months[r.months.length - 1] ?? "–"}`;
    case "movers":
      return `${what}, by ${dimensionTitle(r.by)}: ${r.from || "–"} → ${r.to || "–"}`;
    case "daily":
      if (r.days.length === 0) return `${what}: no costs in ${r.month || "the database"}`;
      return `${what}, per UTC day of ${r.month || "–"}; forecast ${formatMoney(r.forecast.total)}: ${r.forecast.method}`;
    case "anomalies":
      return `${what}, by ${dimensionTitle(r.by)}: ${r.anomalies.length} anomal${r.anomalies.length === 1 ? "y" : "ies"}. Method: ${r.method}`;
    case "tags":
      return `${what}, billing periods ${r.months[0] ?? "–"} to ${r.months[r.months.length - 1] ?? "–"}: ${r.keys.length} tag keys; untagged ${formatMoney(r.untagged)} of ${formatMoney(r.total)}`;
  }
}
