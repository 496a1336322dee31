/**
 * A bill for the reports' tests, with its own line items as ground truth: three months (2025-07 to 2025-09) of daily
 * usage of four services in two accounts and two regions, some of it tagged, a monthly support fee on the 1st and tax,
 * written as legacy CUR CSV periods. With `spike`, one service's usage on one day is planted at several times its
 * level. Amounts are deterministic (a seeded generator).
 */
import type { S3Harness } from "./s3.ts";
import { putLegacyPeriod } from "./exports.ts";

export interface BillLine {
  id: string;
  payer: string;
  account: string;
  periodStart: string; // YYYY-MM-01
  day: string; // YYYY-MM-DD
  type: "Usage" | "Fee" | "Tax";
  productCode: string;
  service: string;
  region: string;
  usageType: string;
  resourceId: string;
  cost: number;
  team: string | null;
  env: string | null;
}

export const REPORT_MONTHS = ["2025-07", "2025-08", "2025-09"];
export const SPIKE = { day: "2025-09-17", service: "Amazon Elastic Compute Cloud", factor: 6 };

const SERVICES = [
  { code: "AmazonEC2", name: "Amazon Elastic Compute Cloud", base: 120, usageType: "BoxUsage:m5.large" },
  { code: "AmazonS3", name: "Amazon Simple Storage Service", base: 40, usageType: "TimedStorage-ByteHrs" },
  { code: "AmazonRDS", name: "Amazon Relational Database Service", base: 60, usageType: "InstanceUsage:db.r5.large" },
  { code: "AWSLambda", name: "AWS Lambda", base: 8, usageType: "Lambda-GB-Second" },
];
const ACCOUNTS = ["111111111111", "222222222222"];
const REGIONS = ["us-east-1", "eu-west-1"];
const PAYER = "999999999999";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function reportBillLines(opts: { spike: boolean }): BillLine[] {
  const rand = rng(42);
  const lines: BillLine[] = [];
  for (const month of REPORT_MONTHS) {
    const [y, m] = month.split("-").map(Number);
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const periodStart = `${month}-01`;
    // Growth month over month, so that movers have something to say.
    const growth = 1 + 0.1 * REPORT_MONTHS.indexOf(month);
    for (let d = 1; d <= days; d++) {
      const day = `${month}-${String(d).padStart(2, "0")}`;
      for (const [si, s] of SERVICES.entries()) {
        for (const [ai, account] of ACCOUNTS.entries()) {
          const region = REGIONS[(si + ai) % 2];
          for (let r = 0; r < 2; r++) {
            let cost = (s.base / 4) * growth * (1 + ai * 0.5) * (0.92 + 0.16 * rand());
            if (opts.spike && day === SPIKE.day && s.name === SPIKE.service) cost *= SPIKE.factor;
            const tagged = (si + ai + r) % 3 !== 0;
            lines.push({
              id: `${day}-${s.code}-${account}-${r}`,
              payer: PAYER,
              account,
              periodStart,
              day,
              type: "Usage",
              productCode: s.code,
              service: s.name,
              region,
              usageType: s.usageType,
              resourceId: `arn:aws:${s.code.toLowerCase()}:${region}:${account}:res/${s.code}-${r}`,
              cost: round(cost),
              team: tagged ? ["web", "data", "ml"][(si + r) % 3] : null,
              env: tagged && r === 0 ? "prod" : null,
            });
          }
        }
      }
    }
    for (const account of ACCOUNTS) {
      lines.push({ id: `${month}-support-${account}`, payer: PAYER, account, periodStart, day: periodStart, type: "Fee", productCode: "AWSSupportBusiness", service: "AWS Support (Business)", region: "", usageType: "Dollar", resourceId: "", cost: 100, team: null, env: null });
      lines.push({ id: `${month}-tax-${account}`, payer: PAYER, account, periodStart, day: periodStart, type: "Tax", productCode: "AmazonEC2", service: "Amazon Elastic Compute Cloud", region: "", usageType: "", resourceId: "", cost: 12.5, team: null, env: null });
    }
  }
  return lines;
}

const COLUMNS = [
  ["identity", "LineItemId", "String"],
  ["bill", "PayerAccountId", "String"],
  ["bill", "BillingPeriodStartDate", "DateTime"],
  ["lineItem", "UsageAccountId", "String"],
  ["lineItem", "LineItemType", "String"],
  ["lineItem", "UsageStartDate", "DateTime"],
  ["lineItem", "UsageEndDate", "DateTime"],
  ["lineItem", "ProductCode", "String"],
  ["product", "ProductName", "String"],
  ["product", "regionCode", "String"],
  ["lineItem", "UsageType", "String"],
  ["lineItem", "ResourceId", "String"],
  ["lineItem", "UnblendedCost", "BigDecimal"],
  ["lineItem", "CurrencyCode", "String"],
  ["resourceTags", "user:Team", "String"],
  ["resourceTags", "user:Env", "String"],
] as const;

function csv(lines: BillLine[]): string {
  const q = (v: string) => (/[",]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const out = [COLUMNS.map(([c, n]) => `${c}/${n}`).join(",")];
  for (const l of lines) {
    const hour = l.type === "Usage" ? "T00:00:00Z" : "T00:00:00Z";
    out.push(
      [l.id, l.payer, `${l.periodStart}T00:00:00Z`, l.account, l.type, `${l.day}${hour}`, `${l.day}T23:59:59Z`, l.productCode, l.service, l.region, l.usageType, l.resourceId, String(l.cost), "USD", l.team ?? "", l.env ?? ""]
        .map(q)
        .join(","),
    );
  }
  return `${out.join("\n")}\n`;
}

/** Put the bill as a legacy CUR export `name` in `bucket` under prefix `cur`, one period per month. */
export async function putReportBill(s3: S3Harness, bucket: string, name: string, lines: BillLine[], months = REPORT_MONTHS): Promise<void> {
  for (const month of months) {
    await putLegacyPeriod(s3, {
      bucket,
      prefix: "cur",
      name,
      period: month,
      version: `v-${month}`,
      files: [csv(lines.filter((l) => l.periodStart.startsWith(month)))],
      columns: COLUMNS.map(([category, n, type]) => ({ category, name: n, type })),
    });
  }
}
