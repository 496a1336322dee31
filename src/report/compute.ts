/**
 * The reports, computed in DuckDB from the summaries the import keeps (model/summary.ts): `finops.daily_costs`
 * (cost per UTC day and report dimension), `finops.daily_tags` (the tags of its rows' tag sets) and
 * `finops.untagged_resources`, counting each (billing account, billing
 * period) from one export only, exactly as focus.costs does (store/state.ts: countedRows, the same rule as focus.costs'
 * countedSelect, with the export read from each row).
 */
import { AppError, ExitCode } from "../errors.ts";
import { ident, literal, type Connection } from "../store/duckdb.ts";
import { countedRows } from "../store/state.ts";
import { DAILY_COSTS, DAILY_TAGS, summaryLayout, TAG_SET, UNTAGGED_RESOURCES } from "../model/summary.ts";
import type { AnomaliesReport, CostKind, CostsReport, DailyReport, Dimension, MoversReport, TagsReport } from "./types.ts";

export const COST_KINDS: Record<CostKind, string> = {
  billed: "BilledCost",
  effective: "EffectiveCost",
  "net-effective": "x_NetAmortizedCost",
  list: "ListCost",
  unblended: "x_UnblendedCost",
};

export const DIMENSION_COLUMNS: Record<string, string> = {
  service: "ServiceName",
  account: "SubAccountId",
  region: "RegionId",
  "charge-category": "ChargeCategory",
  "usage-type": "x_UsageType",
  export: "x_Export",
};

export const NONE = "(none)";
export const OTHER = "(other)";
export const UNTAGGED = "(untagged)";

export interface Filters {
  exports?: string[];
  accounts?: string[];
  services?: string[];
  tags?: { key: string; value: string }[];
}

export function parseCostKind(text: string): CostKind {
  if (text in COST_KINDS) return text as CostKind;
  throw new AppError(`--cost must be one of ${Object.keys(COST_KINDS).join(", ")} (got "${text}")`, { exitCode: ExitCode.usage });
}

export function parseDimension(text: string): Dimension {
  if (text in DIMENSION_COLUMNS) return text as Dimension;
  if (text.startsWith("tag:") && text.length > 4) return text as Dimension;
  throw new AppError(`--by must be one of ${Object.keys(DIMENSION_COLUMNS).join(", ")} or tag:KEY (got "${text}")`, { exitCode: ExitCode.usage });
}

export function parseTagFilter(text: string): { key: string; value: string } {
  const at = text.indexOf("=");
  if (at <= 0) throw new AppError(`--tag takes KEY=VALUE (got "${text}")`, { exitCode: ExitCode.usage });
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}


/**
 * SQL for a dimension's key, never NULL, and the join it needs (after FROM ${DAILY}). A tag key reads the tag of the
 * row's tag set from daily_tags (keys in CUR 2.0 form, see model/focus.ts): a join on a key that is unique per
 * (export, period, set, key), so every summary row is counted once.
 */
function dimension(by: Dimension, params: unknown[]): { key: string; join: string } {
  if (by.startsWith("tag:")) {
    params.push(by.slice(4));
    const join = `LEFT JOIN ${DAILY_TAGS} t ON ${TAGS_OF_ROW} AND t.key = $${params.length}`;
    return { key: `coalesce(nullif(t.value, ''), ${literal(UNTAGGED)})`, join };
  }
  return { key: `coalesce(nullif(CAST(d.${ident(DIMENSION_COLUMNS[by])} AS VARCHAR), ''), ${literal(NONE)})`, join: "" };
}

/** The summaries' counted rows (FROM …), aliased d. */
/**
 * A row's billing period: BillingPeriodStart, or — for a report without it (a legacy CUR without
 * bill/BillingPeriodStartDate) — the first day of the period folder it was delivered in.
 */
const withPeriod = (rows: string) =>
  `(SELECT * REPLACE (coalesce("BillingPeriodStart", CAST(strptime(billing_period, '%Y-%m') AS TIMESTAMP)) AS "BillingPeriodStart") FROM ${rows})`;
const DAILY = `${withPeriod(countedRows(DAILY_COSTS, "export"))} d`;
/** Joins daily_tags (t) to the summary row (d) whose tag set it holds. */
const TAGS_OF_ROW = `t.export = d.export AND t.billing_period = d.billing_period AND t.${ident(TAG_SET)} = d.${ident(TAG_SET)}`;
const UNTAGGED_ROWS = `${withPeriod(countedRows(UNTAGGED_RESOURCES, "export"))} d`;

