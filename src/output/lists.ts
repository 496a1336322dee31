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

export function renderManifests(rows: ManifestRow[], o: RenderOptions): string {
  if (o.json) return renderJson({ periods: rows });
  if (rows.length === 0) return "no billing periods found\n";
  return renderTable(
    ["export", "period", "version", "files", "manifest modified", "state", "rows held"],
    rows.map((r) => [r.export, r.period, r.version ?? "-", count(r.files, o.tty), when(r.manifestLastModified), r.state === "error" ? `error: ${r.error}` : r.state, count(r.rowsHeld, o.tty)]),
    { color: o.color ?? o.tty, alignRight: [3, 6] },
  );
}

export function renderExports(rows: ExportSummary[], o: RenderOptions): string {
  if (o.json) return renderJson({ exports: rows });
  if (rows.length === 0) return "the database holds no exports yet\n";
  return renderTable(
    ["export", "flavour", "source", "periods", "first–last", "rows", "last import", "view"],
    rows.map((r) => [r.name, r.flavour, r.source, r.periods, r.firstPeriod ? `${r.firstPeriod} – ${r.lastPeriod}` : "-", count(r.rows, o.tty), when(r.lastImport), r.view]),
    { color: o.color ?? o.tty, alignRight: [3, 5] },
  );
}

export function renderPeriods(rows: PeriodState[], o: RenderOptions): string {
  if (o.json) return renderJson({ periods: rows });
  if (rows.length === 0) return "no billing periods imported yet\n";
  return renderTable(
    ["export", "period", "version", "rows", "files", "bytes", "imported at", "table"],
    rows.map((r) => [r.export, r.period, r.version, count(r.rows, o.tty), count(r.files, o.tty), bytes(r.bytes, o.tty), when(r.importedAt), r.table]),
    { color: o.color ?? o.tty, alignRight: [3, 4, 5] },
  );
}

export function renderHistory(rows: LoadRecord[], o: RenderOptions): string {
  if (o.json) return renderJson({ loads: rows });
  if (rows.length === 0) return "no load attempts recorded for this period\n";
  return renderTable(
    ["export", "period", "attempt", "version", "files", "bytes", "rows", "started", "finished", "outcome"],
    rows.map((r) => [
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
    ]),
    { color: o.color ?? o.tty, alignRight: [2, 4, 5, 6] },
  );
}
