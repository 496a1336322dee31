/**
 * Hand-made report results for the HTML report's tests and its screenshot: six months of 20 services (the last
 * `(other)`, a few empty months, one refund), a June month to date with a forecast, movers both ways, two anomalies,
 * tag coverage. `hostile` puts markup in keys, as billing data can (tag values and names are user input).
 */
import type { HtmlReportInput } from "../../src/report/html.ts";
import type { AnomaliesReport, CostsReport, DailyReport, MoversReport, TagsReport } from "../../src/report/types.ts";

export const HOSTILE = `<script>alert(1)</script> & "Co" 'x'`;

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SERVICES = ["Amazon Elastic Compute Cloud", "Amazon Relational Database Service", "Amazon Simple Storage Service", "Amazon CloudFront",
  "AWS Lambda", "Amazon Elastic Container Service", "Amazon DynamoDB", "Amazon Virtual Private Cloud", "Amazon CloudWatch",
  "Amazon ElastiCache", "Amazon OpenSearch Service", "AWS Key Management Service", "Amazon Route 53", "Amazon Simple Queue Service",
  "Amazon Elastic File System", "AWS Glue", "Amazon Athena", "AWS Secrets Manager", "Amazon Kinesis"];

export function sampleInput(opts: { hostile?: boolean } = {}): HtmlReportInput {
  const rnd = random(42);
  const months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"];
  const keys = [...SERVICES.slice(0, 18), opts.hostile ? HOSTILE : SERVICES[18], "(other)"];
  const rows = keys.map((key, i) => {
    const base = 24_000 / (i + 1.5);
    const m: Record<string, number> = {};
    months.forEach((month, j) => {
      if (i === 14 && j < 2) return; // a service that starts in March: no cost, no segment
      if (i === 17 && j === 3) m[month] = 0; // an explicit zero: no segment either
      else m[month] = base * (0.8 + 0.4 * rnd()) * (1 + j * 0.03);
    });
    if (i === 16) m["2025-04"] = -123.456789; // a refund larger than the month's cost
    return { key, months: m, total: Object.values(m).reduce((s, v) => s + v, 0) };
  });
  const costs: CostsReport = { report: "costs", cost: "billed", by: "service", currency: "USD", months, rows, total: rows.reduce((s, r) => s + r.total, 0) };

  const days = Array.from({ length: 18 }, (_, i) => ({ date: `2025-06-${String(i + 1).padStart(2, "0")}`, cost: 1_900 + 400 * rnd() + (i === 11 ? 1_800 : 0) }));
  const mtd = days.reduce((s, d) => s + d.cost, 0);
  const daily: DailyReport = { report: "daily", cost: "billed", currency: "USD", month: "2025-06", days, forecast: { total: mtd + 12 * 2_150.123456, method: "mean of the last 7 days × remaining days" } };

  const change = (key: string, from: number, to: number) => ({ key, from, to, change: to - from, percent: from === 0 ? null : ((to - from) / from) * 100 });
  const movers: MoversReport = {
    report: "movers", cost: "billed", by: "service", currency: "USD", from: "2025-05", to: "2025-06",
    rows: [change("Amazon Elastic Compute Cloud", 15_210.4, 18_932.123), change(opts.hostile ? HOSTILE : "Amazon Kinesis", 0, 2_345.6789),
      change("AWS Lambda", 3_100.5, 4_020.25), change("Amazon CloudFront", 2_800, 3_010.01), change("Amazon Relational Database Service", 9_800.75, 7_420.3), change("Amazon DynamoDB", 1_950, 1_700.125)],
  };

  const anomalies: AnomaliesReport = {
    report: "anomalies", cost: "billed", by: "service", currency: "USD", method: "daily cost above the 14-day median by more than 3 MADs",
    anomalies: [
      { date: "2025-06-12", key: "Amazon Elastic Compute Cloud", cost: 2_950.987654, baseline: 1_120.5, change: 2_950.987654 - 1_120.5 },
      { date: "2025-05-28", key: opts.hostile ? HOSTILE : "Amazon Athena", cost: 410.25, baseline: 35.1, change: 410.25 - 35.1 },
    ],
  };

  const tagTotal = costs.rows.reduce((s, r) => s + (r.months["2025-06"] ?? 0), 0);
  const tagKeys = [["team", 0.81], ["environment", 0.64], [opts.hostile ? HOSTILE : "cost-center", 0.27]] as const;
  const tags: TagsReport = {
    report: "tags", cost: "billed", currency: "USD", months: ["2025-06"], total: tagTotal,
    keys: tagKeys.map(([key, share]) => ({ key, cost: tagTotal * share, share })),
    untagged: tagTotal * 0.17,
    untaggedResources: [
      { resourceId: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890", service: "Amazon Elastic Compute Cloud", cost: 1_432.987 },
      { resourceId: opts.hostile ? HOSTILE : "arn:aws:s3:::logs-bucket", service: "Amazon Simple Storage Service", cost: 312.5 },
    ],
  };

  return {
    title: opts.hostile ? `Costs ${HOSTILE}` : "AWS costs, January – June 2025",
    generatedAt: "2025-06-19 08:00 UTC",
    currency: "USD",
    filters: ["cost: billed", opts.hostile ? `export: ${HOSTILE}` : "export: focus-main", "months: 2025-01 – 2025-06"],
    costs, movers, daily, anomalies, tags,
  };
}

/** Every report empty: no months, no days, no movers, no anomalies, no tags. */
export function emptyInput(): HtmlReportInput {
  return {
    title: "Empty", generatedAt: "2025-06-19 08:00 UTC", currency: "EUR", filters: [],
    costs: { report: "costs", cost: "billed", by: "service", currency: "EUR", months: [], rows: [], total: 0 },
    movers: { report: "movers", cost: "billed", by: "service", currency: "EUR", from: "2025-05", to: "2025-06", rows: [] },
    daily: { report: "daily", cost: "billed", currency: "EUR", month: "2025-06", days: [], forecast: { total: 0, method: "none" } },
    anomalies: { report: "anomalies", cost: "billed", by: "service", currency: "EUR", method: "median", anomalies: [] },
    tags: { report: "tags", cost: "billed", currency: "EUR", months: [], total: 0, keys: [], untagged: 0, untaggedResources: [] },
  };
}
