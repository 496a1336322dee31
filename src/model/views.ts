/**
 * The cost model's views, rebuilt inside the transaction that replaces a period (store/load.ts calls back here):
 * `focus."{export}"`, the union of the export's periods as FOCUS rows, each period read from the columns it has; and
 * `focus.costs`, every export's rows where the export is the one a (billing account, billing period) counts from.
 */
import { ident, literal, type Connection } from "../store/duckdb.ts";
import { dataTable, type Period } from "../store/naming.ts";
import { countedSelect, exportPeriodColumns, exportsWithoutFocus, focusExports, replaceFocusAccounts } from "../store/state.ts";
import { periodFocusSelect, periodSummarySelect } from "./focus.ts";
import { dropOutdatedSummaries, periodsWithoutSummary, replaceSummaries, summariesOutdated } from "./summary.ts";

export const FOCUS_SCHEMA = "focus";

/** `"focus"."name"`, quoted. */
export function focusView(name: string): string {
  return `${ident(FOCUS_SCHEMA)}.${ident(name)}`;
}

/**
 * Rebuild the export's FOCUS view and focus.costs; `period` is the one just loaded (its accounts are recounted).
 * `onProgress` hears the share of each rebuilt period's summaries written (0–100).
 */
export async function rebuildFocus(
  con: Connection,
  exportName: string,
  tablePrefix: string,
  period?: Period,
  onProgress?: (percent: number) => void,
): Promise<void> {
  await con.run(`CREATE SCHEMA IF NOT EXISTS ${ident(FOCUS_SCHEMA)}`);
  const { flavour, periods } = await exportPeriodColumns(con, exportName);
  const view = focusView(tablePrefix);
  if (!flavour || periods.length === 0) {
    await con.run(`DROP VIEW IF EXISTS ${view}`);
  } else {
    const selects = periods.map((p) => {
      const of = { table: dataTable(p.table), flavour, columns: p.columns, exportName };
      return { period: p.period, sql: periodFocusSelect(of), summary: () => periodSummarySelect(of) };
    });
    await con.run(`CREATE OR REPLACE VIEW ${view} AS\n${selects.map((s) => s.sql).join("\nUNION ALL\n")}`);
    for (const s of selects) {
      if (period !== undefined && s.period !== period) continue;
      await replaceFocusAccounts(con, exportName, s.period, s.sql);
      await replaceSummaries(con, exportName, s.period, s.summary(), onProgress);
    }
  }
  await rebuildCosts(con);
}

/**
 * A database written before the cost model (or whose views were dropped): rebuild it for every export that lacks it,
 * all in one transaction. `onStart` hears how many exports before the work begins. Returns that number.
 */
export async function rebuildMissingFocus(con: Connection, onStart?: (exports: number) => void): Promise<number> {
  const missing = await exportsWithoutFocus(con, FOCUS_SCHEMA);
  // Databases written before the reports: the cost model is there, the reports' summaries (model/summary.ts) not.
  // Summaries written by an older finops (tags as a MAP per row, model/summary.ts): every export's are rebuilt.
  const outdated = await summariesOutdated(con);
  const unsummarised = new Set((await periodsWithoutSummary(con)).map((p) => p.export));
  for (const e of await focusExports(con)) if ((outdated || unsummarised.has(e.name)) && !missing.some((m) => m.name === e.name)) missing.push(e);
  if (missing.length === 0) {
    if (outdated) await dropOutdatedSummaries(con); // nothing to rebuild them from: only their shape changes
    return 0;
  }
  onStart?.(missing.length);
  await con.run("BEGIN TRANSACTION");
  try {
    if (outdated) await dropOutdatedSummaries(con);
    for (const e of missing) await rebuildFocus(con, e.name, e.prefix);
    await con.run("COMMIT");
  } catch (err) {
    await con.run("ROLLBACK").catch(() => undefined);
    throw err;
  }
  return missing.length;
}

/**
 * The rows of focus.costs that come from one billing period's tables, as one SELECT (the lake's focus/ partition):
 * for each of `exports` (those that count for the period), its period table as FOCUS rows, filtered as focus.costs
 * filters them. Null when none of them holds the period.
 */
export async function focusPeriodSelect(con: Connection, period: Period, exports: string[]): Promise<string | null> {
  const parts: string[] = [];
  for (const e of await focusExports(con)) {
    if (!exports.includes(e.name)) continue;
    const { flavour, periods } = await exportPeriodColumns(con, e.name);
    const p = periods.find((x) => x.period === period);
    if (!flavour || !p) continue;
    const sql = periodFocusSelect({ table: dataTable(p.table), flavour, columns: p.columns, exportName: e.name });
    parts.push(countedSelect(`(\n${sql}\n)`, literal(e.name)));
  }
  return parts.length ? parts.join("\nUNION ALL\n") : null;
}

/** focus.costs: each (billing account, billing period) from one export only (store/state.ts, focus_counted). */
async function rebuildCosts(con: Connection): Promise<void> {
  const views = await con.runAndReadAll("SELECT view_name FROM duckdb_views() WHERE schema_name = $1", [FOCUS_SCHEMA]);
  const present = new Set(views.getRows().map((r) => String(r[0])));
  const parts = (await focusExports(con))
    .filter((e) => present.has(e.prefix))
    .map((e) => countedSelect(focusView(e.prefix), literal(e.name)));
  if (parts.length === 0) {
    await con.run(`DROP VIEW IF EXISTS ${focusView("costs")}`);
    return;
  }
  await con.run(`CREATE OR REPLACE VIEW ${focusView("costs")} AS\n${parts.join("\nUNION ALL\n")}`);
}
