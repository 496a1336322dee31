/** Tables for stdout (cli-table3) and JSON. Tables are plain (no colours) unless stdout is a terminal. */
import Table from "cli-table3";

export interface TableOptions {
  color: boolean;
  /** Right-align these column indexes (numbers). */
  alignRight?: number[];
}

export function renderTable(head: string[], rows: (string | number)[][], opts: TableOptions): string {
  const table = new Table({
    head,
    // compact: one line per row (a rule under the header only), easy to read and to grep.
    style: { compact: true, head: opts.color ? ["cyan"] : [], border: opts.color ? ["grey"] : [] },
    colAligns: head.map((_, i) => (opts.alignRight?.includes(i) ? "right" : "left")),
    wordWrap: false,
  });
  for (const row of rows) table.push(row.map((c) => String(c)));
  return `${table.toString()}\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** Money on a terminal: 2 decimals with thousands separators; a value that rounds to zero is 0.00 (never -0.00). */
export function formatMoney(n: number): string {
  const s = money.format(n);
  return s === "-0.00" ? "0.00" : s;
}

function csvText(v: unknown): string {
  return v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** One CSV cell (RFC 4180): quoted when it holds a quote, a comma or a line break; null is empty. */
export function csvCell(v: unknown): string {
  const s = csvText(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV with a header line, every line ended. */
export function renderCsv(head: unknown[], rows: unknown[][]): string {
  return [head, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

const nf = new Intl.NumberFormat("en-US");
export function formatCount(n: number | bigint): string {
  return nf.format(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[i]}`;
}