/** WHERE clause: the user's filters (values bound as parameters); `true` without any. */
function where(filters: Filters, params: unknown[]): string {
  const parts: string[] = [];
  const inList = (column: string, values: string[] | undefined) => {
    if (!values?.length) return;
    const marks = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    parts.push(`d.${ident(column)} IN (${marks.join(", ")})`);
  };
  inList("x_Export", filters.exports);
  inList("SubAccountId", filters.accounts);
  inList("ServiceName", filters.services);
  for (const t of filters.tags ?? []) {
    params.push(t.key, t.value);
    // A set's id means the same tags in every export and period (model/focus.ts, tagsKey): no need to match them.
    parts.push(`d.${ident(TAG_SET)} IN (SELECT ${ident(TAG_SET)} FROM ${DAILY_TAGS} WHERE key = $${params.length - 1} AND value = $${params.length})`);
  }
  return parts.length ? parts.join(" AND ") : "true";
}

async function rows(con: Connection, sql: string, params: unknown[]): Promise<unknown[][]> {
  const r = await con.runAndReadAll(sql, params as never);
  return r.getRows() as unknown[][];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const month = (v: unknown): string => String(v);

/** The first instant of a YYYY-MM month, `after` months later, as a TIMESTAMP literal; undefined for anything else. */
function monthStart(m: string, after = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(m);
  if (!match) return undefined;
  const d = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1 + after, 1));
  return `TIMESTAMP '${d.toISOString().slice(0, 10)}'`;
}

/**
 * The rows whose billing period (YYYY-MM of BillingPeriodStart) is within first..last: a range on the timestamp, so
 * DuckDB compares numbers instead of formatting every row, and skips the row groups outside it.
 */
function periodIn(first: string, last: string): string {
  const [from, to] = [monthStart(first), monthStart(last, 1)];
  if (from && to) return `(d."BillingPeriodStart" >= ${from} AND d."BillingPeriodStart" < ${to})`;
  return `strftime(d."BillingPeriodStart", '%Y-%m') BETWEEN ${literal(first)} AND ${literal(last)}`;
}

/** The billing periods (YYYY-MM) the filtered data holds, oldest first, and its currency. */
async function scope(con: Connection, filters: Filters): Promise<{ months: string[]; currency: string }> {
  const params: unknown[] = [];
  const r = await rows(
    con,
    `SELECT strftime(p, '%Y-%m') AS m, list(DISTINCT c) FROM (
       SELECT DISTINCT d."BillingPeriodStart" AS p, d."BillingCurrency" AS c FROM ${DAILY} WHERE ${where(filters, params)})
     GROUP BY m ORDER BY m`,
    params,
  );
  const currencies = new Set<string>();
  for (const [, list] of r) for (const c of (list as { items?: unknown[] })?.items ?? (list as unknown[]) ?? []) if (c !== null) currencies.add(String(c));
  if (currencies.size > 1) {
    throw new AppError(`the data holds costs in more than one currency (${[...currencies].sort().join(", ")})`, {
      hint: "Narrow the report to one bill with --export or --account.",
    });
  }
  return { months: r.map(([m]) => month(m)), currency: [...currencies][0] ?? "USD" };
}

/** --from after --to is a usage error, not an empty report. */
export function checkMonthRange(from: string | undefined, to: string | undefined): void {
  if (from && to && from > to) throw new AppError(`--from ${from} is after --to ${to}`, { exitCode: ExitCode.usage });
}

function pickMonths(held: string[], from?: string, to?: string, last = 6): string[] {
  if (from || to) return held.filter((m) => (!from || m >= from) && (!to || m <= to));
  return held.slice(-last);
}

