/**
 * The reports' results, as `--json` prints them (the shapes are stable and documented in the README). Money is a
 * plain number in the bill's currency, full precision.
 */

/** Which cost a report sums (FOCUS column of focus.costs). */
export type CostKind = "billed" | "effective" | "net-effective" | "list" | "unblended";

/** A report dimension: a FOCUS column, or `tag:KEY`. */
export type Dimension = "service" | "account" | "region" | "charge-category" | "usage-type" | "export" | `tag:${string}`;

export interface CostsReport {
  report: "costs";
  cost: CostKind;
  by: Dimension;
  currency: string;
  months: string[];
  rows: { key: string; months: Record<string, number>; total: number }[];
  total: number;
}

export interface MoversReport {
  report: "movers";
  cost: CostKind;
  by: Dimension;
  currency: string;
  from: string;
  to: string;
  /** Increases first (largest first), then decreases (largest first). `percent` is null when `from` is 0. */
  rows: { key: string; from: number; to: number; change: number; percent: number | null }[];
}

export interface DailyReport {
  report: "daily";
  cost: CostKind;
  currency: string;
  month: string;
  days: { date: string; cost: number }[];
  forecast: { total: number; method: string };
}

export interface AnomaliesReport {
  report: "anomalies";
  cost: CostKind;
  by: Dimension;
  currency: string;
  method: string;
  anomalies: { date: string; key: string; cost: number; baseline: number; change: number }[];
}

export interface TagsReport {
  report: "tags";
  cost: CostKind;
  currency: string;
  /** The billing periods covered (default: the latest). */
  months: string[];
  total: number;
  keys: { key: string; cost: number; share: number }[];
  untagged: number;
  /** The largest resources that carry no tag at all. */
  untaggedResources: { resourceId: string; service: string; cost: number }[];
}

export type AnyReport = CostsReport | MoversReport | DailyReport | AnomaliesReport | TagsReport;
