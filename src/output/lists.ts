/** Rendering of list-manifests, list-exports and show-state: tables on a terminal, stable JSON with --json. */
import type { ManifestRow } from "../cur/list-manifests.ts";
import type { ExportSummary, LoadRecord, PeriodState } from "../store/state.ts";
import { formatBytes, formatCount, renderJson, renderTable } from "./table.ts";

export interface RenderOptions {
  json: boolean;
  /** Readable numbers (thousands separators, KB/MB/GB). */
  tty: boolean;
  color?: boolean;
}

const count = (n: number | null, tty: boolean) => (n === null ? "-" : tty ? formatCount(n) : String(n));
const bytes = (n: number | null, tty: boolean) => (n === null ? "-" : tty ? formatBytes(n) : String(n));
const when = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "-");

/** One list: JSON under `key`, a sentence when empty, else a table whose `right` columns are right-aligned. */
interface ListSpec<T> {
  key: string;
  empty: string;
  head: string[];
  right: number[];
  row: (r: T) => (string | number)[];
}

function renderList<T>(rows: T[], o: RenderOptions, spec: ListSpec<T>): string {
  if (o.json) return renderJson({ [spec.key]: rows });
  if (rows.length === 0) return `${spec.empty}\n`;
  return renderTable(spec.head, rows.map(spec.row), { color: o.color ?? o.tty, alignRight: spec.right });
}

export function renderManifests(rows: ManifestRow[], o: RenderOptions): string {
  return renderList(rows, o, {
    key: "periods",
    empty: "no billing periods found",
    head: ["export", "period", "version", "files", "manifest modified", "state", "rows held"],
    right: [3, 6],
    row: (r) => [r.export, r.period, r.version ?? "-", count(r.files, o.tty), when(r.manifestLastModified), r.state === "error" ? `error: ${r.error}` : r.state, count(r.rowsHeld, o.tty)],
  });
}

export function renderExports(rows: ExportSummary[], o: RenderOptions): string {
  return renderList(rows, o, {
    key: "exports",
    empty: "the database holds no exports yet",
    head: ["export", "flavour", "source", "periods", "first–last", "rows", "last import", "view", "in focus.costs"],
    right: [3, 5],
    row: (r) => [r.name, r.flavour, r.source, r.periods, r.firstPeriod ? `${r.firstPeriod} – ${r.lastPeriod}` : "-", count(r.rows, o.tty), when(r.lastImport), r.view, focusCounting(r)],
  });
}

/** Which periods count in focus.costs, and which another export shadows: "3 periods; 2025-08 shadowed by cur2". */
function focusCounting(r: ExportSummary): string {
  const byOther = new Map<string, string[]>();
  for (const s of r.focus.shadowed) byOther.set(s.by, [...new Set([...(byOther.get(s.by) ?? []), s.period])]);
  const parts: string[] = [];
  if (r.focus.counted.length > 0) parts.push(`${r.focus.counted.length} period(s)`);
  for (const [by, periods] of byOther) parts.push(`${periods.join(", ")} shadowed by ${by}`);
  const priority = r.focus.priority === null ? "" : ` (priority ${r.focus.priority})`;
  return parts.length > 0 ? `${parts.join("; ")}${priority}` : "-";
}

export function renderPeriods(rows: PeriodState[], o: RenderOptions): string {
  return renderList(rows, o, {
    key: "periods",
    empty: "no billing periods imported yet",
    head: ["export", "period", "version", "rows", "files", "bytes", "imported at", "table"],
    right: [3, 4, 5],
    row: (r) => [r.export, r.period, r.version, count(r.rows, o.tty), count(r.files, o.tty), bytes(r.bytes, o.tty), when(r.importedAt), r.table],
  });
}

export function renderHistory(rows: LoadRecord[], o: RenderOptions): string {
  return renderList(rows, o, {
    key: "loads",
    empty: "no load attempts recorded for this period",
    head: ["export", "period", "attempt", "version", "files", "bytes", "rows", "started", "finished", "outcome"],
    right: [2, 4, 5, 6],
    row: (r) => [
      r.export,
      r.period,
      r.id,
      r.version ?? "-",
      count(r.files, o.tty),
      bytes(r.bytes, o.tty),
      count(r.rows, o.tty),
      when(r.startedAt),
      when(r.finishedAt),
      `${r.outcome}${r.current ? " (current)" : ""}${r.error ? `: ${r.error}` : ""}`,
    ],
  });
}
