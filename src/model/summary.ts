/**
 * What the reports read: per export and period, the period's FOCUS rows summed per UTC day and per report dimension
 * (`finops.daily_costs`), each distinct set of tags those rows carry as one row per tag (`finops.daily_tags`, joined
 * on `x_TagSet`), and its untagged resources (`finops.untagged_resources`). All are written in the
 * transaction that replaces the period (model/views.ts), so they always match the period's current version, and
 * reports over years of hourly line items read thousands of rows instead of millions.
 *
 * The columns keep their FOCUS names, so that focus.costs' counting rule (store/state.ts, `countedRows`) applies to
 * them unchanged.
 */
import { ident, type Connection } from "../store/duckdb.ts";
import type { Period } from "../store/naming.ts";
import { hash128, type periodSummarySelect } from "./focus.ts";

type SummarySelect = ReturnType<typeof periodSummarySelect>;

export const DAILY_COSTS = `${ident("finops")}.${ident("daily_costs")}`;
export const DAILY_TAGS = `${ident("finops")}.${ident("daily_tags")}`;
export const UNTAGGED_RESOURCES = `${ident("finops")}.${ident("untagged_resources")}`;

/** The summed measures, in the order the reports name them (report --cost). */
export const MEASURES = ["BilledCost", "EffectiveCost", "x_NetAmortizedCost", "ListCost", "x_UnblendedCost"] as const;

const DIMENSIONS: [string, string][] = [
  ["x_Export", "VARCHAR"],
  ["BillingAccountId", "VARCHAR"],
  ["BillingPeriodStart", "TIMESTAMP"],
  ["BillingCurrency", "VARCHAR"],
  ["ServiceName", "VARCHAR"],
  ["SubAccountId", "VARCHAR"],
  ["SubAccountName", "VARCHAR"],
  ["RegionId", "VARCHAR"],
  ["ChargeCategory", "VARCHAR"],
  ["ChargeFrequency", "VARCHAR"],
  ["x_UsageType", "VARCHAR"],
];

/**
 * The column of daily_costs naming a row's set of tags in daily_tags (128 bits of hash over the tags, model/focus.ts
 * tagsKey: the same tags in every period and export it appears in), NULL where the row has no tags.
 */
export const TAG_SET = "x_TagSet";

export async function ensureSummaryTables(con: Connection): Promise<void> {
  const measures = MEASURES.map((m) => `${ident(m)} DOUBLE`).join(", ");
  await con.run(`
    CREATE TABLE IF NOT EXISTS ${DAILY_COSTS} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, ChargeDay DATE,
      ${DIMENSIONS.map(([n, t]) => `${ident(n)} ${t}`).join(", ")}, ${ident(TAG_SET)} UHUGEINT, ${measures}, line_items BIGINT);
    CREATE TABLE IF NOT EXISTS ${DAILY_TAGS} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, ${ident(TAG_SET)} UHUGEINT NOT NULL,
      key VARCHAR NOT NULL, value VARCHAR NOT NULL);
    CREATE TABLE IF NOT EXISTS ${UNTAGGED_RESOURCES} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, x_Export VARCHAR, BillingAccountId VARCHAR,
      BillingPeriodStart TIMESTAMP, BillingCurrency VARCHAR, ResourceId VARCHAR, ServiceName VARCHAR,
      SubAccountId VARCHAR, RegionId VARCHAR, ${measures});`);
}

/**
 * Whether the database's daily_costs was written by a finops that kept each row's tags as a MAP (`Tags`) instead of
 * naming its set of tags in daily_tags: the reports cannot read it, and the next import rebuilds it
 * (model/views.ts, rebuildMissingFocus).
 */
export async function summariesOutdated(con: Connection): Promise<boolean> {
  return (await summaryLayout(con)) === "outdated";
}

/** Whether daily_costs exists, and if so whether an older finops wrote it (summariesOutdated): one catalog query. */
export async function summaryLayout(con: Connection): Promise<"none" | "outdated" | "current"> {
  const r = await con.runAndReadAll(
    `SELECT count(*), count(*) FILTER (WHERE column_name = $1)
     FROM duckdb_columns() WHERE schema_name = 'finops' AND table_name = 'daily_costs'`,
    [TAG_SET],
  );
  const [columns, setColumns] = r.getRows()[0].map(Number);
  return columns === 0 ? "none" : setColumns === 0 ? "outdated" : "current";
}

/** Drop the summaries written by an older finops (summariesOutdated), to be rebuilt in the same transaction. */
export async function dropOutdatedSummaries(con: Connection): Promise<void> {
  for (const t of [DAILY_COSTS, DAILY_TAGS, UNTAGGED_RESOURCES]) await con.run(`DROP TABLE IF EXISTS ${t}`);
  await ensureSummaryTables(con);
}

/**
 * Replace the summaries of one export's period from its summary expressions (model/focus.ts, periodSummarySelect).
 *
 * daily_costs is built in steps, so that a period whose every line item has its own set of hundreds of tags (each
 * group then a line item) fits in the memory a load is given: first the sums per day, per 128-bit key of the
 * dimensions and per key of the tags, with one line item of each group (a temporary table: narrow, whatever the
 * report's width); then each group's dimensions are read from that one line item, and each distinct set of tags is
 * written once to daily_tags, one row per tag, from one line item that carries it. Grouping by the dimensions and a
 * MAP of the tags held every distinct map in one hash table, and ran out of memory at 400 MB on a 400-column period
 * that loads in it; building a MAP per group afterwards took 16–18 s and ~770 MiB for that period's 500,000 groups of
 * ~60 tags, where writing the same 30 million tags as rows, 32 tag columns at a time, takes ~15 s at 463 MiB.
 * Line items of one group share their dimensions and tags (up to a collision of two 64-bit hashes at once), so the
 * dimensions read from one of them are the group's.
 */
