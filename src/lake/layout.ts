/**
 * The lake's layout (README, "Parquet lake"), under its root (`s3://bucket/prefix/` or a folder):
 *
 *   focus/billing_period=YYYY-MM/data.parquet            focus.costs of the period, sorted by ChargePeriodStart
 *   raw/{export table prefix}/billing_period=YYYY-MM/data.parquet   the export's period table as imported
 *   _finops_lake.json                                     which version of which table and period the lake holds
 *
 * One object per table and period. Replacing one S3 object is atomic — a PUT or a completed multipart upload
 * appears whole, and S3 is strongly consistent — so a reader never sees half a period or two versions of it mixed,
 * and a crash mid-upload leaves the previous object as it was. Engines split a Parquet file by its row groups
 * (1,000,000 rows each), so one large file still reads in parallel.
 *
 * The state file is `{"format":1,"tables":{"focus":{"2025-09":{"version","rows","bytes","exportedAt"}},
 * "raw/<prefix>":{…}}}`; finops.lake_periods in the database mirrors it.
 */
import { createHash } from "node:crypto";
import * as v from "valibot";
import { AppError } from "../errors.ts";
import { COST_MODEL_VERSION } from "../model/focus.ts";
import type { CountedLoad, LakeRawPeriod, LakePeriodRecord } from "../store/state.ts";
import { describeIssue } from "../validation.ts";

export const STATE_KEY = "_finops_lake.json";
export const STATE_FORMAT = 1;
export const FOCUS_TABLE = "focus";
export const PARTITION_KEY = "billing_period";
export const DATA_FILE = "data.parquet";
/** The Parquet options of every file: zstd, and row groups of 1,000,000 rows (the unit engines split a file by). */
export const PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000";

export function rawTable(prefix: string): string {
  return `raw/${prefix}`;
}

/** The object key of a table's period, relative to the lake root. */
export function objectKey(table: string, period: string): string {
  return `${table}/${PARTITION_KEY}=${period}/${DATA_FILE}`;
}

export interface LakeEntry {
  version: string;
  rows: number;
  bytes: number;
  /** ISO 8601 UTC. */
  exportedAt: string;
}

export interface LakeState {
  format: number;
  /** table → period (YYYY-MM) → what the lake holds. */
  tables: Record<string, Record<string, LakeEntry>>;
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const StateSchema = v.object({
  format: v.literal(STATE_FORMAT, `must be ${STATE_FORMAT} (written by another version of finops?)`),
  tables: v.record(
    v.pipe(v.string(), v.regex(/^(focus|raw\/[a-z0-9_]+)$/, "must be focus or raw/<export>")),
    v.record(v.pipe(v.string(), v.regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM")), v.object({ version: v.string(), rows: count, bytes: count, exportedAt: v.string() })),
  ),
});

export function emptyState(): LakeState {
  return { format: STATE_FORMAT, tables: {} };
}

/** Read `_finops_lake.json`; a file finops cannot read is an error (it never overwrites what it does not understand). */
export function parseState(text: string, where: string): LakeState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppError(`${where}: not valid JSON (${(err as Error).message})`, { hint: "Is this folder a finops lake? Remove the file to start the lake afresh." });
  }
  const r = v.safeParse(StateSchema, raw);
  if (!r.success) throw new AppError(`${where}: ${describeIssue(r.issues)}`, { hint: "Is this folder a finops lake? Remove the file to start the lake afresh." });
  return r.output as LakeState;
}

/** The state as text: tables and periods sorted, so two states with the same content are the same bytes. */
export function serializeState(s: LakeState): string {
  const tables: LakeState["tables"] = {};
  for (const t of Object.keys(s.tables).sort()) {
    const periods = s.tables[t];
    if (Object.keys(periods).length === 0) continue;
    tables[t] = Object.fromEntries(Object.keys(periods).sort().map((p) => [p, periods[p]]));
  }
  return `${JSON.stringify({ format: STATE_FORMAT, tables }, null, 1)}\n`;
}

export function stateRecords(s: LakeState): LakePeriodRecord[] {
  return Object.entries(s.tables)
    .flatMap(([table, periods]) => Object.entries(periods).map(([period, e]) => ({ table, period, ...e })))
    .sort((a, b) => a.table.localeCompare(b.table) || a.period.localeCompare(b.period));
}

/**
 * A raw period's version: its version in finops.periods (the manifest's assemblyId / executionId) and the load that
 * wrote it — a --force re-import of the same version is a new load, and may hold other data.
 */
export function rawVersion(p: Pick<LakeRawPeriod, "version" | "loadId">): string {
  return `${p.version}#${p.loadId}`;
}

/**
 * A focus period's version: a hash of the cost model's version and of what counts for the billing period in
 * focus.costs — every (export, its period's version and load, billing account, BillingPeriodStart), sorted. A new
 * version of a counted export, or a change of which export an account counts from (priority, a new export), changes
 * it; a new version of an export that is shadowed for the whole period does not.
 */
export function focusVersion(counted: Pick<CountedLoad, "export" | "version" | "loadId" | "billingAccountId" | "billingPeriodStart">[]): string {
  const items = counted.map((c) => JSON.stringify([c.export, rawVersion(c), c.billingAccountId, c.billingPeriodStart])).sort();
  const hash = createHash("sha256").update(JSON.stringify([COST_MODEL_VERSION, items])).digest("hex");
  return `m${COST_MODEL_VERSION}-${hash.slice(0, 24)}`;
}
