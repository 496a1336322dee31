/**
 * All of finops' bookkeeping SQL, in schema `finops` (STATE_SCHEMA): the exports, every load attempt, the current
 * version of each period, and the mapping from source header to column. Billing data lives in `aws_billing`.
 */
import { FLAVOUR_LABELS, type Flavour } from "../flavour.ts";
import { AppError } from "../errors.ts";
import { ident, varcharList, type Connection } from "./duckdb.ts";
import { DATA_SCHEMA, STATE_SCHEMA, stateTable, type Period } from "./naming.ts";

const EXPORTS = stateTable("exports");
const LOADS = stateTable("loads");
const PERIODS = stateTable("periods");
const COLUMNS = stateTable("columns");
const LOAD_ID = stateTable("load_id");
const FOCUS_ACCOUNTS = stateTable("focus_accounts");
const FOCUS_COUNTED = stateTable("focus_counted");

/**
 * Which export a (billing account, billing period) counts from in focus.costs: the highest priority, by default the
 * most recent flavour (FOCUS 3 over CUR 2.0 2 over legacy 1), or the export's own `priority = N` from the config;
 * ties go to the export name that sorts first.
 */
const DEFAULT_PRIORITY = "CASE e.flavour WHEN 'focus' THEN 3 WHEN 'cur2' THEN 2 ELSE 1 END";

/** What became of a load attempt (finops.loads.outcome). */
export type LoadOutcome = "started" | "imported" | "failed" | "interrupted";