/** Months between two YYYY-MM values inclusive (the report's columns; a month without cost reads 0). */
function monthRange(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split("-").map(Number);
  for (;;) {
    const s = `${y}-${String(m).padStart(2, "0")}`;
    if (s > last) break;
    out.push(s);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** The options of the reports that look at costs by a dimension over months (costs, movers). */
export interface ByDimensionOptions {
  cost: CostKind;
  by: Dimension;
  from?: string;
  to?: string;
  top: number;
  filters: Filters;
}

export async function costsReport(con: Connection, o: ByDimensionOptions): Promise<CostsReport> {
  const { months: held, currency } = await scope(con, o.filters);
  const picked = pickMonths(held, o.from, o.to);
  const months = picked.length ? monthRange(picked[0], picked[picked.length - 1]) : [];
  const report: CostsReport = { report: "costs", cost: o.cost, by: o.by, currency, months, rows: [], total: 0 };
  if (months.length === 0) return report;
  const params: unknown[] = [];
  const { key, join } = dimension(o.by, params);
  // Summed per billing period start first, then per month: formatting the month of every row costs more than the sum.
  const r = await rows(
    con,
    `SELECT k, strftime(p, '%Y-%m') AS m, sum(c) AS c FROM (
       SELECT ${key} AS k, d."BillingPeriodStart" AS p, sum(d.${ident(COST_KINDS[o.cost])}) AS c
       FROM ${DAILY} ${join}
       WHERE ${periodIn(months[0], months[months.length - 1])} AND ${where(o.filters, params)}
       GROUP BY k, p)
     GROUP BY k, m`,
    params,
  );
  const byKey = new Map<string, Record<string, number>>();
  for (const [k, m, c] of r) {
    const entry = byKey.get(String(k)) ?? Object.fromEntries(months.map((x) => [x, 0]));
    entry[month(m)] += num(c);
    byKey.set(String(k), entry);
  }
  const all = [...byKey].map(([k, ms]) => ({ key: k, months: ms, total: months.reduce((s, m) => s + ms[m], 0) }));
  // Largest first by size of cost (credits are negative and large credits matter as much as large costs).
  all.sort((a, b) => Math.abs(b.total) - Math.abs(a.total) || a.key.localeCompare(b.key));
  const top = all.slice(0, o.top);
  const rest = all.slice(o.top);
  if (rest.length > 0) {
    const other = Object.fromEntries(months.map((m) => [m, rest.reduce((s, x) => s + x.months[m], 0)]));
    top.push({ key: OTHER, months: other, total: rest.reduce((s, x) => s + x.total, 0) });
  }
  report.rows = top;
  report.total = all.reduce((s, x) => s + x.total, 0);
  return report;
}

export async function moversReport(con: Connection, o: ByDimensionOptions): Promise<MoversReport> {
  const { months: held, currency } = await scope(con, o.filters);
  const to = o.to ?? (o.from ? undefined : held[held.length - 1]);
  const from = o.from ?? (to ? held.filter((m) => m < to).pop() : undefined);
  const report: MoversReport = { report: "movers", cost: o.cost, by: o.by, currency, from: from ?? "", to: to ?? "", rows: [] };
  if (!from || !to) return report;
  const params: unknown[] = [];
  const { key, join } = dimension(o.by, params);
  const r = await rows(
    con,
    `SELECT ${key} AS k,
       sum(d.${ident(COST_KINDS[o.cost])}) FILTER (WHERE ${periodIn(from, from)}) AS a,
       sum(d.${ident(COST_KINDS[o.cost])}) FILTER (WHERE ${periodIn(to, to)}) AS b
     FROM ${DAILY} ${join}
     WHERE (${periodIn(from, from)} OR ${periodIn(to, to)}) AND ${where(o.filters, params)}
     GROUP BY k`,
    params,
  );
  const all = r.map(([k, a, b]) => {
    const f = num(a);
    const t = num(b);
    return { key: String(k), from: f, to: t, change: t - f, percent: f === 0 ? null : ((t - f) / Math.abs(f)) * 100 };
  });
  const up = all.filter((x) => x.change > 0).sort((a, b) => b.change - a.change || a.key.localeCompare(b.key)).slice(0, o.top);
  const down = all.filter((x) => x.change < 0).sort((a, b) => a.change - b.change || a.key.localeCompare(b.key)).slice(0, o.top);
  report.rows = [...up, ...down];
  return report;
}

/** Days whose cost sets the run rate of the forecast. */
const RUN_RATE_DAYS = 7;

export function forecastMethod(): string {
  return (
    `month to date + the average daily cost of the last ${RUN_RATE_DAYS} days with data (the 1st, where monthly fees ` +
    "land, left out) × the days of the month after the last day with data"
  );
}

export async function dailyReport(con: Connection, o: { cost: CostKind; month?: string; filters: Filters }): Promise<DailyReport> {
  const { months: held, currency } = await scope(con, o.filters);
  const m = o.month ?? held[held.length - 1];
  const report: DailyReport = { report: "daily", cost: o.cost, currency, month: m ?? "", days: [], forecast: { total: 0, method: forecastMethod() } };
  if (!m) return report;
  const params: unknown[] = [];
  const r = await rows(
    con,
    `SELECT strftime(day, '%Y-%m-%d') AS day, c FROM (
       SELECT d.ChargeDay AS day, sum(d.${ident(COST_KINDS[o.cost])}) AS c
       FROM ${DAILY}
       WHERE ${periodIn(m, m)} AND ${where(o.filters, params)}
       GROUP BY d.ChargeDay)
     ORDER BY day`,
    params,
  );
  // Every day of the month up to the last day with data (a day without cost reads 0).
  const costs = new Map(r.map(([day, c]) => [String(day), num(c)]));
  const inMonth = [...costs.keys()].filter((d) => d.startsWith(m)).sort();
  const last = inMonth[inMonth.length - 1];
  const [y, mo] = m.split("-").map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const lastDay = last ? Number(last.slice(8)) : 0;
  for (let day = 1; day <= lastDay; day++) {
    const date = `${m}-${String(day).padStart(2, "0")}`;
    report.days.push({ date, cost: costs.get(date) ?? 0 });
  }
  // Charges dated outside the month (rare: corrections) still count in the month's total.
  const outside = [...costs].filter(([d]) => !d.startsWith(m)).reduce((s, [, c]) => s + c, 0);
  const toDate = report.days.reduce((s, d) => s + d.cost, 0) + outside;
  const rate = report.days.filter((d) => !d.date.endsWith("-01")).slice(-RUN_RATE_DAYS);
  const perDay = rate.length ? rate.reduce((s, d) => s + d.cost, 0) / rate.length : 0;
  report.forecast = { total: toDate + perDay * (daysInMonth - lastDay), method: forecastMethod() };
  return report;
}

export interface AnomalyOptions {
  cost: CostKind;
  by: Dimension;
  minAmount: number;
  minPercent: number;
  /** Report days from this date on (YYYY-MM-DD); default: the last 30 days with data. */
  since?: string;
  filters: Filters;
}

export const BASELINE_DAYS = 14;

export function anomalyMethod(o: { minAmount: number; minPercent: number }): string {
  return (
    `a day's usage-based cost per key against the median of the same key's previous ${BASELINE_DAYS} days (days without ` +
    `cost count as 0; at least 7 days of history): reported when it departs from that median by more than ${o.minAmount} ` +
    `and by more than ${o.minPercent}% of it, and by more than 3 scaled median absolute deviations (1.4826 × MAD). ` +
    "Recurring and one-time charges (monthly fees, purchases, tax) are expected spikes and are left out"
  );
}

export async function anomaliesReport(con: Connection, o: AnomalyOptions): Promise<AnomaliesReport> {
  const { currency } = await scope(con, o.filters);
  const report: AnomaliesReport = { report: "anomalies", cost: o.cost, by: o.by, currency, method: anomalyMethod(o), anomalies: [] };
  const params: unknown[] = [];
  const { key, join } = dimension(o.by, params);
  const filter = where(o.filters, params);
  params.push(o.minAmount, o.minPercent / 100, o.since ?? null);
  const [pAmount, pPercent, pSince] = [params.length - 2, params.length - 1, params.length];
  const r = await rows(
    con,
    `WITH daily AS (
       SELECT ${key} AS k, d.ChargeDay AS day, sum(d.${ident(COST_KINDS[o.cost])}) AS cost
       FROM ${DAILY} ${join} WHERE d."ChargeFrequency" = 'Usage-Based' AND ${filter} GROUP BY ALL),
     bounds AS (SELECT k, min(day) AS first FROM daily GROUP BY k),
     last_day AS (SELECT max(day) AS last FROM daily),
     spine AS (
       SELECT b.k, CAST(g.day AS DATE) AS day FROM bounds b, last_day l,
         generate_series(CAST(b.first AS TIMESTAMP), CAST(l.last AS TIMESTAMP), INTERVAL 1 DAY) g(day)),
     filled AS (SELECT s.k, s.day, coalesce(d.cost, 0) AS cost FROM spine s LEFT JOIN daily d USING (k, day)),
     scored AS (
       SELECT k, day, cost,
         median(cost) OVER w AS baseline, mad(cost) OVER w AS mad, count(*) OVER w AS history
       FROM filled WINDOW w AS (PARTITION BY k ORDER BY day ROWS BETWEEN ${BASELINE_DAYS} PRECEDING AND 1 PRECEDING))
     SELECT strftime(day, '%Y-%m-%d'), k, cost, baseline FROM scored, last_day
     WHERE history >= 7
       AND day >= coalesce(CAST($${pSince} AS DATE), last - INTERVAL 29 DAY)
       AND abs(cost - baseline) > $${pAmount}
       AND abs(cost - baseline) > $${pPercent} * abs(baseline)
       AND abs(cost - baseline) > 3 * 1.4826 * mad
     ORDER BY day, abs(cost - baseline) DESC, k`,
    params,
  );
  report.anomalies = r.map(([date, k, c, b]) => ({ date: String(date), key: String(k), cost: num(c), baseline: num(b), change: num(c) - num(b) }));
  return report;
}

export async function tagsReport(
  con: Connection,
  o: { cost: CostKind; from?: string; to?: string; top: number; filters: Filters },
): Promise<TagsReport> {
  const { months: held, currency } = await scope(con, o.filters);
  const months = pickMonths(held, o.from, o.to, 1);
  const report: TagsReport = { report: "tags", cost: o.cost, currency, months, total: 0, keys: [], untagged: 0, untaggedResources: [] };
  if (months.length === 0) return report;
  const cost = ident(COST_KINDS[o.cost]);
  const params: unknown[] = [];
  const inMonths = periodIn(months[0], months[months.length - 1]);
  const filter = where(o.filters, params);
  const [[total, untagged]] = await rows(
    con,
    `SELECT sum(d.${cost}), sum(d.${cost}) FILTER (WHERE d.${ident(TAG_SET)} IS NULL)
     FROM ${DAILY} WHERE ${inMonths} AND ${filter}`,
    params,
  );
  report.total = num(total);
  report.untagged = num(untagged);
  const keys = await rows(
    con,
    `SELECT t.key AS k, sum(d.${cost}) AS c FROM ${DAILY}
       JOIN ${DAILY_TAGS} t ON ${TAGS_OF_ROW}
     WHERE ${inMonths} AND ${filter}
     GROUP BY k ORDER BY c DESC, k`,
    params,
  );
  report.keys = keys.map(([k, c]) => ({ key: String(k), cost: num(c), share: report.total === 0 ? 0 : num(c) / report.total }));
  // Untagged resources: the tag filter cannot apply (they carry no tags), the others do.
  const rParams: unknown[] = [];
  const rFilter = where({ ...o.filters, tags: [] }, rParams);
  rParams.push(o.top);
  const res = await rows(
    con,
    `SELECT d."ResourceId", any_value(d."ServiceName"), sum(d.${cost}) AS c FROM ${UNTAGGED_ROWS}
     WHERE ${inMonths} AND ${rFilter} GROUP BY d."ResourceId" ORDER BY c DESC, 1 LIMIT $${rParams.length}`,
    rParams,
  );
  report.untaggedResources = o.filters.tags?.length ? [] : res.map(([id, s, c]) => ({ resourceId: String(id), service: s === null ? NONE : String(s), cost: num(c) }));
  return report;
}

/**
 * Whether the database has the reports' summaries and a billing period (a database written before the summaries gets
 * them at its next import).
 * Summaries written by an older finops, which kept tags in another form, fail with what to do.
 */
export async function hasReportData(con: Connection): Promise<boolean> {
  const layout = await summaryLayout(con);
  if (layout === "none") return false;
  // finops' tables are made when an import opens the database: one cut short before its first period holds none.
  const held = await con.runAndReadAll(`SELECT count(*) FROM ${ident("finops")}.${ident("periods")}`);
  if (Number(held.getRows()[0][0]) === 0) return false;
  if (layout === "outdated") {
    throw new AppError("the reports' summaries in this database were written by an older finops", {
      hint: "Run finops aws import-cur once (it rebuilds them, even when no period is new), then the report again.",
    });
  }
  return true;
}

/** A positive whole number (--top). */
export function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new AppError(`${flag} takes a whole number of at least 1 (got "${text}")`, { exitCode: ExitCode.usage });
  return n;
}

/** A number ≥ 0 (--min-amount, --min-percent). */
export function parseAmount(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new AppError(`${flag} takes a number of at least 0 (got "${text}")`, { exitCode: ExitCode.usage });
  return n;
}

/** YYYY-MM-DD, checked. */
export function parseDate(text: string, flag: string): string {
  const d = new Date(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    throw new AppError(`${flag} takes a date as YYYY-MM-DD (got "${text}")`, { exitCode: ExitCode.usage });
  }
  return text;
}
