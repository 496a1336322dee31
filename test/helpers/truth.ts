/** The fixture generator's ground truth (fixtures/exports/truth.json): rows and cost per current version of each period. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Truth, TruthExport } from "../../scripts/gen-fixtures.ts";
import { repoRoot } from "./cli.ts";

export const FIXTURES = join(repoRoot, "fixtures", "exports");

export type { Truth, TruthExport, TruthFile, TruthPeriod, TruthVersion } from "../../scripts/gen-fixtures.ts";

export function loadTruth(dir = FIXTURES): Truth {
  return JSON.parse(readFileSync(join(dir, "truth.json"), "utf8"));
}

export function exportTruth(name: string): TruthExport {
  const e = loadTruth().exports.find((x) => x.name === name);
  if (!e) throw new Error(`no export ${name} in truth.json`);
  return e;
}

/** The DuckDB column holding the cost, as finops names it. */
export function costColumnOf(e: TruthExport): string {
  if (e.flavour === "legacy") return e.format === "parquet" ? "line_item_unblended_cost" : "lineItem_UnblendedCost";
  return e.costColumn;
}

/** Expected rows and cost (rounded to 6 places) of each period's current version. */
export function expectedTotals(e: TruthExport): Record<string, { rows: number; cost: number }> {
  const out: Record<string, { rows: number; cost: number }> = {};
  for (const [period, p] of Object.entries(e.periods)) {
    const v = p.versions[p.currentKey];
    out[period] = { rows: v.rows, cost: v.cost };
  }
  return out;
}

/** Every data-file key of every version and stale chunk in the tree that the current versions do not list. */
export function notCurrentKeys(e: TruthExport): string[] {
  const keys: string[] = [];
  for (const p of Object.values(e.periods)) {
    for (const [id, v] of Object.entries(p.versions)) if (id !== p.currentKey) keys.push(...v.files.map((f) => f.key));
    keys.push(...p.staleFiles.map((f) => f.key));
  }
  return keys;
}

export const tableName = (name: string) => name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