export function sqlTimestamp(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

export async function ensureSchema(con: Connection): Promise<void> {
  await con.run(`
    CREATE SCHEMA IF NOT EXISTS ${ident(DATA_SCHEMA)};
    CREATE SCHEMA IF NOT EXISTS ${ident(STATE_SCHEMA)};
    CREATE SEQUENCE IF NOT EXISTS ${LOAD_ID} START 1;
    CREATE TABLE IF NOT EXISTS ${EXPORTS} (
      name VARCHAR NOT NULL, table_prefix VARCHAR NOT NULL, flavour VARCHAR, cur_version VARCHAR, bucket VARCHAR,
      prefix VARCHAR, created_at TIMESTAMP);
    CREATE TABLE IF NOT EXISTS ${LOADS} (
      id BIGINT NOT NULL, export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, version VARCHAR,
      manifest_key VARCHAR, manifest_etag VARCHAR, files INTEGER, bytes BIGINT, rows BIGINT, started_at TIMESTAMP,
      finished_at TIMESTAMP, outcome VARCHAR NOT NULL, error VARCHAR);
    CREATE TABLE IF NOT EXISTS ${PERIODS} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, version VARCHAR NOT NULL, load_id BIGINT NOT NULL,
      table_name VARCHAR NOT NULL, rows BIGINT NOT NULL, files INTEGER, bytes BIGINT, imported_at TIMESTAMP);
    CREATE TABLE IF NOT EXISTS ${COLUMNS} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, source_name VARCHAR NOT NULL,
      column_name VARCHAR NOT NULL, column_type VARCHAR);
    ALTER TABLE ${EXPORTS} ADD COLUMN IF NOT EXISTS priority INTEGER;
    CREATE TABLE IF NOT EXISTS ${FOCUS_ACCOUNTS} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, billing_account_id VARCHAR,
      billing_period_start TIMESTAMP, rows BIGINT);
    CREATE OR REPLACE VIEW ${FOCUS_COUNTED} AS
      SELECT a.export, a.billing_period, a.billing_account_id, a.billing_period_start, a.rows,
             COALESCE(e.priority, ${DEFAULT_PRIORITY}) AS priority,
             a.export = first_value(a.export) OVER w AS counts,
             first_value(a.export) OVER w AS counted_from
      FROM ${FOCUS_ACCOUNTS} a JOIN ${EXPORTS} e ON e.name = a.export
      WINDOW w AS (PARTITION BY a.billing_account_id, a.billing_period ORDER BY COALESCE(e.priority, ${DEFAULT_PRIORITY}) DESC, a.export);
  `);
}

/** Whether the database holds finops' state at all (a read-only reader of a fresh file finds nothing). */
export async function hasState(con: Connection): Promise<boolean> {
  const r = await con.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE schema_name = $1 AND table_name = 'periods'", [STATE_SCHEMA]);
  return Number(r.getRows()[0][0]) > 0;
}

export interface ExportRecord {
  name: string;
  tablePrefix: string;
  flavour: Flavour;
  curVersion: string;
  bucket: string;
  prefix: string;
  /**
   * `priority = N` from the config: which export a period counts from in focus.costs (higher wins); null: none.
   * Undefined (an export named by flags alone) keeps the priority the database holds.
   */
  priority?: number | null;
}

/** Record the export, refusing a second export whose name cleans to the same table prefix. */
export async function registerExport(con: Connection, exp: ExportRecord, now: Date): Promise<void> {
  const clash = await con.runAndReadAll(`SELECT name FROM ${EXPORTS} WHERE table_prefix = $1 AND name <> $2`, [exp.tablePrefix, exp.name]);
  const other = clash.getRows()[0]?.[0];
  if (other !== undefined) {
    throw new AppError(`export "${exp.name}" would share the tables ${DATA_SCHEMA}.${exp.tablePrefix}_* with export "${String(other)}"`, {
      hint: "Two exports whose names differ only in case or punctuation cannot live in one database: rename one or use another --database.",
    });
  }
  const existing = await con.runAndReadAll(`SELECT count(*) FROM ${EXPORTS} WHERE name = $1`, [exp.name]);
  if (Number(existing.getRows()[0][0]) === 0) {
    await con.run(
      `INSERT INTO ${EXPORTS} (name, table_prefix, flavour, cur_version, bucket, prefix, created_at, priority) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [exp.name, exp.tablePrefix, exp.flavour, exp.curVersion, exp.bucket, exp.prefix, sqlTimestamp(now), exp.priority ?? null],
    );
  } else {
    await con.run(`UPDATE ${EXPORTS} SET flavour = $2, cur_version = $3, bucket = $4, prefix = $5 WHERE name = $1`, [exp.name, exp.flavour, exp.curVersion, exp.bucket, exp.prefix]);
    if (exp.priority !== undefined) await con.run(`UPDATE ${EXPORTS} SET priority = $2 WHERE name = $1`, [exp.name, exp.priority]);
  }
}

export interface CurrentPeriod {
  version: string;
  rows: number;
  tableName: string;
}

export async function currentPeriods(con: Connection, exportName: string): Promise<Map<Period, CurrentPeriod>> {
  const reader = await con.runAndReadAll(`SELECT billing_period, version, rows, table_name FROM ${PERIODS} WHERE export = $1`, [exportName]);
  const out = new Map<Period, CurrentPeriod>();
  for (const [period, version, rows, table] of reader.getRows()) {
    out.set(String(period), { version: String(version), rows: Number(rows), tableName: String(table) });
  }
  return out;
}

/** The period tables of an export, oldest first (its view is their union). */
export async function periodTables(con: Connection, exportName: string): Promise<string[]> {
  const reader = await con.runAndReadAll(`SELECT table_name FROM ${PERIODS} WHERE export = $1 ORDER BY billing_period`, [exportName]);
  return reader.getRows().map((r) => String(r[0]));
}

export interface AttemptStart {
  export: string;
  period: Period;
  version: string;
  manifestKey: string;
  manifestEtag: string;
  files: number;
  bytes: number;
  startedAt: Date;
}

/** Record the start of a load attempt (its own small transaction), so a crash leaves a trace that is not a lie. */
export async function startAttempt(con: Connection, a: AttemptStart): Promise<number> {
  const outcome: LoadOutcome = "started";
  const reader = await con.runAndReadAll(
    `INSERT INTO ${LOADS} (id, export, billing_period, version, manifest_key, manifest_etag, files, bytes, started_at, outcome)
     VALUES (nextval('${STATE_SCHEMA}.load_id'), $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [a.export, a.period, a.version, a.manifestKey, a.manifestEtag, a.files, a.bytes, sqlTimestamp(a.startedAt), outcome],
  );
  return Number(reader.getRows()[0][0]);
}

export async function finishAttempt(con: Connection, id: number, outcome: Exclude<LoadOutcome, "started" | "imported">, error: string, at: Date): Promise<void> {
  await con.run(`UPDATE ${LOADS} SET outcome = $2, error = $3, finished_at = $4 WHERE id = $1`, [id, outcome, error, sqlTimestamp(at)]);
}

/**
 * Attempts still marked `started` belong to a process that died (DuckDB lets one process write a file at a time):
 * say so. Their period tables were never committed, so the previous versions are intact.
 */
export async function markAbandonedAttempts(con: Connection, at: Date): Promise<number> {
  const [interrupted, started]: LoadOutcome[] = ["interrupted", "started"];
  const reader = await con.runAndReadAll(
    `UPDATE ${LOADS} SET outcome = $2, error = 'the process ended before the load finished', finished_at = $1 WHERE outcome = $3 RETURNING id`,
    [sqlTimestamp(at), interrupted, started],
  );
  return reader.getRows().length;
}

export interface CommitPeriod {
  export: string;
  period: Period;
  version: string;
  attemptId: number;
  /** The period table, in DATA_SCHEMA. */
  table: string;
  rows: number;
  files: number;
  bytes: number;
  at: Date;
  /** Source header → column name, where the two differ (legacy CUR); other columns map to themselves. */
  sources: [string, string][];
}

/** Inside the period's transaction: its columns, its current version, and the attempt's success. */
export async function recordPeriod(con: Connection, p: CommitPeriod): Promise<void> {
  await con.run(`DELETE FROM ${COLUMNS} WHERE export = $1 AND billing_period = $2`, [p.export, p.period]);
  const sources = varcharList(p.sources.map(([h]) => h));
  const names = varcharList(p.sources.map(([, n]) => n));
  await con.run(
    `INSERT INTO ${COLUMNS}
     SELECT $1, $2, coalesce(m.source, c.column_name), c.column_name, c.data_type
     FROM duckdb_columns() c
     LEFT JOIN (SELECT unnest($5::VARCHAR[]) AS source, unnest($6::VARCHAR[]) AS name) m ON m.name = c.column_name
     WHERE c.schema_name = $3 AND c.table_name = $4
     ORDER BY c.column_index`,
    [p.export, p.period, DATA_SCHEMA, p.table, sources.value, names.value],
    [undefined, undefined, undefined, undefined, sources.type, names.type] as never,
  );
  const now = sqlTimestamp(p.at);
  await con.run(`DELETE FROM ${PERIODS} WHERE export = $1 AND billing_period = $2`, [p.export, p.period]);
  await con.run(`INSERT INTO ${PERIODS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
    p.export, p.period, p.version, p.attemptId, p.table, p.rows, p.files, p.bytes, now,
  ]);
  const imported: LoadOutcome = "imported";
  await con.run(`UPDATE ${LOADS} SET outcome = $4, rows = $2, finished_at = $3 WHERE id = $1`, [p.attemptId, p.rows, now, imported]);
}

// ── Reading the state: list-exports, show-state.

export interface ExportSummary {
  name: string;
  flavour: string;
  source: string;
  periods: number;
  firstPeriod: string | null;
  lastPeriod: string | null;
  rows: number;
  lastImport: string | null;
  view: string;
  /** How the export counts in focus.costs: its priority, the periods it counts for, the ones another export shadows. */
  focus: { priority: number | null; counted: Period[]; shadowed: { period: Period; billingAccountId: string | null; by: string }[] };
}

export interface PeriodState {
  export: string;
  period: string;
  version: string;
  rows: number;
  files: number | null;
  bytes: number | null;
  importedAt: string | null;
  table: string;
}

export interface LoadRecord {
  id: number;
  export: string;
  period: string;
  version: string | null;
  manifestKey: string | null;
  manifestEtag: string | null;
  files: number | null;
  bytes: number | null;
  rows: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  outcome: LoadOutcome;
  error: string | null;
  current: boolean;
}

/** A timestamp column as ISO 8601 UTC text (`2025-10-03T05:36:21Z`), in SQL. */
const iso = (column: string) => `replace(${column}::VARCHAR, ' ', 'T') || 'Z'`;

/** Rows as objects keyed by the SELECT's aliases; BIGINTs become numbers. */
async function readObjects<T>(con: Connection, sql: string, params: (string | null)[] = []): Promise<T[]> {
  const reader = await con.runAndReadAll(sql, params);
  return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])) as T);
}

export async function exportSummaries(con: Connection): Promise<ExportSummary[]> {
  const rows = await readObjects<ExportSummary & { flavour: Flavour }>(con, `
    SELECT e.name, e.flavour, 's3://' || e.bucket || '/' || e.prefix AS source, count(p.billing_period) AS periods,
           min(p.billing_period) AS "firstPeriod", max(p.billing_period) AS "lastPeriod",
           coalesce(sum(p.rows), 0)::BIGINT AS rows, ${iso("max(p.imported_at)")} AS "lastImport",
           '${DATA_SCHEMA}.' || e.table_prefix AS view
    FROM ${EXPORTS} e LEFT JOIN ${PERIODS} p ON p.export = e.name
    GROUP BY ALL ORDER BY e.name`);
  const counted = await countedPeriods(con);
  return rows.map((r) => {
    const mine = counted.filter((c) => c.export === r.name);
    const shadowed = mine.filter((c) => !c.counts).map((c) => ({ period: c.billingPeriod, billingAccountId: c.billingAccountId, by: c.countedFrom }));
    const countedPeriodsOf = [...new Set(mine.filter((c) => c.counts).map((c) => c.billingPeriod))];
    return {
      ...r,
      flavour: FLAVOUR_LABELS[r.flavour] ?? r.flavour,
      focus: { priority: mine[0]?.priority ?? null, counted: countedPeriodsOf, shadowed },
    };
  });
}

export function periodStates(con: Connection, exportName?: string): Promise<PeriodState[]> {
  return readObjects<PeriodState>(
    con,
    `SELECT export, billing_period AS period, version, rows, files, bytes, ${iso("imported_at")} AS "importedAt",
            '${DATA_SCHEMA}.' || table_name AS "table"
     FROM ${PERIODS} WHERE $1::VARCHAR IS NULL OR export = $1 ORDER BY export, billing_period`,
    [exportName ?? null],
  );
}

export function loadHistory(con: Connection, period: Period, exportName?: string): Promise<LoadRecord[]> {
  return readObjects<LoadRecord>(
    con,
    `SELECT l.id, l.export, l.billing_period AS period, l.version, l.manifest_key AS "manifestKey",
            l.manifest_etag AS "manifestEtag", l.files, l.bytes, l.rows, ${iso("l.started_at")} AS "startedAt",
            ${iso("l.finished_at")} AS "finishedAt", l.outcome, l.error, (p.load_id IS NOT NULL) AS current
     FROM ${LOADS} l LEFT JOIN ${PERIODS} p ON p.load_id = l.id
     WHERE l.billing_period = $1 AND ($2::VARCHAR IS NULL OR l.export = $2)
     ORDER BY l.export, l.id`,
    [period, exportName ?? null],
  );
}

/** A period table of an export with its columns (name, type, and the source header they came from). */
export interface PeriodColumns {
  period: Period;
  table: string;
  columns: { name: string; type: string; source?: string }[];
}

/** The export's flavour and its period tables with their columns, oldest first (the cost model reads them). */
export async function exportPeriodColumns(con: Connection, exportName: string): Promise<{ flavour: Flavour | null; periods: PeriodColumns[] }> {
  const f = await con.runAndReadAll(`SELECT flavour FROM ${EXPORTS} WHERE name = $1`, [exportName]);
  const flavour = (f.getRows()[0]?.[0] ?? null) as Flavour | null;
  const r = await con.runAndReadAll(
    `SELECT p.billing_period, p.table_name, c.column_name, c.data_type, m.source_name
     FROM ${PERIODS} p
     JOIN duckdb_columns() c ON c.schema_name = $2 AND c.table_name = p.table_name AND c.database_name = current_database()
     LEFT JOIN ${COLUMNS} m ON m.export = p.export AND m.billing_period = p.billing_period AND m.column_name = c.column_name
     WHERE p.export = $1
     ORDER BY p.billing_period, c.column_index`,
    [exportName, DATA_SCHEMA],
  );
  const periods = new Map<string, PeriodColumns>();
  for (const [period, table, name, type, source] of r.getRows()) {
    const key = String(period);
    if (!periods.has(key)) periods.set(key, { period: key, table: String(table), columns: [] });
    periods.get(key)!.columns.push({ name: String(name), type: String(type), ...(source === null ? {} : { source: String(source) }) });
  }
  return { flavour, periods: [...periods.values()] };
}

/**
 * Record which billing accounts a period holds, from the period's FOCUS rows: one row per (BillingAccountId,
 * BillingPeriodStart) with its row count. A period's rows usually share one BillingPeriodStart; a file that mixes
 * several (the FOCUS sample data) or has none (NULL: a legacy CUR without bill/BillingPeriodStartDate) is kept whole.
 */
export async function replaceFocusAccounts(con: Connection, exportName: string, period: Period, focusSelect: string): Promise<void> {
  await con.run(`DELETE FROM ${FOCUS_ACCOUNTS} WHERE export = $1 AND billing_period = $2`, [exportName, period]);
  await con.run(
    `INSERT INTO ${FOCUS_ACCOUNTS} SELECT $1, $2, BillingAccountId, BillingPeriodStart, count(*) FROM (${focusSelect}) GROUP BY BillingAccountId, BillingPeriodStart`,
    [exportName, period],
  );
}

/** The exports that have FOCUS rows, by name, with their table prefix (the name of their FOCUS view). */
export async function focusExports(con: Connection): Promise<{ name: string; prefix: string }[]> {
  const r = await con.runAndReadAll(
    `SELECT e.name, e.table_prefix FROM ${EXPORTS} e WHERE e.name IN (SELECT export FROM ${FOCUS_ACCOUNTS}) ORDER BY e.name`,
  );
  return r.getRows().map(([n, p]) => ({ name: String(n), prefix: String(p) }));
}

/**
 * The exports whose cost model is missing (a database written by a finops before it): current periods but no view
 * `focusSchema.{table prefix}`, or a period with rows that finops.focus_accounts does not know. An empty period has
 * no accounts, so it never counts as missing.
 */
export async function exportsWithoutFocus(con: Connection, focusSchema: string): Promise<{ name: string; prefix: string }[]> {
  const r = await con.runAndReadAll(
    `SELECT e.name, e.table_prefix FROM ${EXPORTS} e
     WHERE e.flavour IS NOT NULL AND EXISTS (SELECT 1 FROM ${PERIODS} p WHERE p.export = e.name)
       AND (NOT EXISTS (SELECT 1 FROM duckdb_views() v
                        WHERE v.database_name = current_database() AND v.schema_name = $1 AND v.view_name = e.table_prefix)
            OR EXISTS (SELECT 1 FROM ${PERIODS} p
                       WHERE p.export = e.name AND p.rows > 0
                         AND NOT EXISTS (SELECT 1 FROM ${FOCUS_ACCOUNTS} a WHERE a.export = p.export AND a.billing_period = p.billing_period)))
     ORDER BY e.name`,
    [focusSchema],
  );
  return r.getRows().map(([n, p]) => ({ name: String(n), prefix: String(p) }));
}

/**
 * The rows of `source` (an export's FOCUS rows, e.g. its focus."{export}" view) that count in focus.costs: the rule
 * of finops.focus_counted, as a semi join against the export's counted (billing account, billing period start) pairs,
 * NULL-safe alike. focus.costs is built this way because DuckDB runs a correlated EXISTS (the first form of the rule) as a delimiter
 * join that hashes every row twice: sum(EffectiveCost) through focus.costs took about twice the raw query on a
 * 2,000,000-row period, 1.25 times with the semi join (`npm run bench -- --focus`).
 */
export function countedSelect(source: string, exportParam: string): string {
  return `SELECT f.* FROM ${source} f SEMI JOIN (SELECT billing_account_id, billing_period_start FROM ${FOCUS_COUNTED} WHERE counts AND export = ${exportParam}) w
    ON w.billing_account_id IS NOT DISTINCT FROM f."BillingAccountId" AND w.billing_period_start IS NOT DISTINCT FROM f."BillingPeriodStart"`;
}

/**
 * `table` (FOCUS rows with an export column, e.g. the reports' summaries) kept to the rows `countedSelect` keeps,
 * as a subquery: a semi join against the (export, billing account, billing period start) triples that count, the
 * same rule, NULL-safe alike (IS NOT DISTINCT FROM). A correlated EXISTS per row runs as a delimiter join that copies
 * every row first; the semi join against the few counted triples reads a 1,450,000-row summary 3–4 times faster
 * (`npm run bench -- --reports`).
 */
export function countedRows(table: string, exportColumn: string): string {
  return `(SELECT c.* FROM ${table} c SEMI JOIN (SELECT DISTINCT export, billing_account_id, billing_period_start FROM ${FOCUS_COUNTED} WHERE counts) w
    ON w.export = c.${ident(exportColumn)} AND w.billing_account_id IS NOT DISTINCT FROM c."BillingAccountId"
    AND w.billing_period_start IS NOT DISTINCT FROM c."BillingPeriodStart")`;
}

/** Per export and period: its billing accounts, whether each counts in focus.costs, and which export it counts from. */
export interface CountedPeriod {
  export: string;
  billingPeriod: Period;
  billingAccountId: string | null;
  counts: boolean;
  countedFrom: string;
  priority: number;
}

export async function countedPeriods(con: Connection): Promise<CountedPeriod[]> {
  if (!(await hasFocusState(con))) return [];
  const r = await con.runAndReadAll(
    `SELECT DISTINCT export, billing_period, billing_account_id, counts, counted_from, priority FROM ${FOCUS_COUNTED} ORDER BY export, billing_period, billing_account_id`,
  );
  return r.getRows().map(([e, p, a, c, from, prio]) => ({
    export: String(e),
    billingPeriod: String(p),
    billingAccountId: a === null ? null : String(a),
    counts: Boolean(c),
    countedFrom: String(from),
    priority: Number(prio),
  }));
}

/** Whether the database has the cost model's bookkeeping (a database written before it has not). */
export async function hasFocusState(con: Connection): Promise<boolean> {
  const r = await con.runAndReadAll("SELECT count(*) FROM duckdb_views() WHERE schema_name = $1 AND view_name = 'focus_counted'", [STATE_SCHEMA]);
  return Number(r.getRows()[0][0]) > 0;
}

// ── The Parquet lake (src/lake/): what each period of the database is, and what a lake holds.

const LAKE_PERIODS = stateTable("lake_periods");

/** A period table as the lake sees it: the export's table prefix names its folder, the version and load its content. */
export interface LakeRawPeriod {
  export: string;
  prefix: string;
  period: Period;
  version: string;
  loadId: number;
  rows: number;
  /** The period table, in DATA_SCHEMA. */
  table: string;
}

export async function lakeRawPeriods(con: Connection): Promise<LakeRawPeriod[]> {
  return readObjects<LakeRawPeriod>(
    con,
    `SELECT p.export, e.table_prefix AS prefix, p.billing_period AS period, p.version, p.load_id AS "loadId", p.rows, p.table_name AS "table"
     FROM ${PERIODS} p JOIN ${EXPORTS} e ON e.name = p.export ORDER BY e.table_prefix, p.billing_period`,
  );
}

/** One (export, billing account, BillingPeriodStart) a billing period counts from in focus.costs, with its load. */
export interface CountedLoad {
  period: Period;
  export: string;
  version: string;
  loadId: number;
  billingAccountId: string | null;
  billingPeriodStart: string | null;
  rows: number;
}

/** Everything focus.costs counts, per billing period: the lake's focus/ partitions and their versions come from it. */
export async function countedLoads(con: Connection): Promise<CountedLoad[]> {
  if (!(await hasFocusState(con))) return [];
  return readObjects<CountedLoad>(
    con,
    `SELECT c.billing_period AS period, c.export, p.version, p.load_id AS "loadId", c.billing_account_id AS "billingAccountId",
            c.billing_period_start::VARCHAR AS "billingPeriodStart", c.rows
     FROM ${FOCUS_COUNTED} c JOIN ${PERIODS} p ON p.export = c.export AND p.billing_period = c.billing_period
     WHERE c.counts
     ORDER BY c.billing_period, c.export, c.billing_account_id NULLS FIRST, c.billing_period_start NULLS FIRST`,
  );
}

/** What a lake holds of one table and period (its `_finops_lake.json`, mirrored in finops.lake_periods). */
export interface LakePeriodRecord {
  table: string;
  period: Period;
  version: string;
  rows: number;
  bytes: number;
  /** ISO 8601 UTC. */
  exportedAt: string;
}

/** What the database last saw the lake at `root` hold (nothing: no export to it yet, or a database without the table). */
export async function lakePeriods(con: Connection, root: string): Promise<LakePeriodRecord[]> {
  const r = await con.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE schema_name = $1 AND table_name = 'lake_periods'", [STATE_SCHEMA]);
  if (Number(r.getRows()[0][0]) === 0) return [];
  return readObjects<LakePeriodRecord>(
    con,
    `SELECT table_name AS "table", billing_period AS period, version, rows, bytes, ${iso("exported_at")} AS "exportedAt"
     FROM ${LAKE_PERIODS} WHERE lake_root = $1 ORDER BY table_name, billing_period`,
    [root],
  );
}

/** Make finops.lake_periods say what the lake at `root` holds now (one transaction). */
export async function replaceLakePeriods(con: Connection, root: string, records: LakePeriodRecord[]): Promise<void> {
  await con.run(`CREATE SCHEMA IF NOT EXISTS ${ident(STATE_SCHEMA)}`);
  await con.run(`CREATE TABLE IF NOT EXISTS ${LAKE_PERIODS} (
    lake_root VARCHAR NOT NULL, table_name VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, version VARCHAR NOT NULL,
    rows BIGINT NOT NULL, bytes BIGINT NOT NULL, exported_at TIMESTAMP)`);
  await con.run("BEGIN TRANSACTION");
  try {
    await con.run(`DELETE FROM ${LAKE_PERIODS} WHERE lake_root = $1`, [root]);
    for (const p of records) {
      await con.run(`INSERT INTO ${LAKE_PERIODS} VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        root, p.table, p.period, p.version, p.rows, p.bytes, sqlTimestamp(new Date(p.exportedAt)),
      ]);
    }
    await con.run("COMMIT");
  } catch (err) {
    await con.run("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