export async function replaceSummaries(
  con: Connection,
  exportName: string,
  period: Period,
  select: SummarySelect,
  onProgress?: (percent: number) => void,
): Promise<void> {
  await dropSummaries(con, exportName, period); // creates the tables when missing
  const plain = DIMENSIONS.map(([n]) => n);
  const dims = plain.map((n) => select.column(n));
  const measures = MEASURES.map((m) => select.column(m));
  const groups = ident("finops_summary_groups");
  const sets = ident("finops_summary_tag_sets");
  const from = `${ident("temp")}.${sets} JOIN ${select.table} ON ${select.table}.rowid = ${ident("temp")}.${sets}.__row`;
  const tagRows = select.tagRows(from, "__set");
  // The statements, for progress: a 400-column period's summaries take as long as its load (README, Performance).
  const steps = 4 + tagRows.length;
  let done = 0;
  const step = () => onProgress?.((++done / steps) * 100);
  try {
    // A day is the UTC date of ChargePeriodStart (TIMESTAMP columns hold UTC); monthly fees land on the 1st. The
    // temporary tables' columns start with __ so that they never shadow a column of the period table in the join.
    await con.run(
      `CREATE OR REPLACE TEMP TABLE ${groups} AS
       SELECT CAST(${select.column("ChargePeriodStart")} AS DATE) AS __day,
              ${hash128(dims)} AS __dims,
              CASE WHEN ${select.untagged} THEN NULL ELSE ${select.tagsKey} END AS __tags,
              ${measures.map((m, i) => `sum(${m}) AS __m${i}`).join(", ")}, count(*) AS __n, min(rowid) AS __row
       FROM ${select.table} GROUP BY ALL`,
    );
    step();
    await con.run(
      `INSERT INTO ${DAILY_COSTS} (export, billing_period, ChargeDay, ${[...plain, TAG_SET].map(ident).join(", ")}, ${MEASURES.map(ident).join(", ")}, line_items)
       SELECT $1, $2, g.__day, ${dims.join(", ")}, g.__tags, ${measures.map((_, i) => `g.__m${i}`).join(", ")}, g.__n
       FROM ${ident("temp")}.${groups} g JOIN ${select.table} ON ${select.table}.rowid = g.__row`,
      [exportName, period],
    );
    step();
    await con.run(
      `CREATE OR REPLACE TEMP TABLE ${sets} AS
       SELECT __tags AS __set, min(__row) AS __row FROM ${ident("temp")}.${groups} WHERE __tags IS NOT NULL GROUP BY __tags`,
    );
    await con.run(`DROP TABLE ${ident("temp")}.${groups}`);
    step();
    for (const rows of tagRows) {
      await con.run(
        `INSERT INTO ${DAILY_TAGS} (export, billing_period, ${ident(TAG_SET)}, key, value)
         SELECT $1, $2, t.__set, t.key, t.value FROM (${rows}) t`,
        [exportName, period],
      );
      step();
    }
  } finally {
    // In a transaction DuckDB aborted, this fails too, and the error that aborted it is the one to see.
    for (const t of [groups, sets]) await con.run(`DROP TABLE IF EXISTS ${ident("temp")}.${t}`).catch(() => undefined);
  }
  const untaggedKey = ["x_Export", "BillingAccountId", "BillingPeriodStart", "BillingCurrency", "ResourceId", "ServiceName", "SubAccountId", "RegionId"];
  await con.run(
    `INSERT INTO ${UNTAGGED_RESOURCES}
     SELECT $1, $2, ${untaggedKey.map(ident).join(", ")}, ${MEASURES.map((m) => `sum(${ident(m)})`).join(", ")}
     FROM (SELECT ${[...untaggedKey, ...MEASURES].map((n) => `${select.column(n)} AS ${ident(n)}`).join(", ")}
           FROM ${select.table} WHERE ${select.untagged})
     WHERE "ResourceId" IS NOT NULL AND "ResourceId" <> ''
     GROUP BY ALL`,
    [exportName, period],
  );
  step();
}

export async function dropSummaries(con: Connection, exportName: string, period: Period): Promise<void> {
  await ensureSummaryTables(con);
  for (const t of [DAILY_COSTS, DAILY_TAGS, UNTAGGED_RESOURCES]) {
    await con.run(`DELETE FROM ${t} WHERE export = $1 AND billing_period = $2`, [exportName, period]);
  }
}

/** The periods of an export that have no summary yet (a database written before the reports). */
export async function periodsWithoutSummary(con: Connection): Promise<{ export: string; period: Period }[]> {
  await ensureSummaryTables(con);
  const r = await con.runAndReadAll(
    `SELECT a.export, a.billing_period FROM ${ident("finops")}.${ident("focus_accounts")} a
     WHERE a.rows > 0 AND NOT EXISTS (SELECT 1 FROM ${DAILY_COSTS} d WHERE d.export = a.export AND d.billing_period = a.billing_period)
     GROUP BY ALL ORDER BY ALL`,
  );
  return r.getRows().map(([e, p]) => ({ export: String(e), period: String(p) }));
}
