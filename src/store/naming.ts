/** Names in the database: the two schemas, an export's table prefix, a period's table. */
import { UsageError } from "../errors.ts";
import { ident } from "./duckdb.ts";

/** Billing data: one table per export and period, one view per export. */
export const DATA_SCHEMA = "aws_billing";
/** finops' own bookkeeping (store/state.ts). */
export const STATE_SCHEMA = "finops";

/** A billing period as `YYYY-MM`. */
export type Period = string;

/** `"aws_billing"."name"`, quoted. */
export function dataTable(name: string): string {
  return `${ident(DATA_SCHEMA)}.${ident(name)}`;
}

/** `"finops"."name"`, quoted. */
export function stateTable(name: string): string {
  return `${ident(STATE_SCHEMA)}.${ident(name)}`;
}

/** The table prefix of an export: lower-cased, every character outside [a-z0-9_] replaced by `_`. */
export function cleanExportName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (!/[a-z0-9]/.test(cleaned)) throw new UsageError(`export name "${name}" has no letter or digit to name its tables with`);
  return cleaned;
}

export function periodTable(prefix: string, period: Period): string {
  return `${prefix}_${period.slice(0, 4)}_${period.slice(5, 7)}`;
}
