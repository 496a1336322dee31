/**
 * What the lake should hold, from the database, and what a run must do to get there: write a period whose version
 * differs from the lake's (new or changed), skip one whose version is the lake's, delete one the database no longer
 * has. Pure: the database's side is read by export.ts.
 */
import type { CountedLoad, LakeRawPeriod } from "../store/state.ts";
import { FOCUS_TABLE, focusVersion, rawTable, rawVersion, type LakeEntry, type LakeState } from "./layout.ts";

/** A table's period as the database has it. */
export interface WantedPeriod {
  table: string;
  period: string;
  version: string;
  rows: number;
  source: { kind: "raw"; export: string } | { kind: "focus" };
}

/** Every raw period, and (with the cost model present) every billing period focus.costs has rows for. */
export function wantedPeriods(raw: LakeRawPeriod[], counted: CountedLoad[] | null): WantedPeriod[] {
  const out: WantedPeriod[] = raw.map((p) => ({ table: rawTable(p.prefix), period: p.period, version: rawVersion(p), rows: p.rows, source: { kind: "raw", export: p.export } }));
  if (counted) {
    const byPeriod = new Map<string, CountedLoad[]>();
    for (const c of counted) byPeriod.set(c.period, [...(byPeriod.get(c.period) ?? []), c]);
    for (const [period, loads] of byPeriod) {
      const rows = loads.reduce((n, l) => n + l.rows, 0);
      out.push({ table: FOCUS_TABLE, period, version: focusVersion(loads), rows, source: { kind: "focus" } });
    }
  }
  return out.sort(byTableAndPeriod);
}

export type PlanAction = "write" | "skip" | "delete";
export type PlanReason = "new" | "changed" | "unchanged" | "gone";

export interface PlanItem {
  table: string;
  period: string;
  action: PlanAction;
  reason: PlanReason;
  /** What the database has (absent for a delete). */
  wanted?: WantedPeriod;
  /** What the lake holds (absent for a new period). */
  current?: LakeEntry;
}

/** focus first, then raw/… by name; periods oldest first. */
export function byTableAndPeriod(a: { table: string; period: string }, b: { table: string; period: string }): number {
  const rank = (t: string) => (t === FOCUS_TABLE ? 0 : 1);
  return rank(a.table) - rank(b.table) || a.table.localeCompare(b.table) || a.period.localeCompare(b.period);
}

/**
 * Compare the database with the lake's state. `keepTables` are tables whose lake periods stay as they are even when
 * the database has none of them (focus/ when the database has no cost model yet: nothing to compare with).
 */
export function planLake(wanted: WantedPeriod[], state: LakeState, keepTables: string[] = []): PlanItem[] {
  const items: PlanItem[] = [];
  const seen = new Set<string>();
  for (const w of wanted) {
    const current = state.tables[w.table]?.[w.period];
    seen.add(`${w.table}\t${w.period}`);
    const base = { table: w.table, period: w.period, wanted: w, current };
    if (!current) items.push({ ...base, action: "write", reason: "new" });
    else if (current.version !== w.version) items.push({ ...base, action: "write", reason: "changed" });
    else items.push({ ...base, action: "skip", reason: "unchanged" });
  }
  for (const [table, periods] of Object.entries(state.tables)) {
    if (keepTables.includes(table)) continue;
    for (const [period, current] of Object.entries(periods)) {
      if (!seen.has(`${table}\t${period}`)) items.push({ table, period, action: "delete", reason: "gone", current });
    }
  }
  return items.sort(byTableAndPeriod);
}
