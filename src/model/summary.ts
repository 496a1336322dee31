/**
 * What the reports read: per export and period, the period's FOCUS rows summed per UTC day and per report dimension
 * (`finops.daily_costs`), and its untagged resources (`finops.untagged_resources`). Both are written in the
 * transaction that replaces the period (model/views.ts), so they always match the period's current version, and
 * reports over years of hourly line items read thousands of rows instead of millions.
 *
 * The columns keep their FOCUS names, so that focus.costs' counting rule (store/state.ts, `countedRows`) applies to
 * them unchanged.
 */
import { ident, type Connection } from "../store/duckdb.ts";
import type { Period } from "../store/naming.ts";

export const DAILY_COSTS = `${ident("finops")}.${ident("daily_costs")}`;
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
  ["Tags", "MAP(VARCHAR, VARCHAR)"],
];

export async function ensureSummaryTables(con: Connection): Promise<void> {
  const measures = MEASURES.map((m) => `${ident(m)} DOUBLE`).join(", ");
  await con.run(`
    CREATE TABLE IF NOT EXISTS ${DAILY_COSTS} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, ChargeDay DATE,
      ${DIMENSIONS.map(([n, t]) => `${ident(n)} ${t}`).join(", ")}, ${measures}, line_items BIGINT);
    CREATE TABLE IF NOT EXISTS ${UNTAGGED_RESOURCES} (
      export VARCHAR NOT NULL, billing_period VARCHAR NOT NULL, x_Export VARCHAR, BillingAccountId VARCHAR,
      BillingPeriodStart TIMESTAMP, BillingCurrency VARCHAR, ResourceId VARCHAR, ServiceName VARCHAR,
      SubAccountId VARCHAR, RegionId VARCHAR, ${measures});`);
}

/** Replace the summaries of one export's period from its FOCUS SELECT. */
export async function replaceSummaries(con: Connection, exportName: string, period: Period, focusSelect: string): Promise<void> {
  await dropSummaries(con, exportName, period); // creates the tables when missing
  const dims = DIMENSIONS.map(([n]) => ident(n)).join(", ");
  const sums = MEASURES.map((m) => `sum(${ident(m)})`).join(", ");
  // A day is the UTC date of ChargePeriodStart (TIMESTAMP columns hold UTC); monthly fees land on the 1st.
  await con.run(
    `INSERT INTO ${DAILY_COSTS}
     SELECT $1, $2, CAST("ChargePeriodStart" AS DATE), ${dims}, ${sums}, count(*)
     FROM (${focusSelect}) GROUP BY ALL`,
    [exportName, period],
  );
  await con.run(
    `INSERT INTO ${UNTAGGED_RESOURCES}
     SELECT $1, $2, "x_Export", "BillingAccountId", "BillingPeriodStart", "BillingCurrency", "ResourceId",
            "ServiceName", "SubAccountId", "RegionId", ${sums}
     FROM (${focusSelect})
     WHERE "ResourceId" IS NOT NULL AND "ResourceId" <> '' AND coalesce(cardinality("Tags"), 0) = 0
     GROUP BY ALL`,
    [exportName, period],
  );
}

export async function dropSummaries(con: Connection, exportName: string, period: Period): Promise<void> {
  await ensureSummaryTables(con);
  for (const t of [DAILY_COSTS, UNTAGGED_RESOURCES]) {
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
