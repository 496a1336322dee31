/**
 * The cost model: one period table of any flavour read as FOCUS 1.2 rows (the columns of AWS's "FOCUS 1.2 with AWS
 * columns" export, plus finops' own x_ columns), built from the columns the period actually has. An optional column
 * the period lacks reads as its documented fallback, never an error.
 *
 * Sources named next to the rules:
 *  [AWS-F12]  AWS Data Exports, "FOCUS 1.2 with AWS columns" table dictionary
 *             https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-focus-1-2-aws-columns.html
 *  [AWS-CUR2] AWS Data Exports, CUR 2.0 table dictionary (column names, tag keys)
 *             https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html
 *  [AWS-LIT]  AWS CUR user guide, "Line item details" (lineItem/LineItemType values) and "Understanding Savings
 *             Plans" / "Reservation details" (SavingsPlanEffectiveCost, TotalCommitmentToDate − UsedCommitment,
 *             EffectiveCost, UnusedAmortizedUpfrontFeeForBillingPeriod + UnusedRecurringFee)
 *             https://docs.aws.amazon.com/cur/latest/userguide/Lineitem-columns.html
 *  [FOCUS]    FOCUS specification 1.2, https://focus.finops.org/focus-specification/v1-2/ (column definitions and
 *             allowed values)
 */
import type { Flavour } from "../flavour.ts";
import { ident, literal } from "../store/duckdb.ts";

/** A column of a period table: its name in the table, its type, and (legacy) the CSV header it came from. */
export interface TableColumn {
  name: string;
  type: string;
  source?: string;
}

/**
 * The version of the cost model's SQL (this file and views.ts). Bump it whenever a change gives any FOCUS row a
 * different value: the lake's focus/ periods carry it in their version, so the next `lake export` rewrites them all.
 */
export const COST_MODEL_VERSION = 1;

/** The FOCUS columns of the cost model, in order, with their DuckDB types. */
export const FOCUS_COLUMNS: [string, string][] = [
  ["BilledCost", "DOUBLE"],
  ["EffectiveCost", "DOUBLE"],
  ["ListCost", "DOUBLE"],
  ["ContractedCost", "DOUBLE"],
  ["BillingCurrency", "VARCHAR"],
  ["BillingAccountId", "VARCHAR"],
  ["BillingAccountName", "VARCHAR"],
  ["SubAccountId", "VARCHAR"],
  ["SubAccountName", "VARCHAR"],
  ["BillingPeriodStart", "TIMESTAMP"],
  ["BillingPeriodEnd", "TIMESTAMP"],
  ["ChargePeriodStart", "TIMESTAMP"],
  ["ChargePeriodEnd", "TIMESTAMP"],
  ["ChargeCategory", "VARCHAR"],
  ["ChargeClass", "VARCHAR"],
  ["ChargeDescription", "VARCHAR"],
  ["ChargeFrequency", "VARCHAR"],
  ["CommitmentDiscountId", "VARCHAR"],
  ["CommitmentDiscountType", "VARCHAR"],
  ["CommitmentDiscountCategory", "VARCHAR"],
  ["CommitmentDiscountStatus", "VARCHAR"],
  ["ConsumedQuantity", "DOUBLE"],
  ["ConsumedUnit", "VARCHAR"],
  ["PricingQuantity", "DOUBLE"],
  ["PricingUnit", "VARCHAR"],
  ["ListUnitPrice", "DOUBLE"],
  ["ContractedUnitPrice", "DOUBLE"],
  ["RegionId", "VARCHAR"],
  ["RegionName", "VARCHAR"],
  ["AvailabilityZone", "VARCHAR"],
  ["ResourceId", "VARCHAR"],
  ["ServiceName", "VARCHAR"],
  ["ServiceCategory", "VARCHAR"],
  ["SkuId", "VARCHAR"],
  ["SkuPriceId", "VARCHAR"],
  ["ProviderName", "VARCHAR"],
  ["PublisherName", "VARCHAR"],
  ["InvoiceIssuerName", "VARCHAR"],
  ["InvoiceId", "VARCHAR"],
  ["Tags", "MAP(VARCHAR, VARCHAR)"],
  ["x_UsageType", "VARCHAR"],
  ["x_Operation", "VARCHAR"],
  ["x_ServiceCode", "VARCHAR"],
  ["x_UnblendedCost", "DOUBLE"],
  ["x_NetUnblendedCost", "DOUBLE"],
  ["x_NetAmortizedCost", "DOUBLE"],
  ["x_LineItemType", "VARCHAR"],
  ["x_Export", "VARCHAR"],
  ["x_Flavour", "VARCHAR"],
];

/**
 * A legacy CUR header's CUR 2.0 name [AWS-CUR2]: `lineItem/UnblendedCost` → `line_item_unblended_cost`,
 * `savingsPlan/SavingsPlanARN` → `savings_plan_savings_plan_a_r_n` (an underscore before every capital).
 */
export function cur2NameOf(header: string): string {
  return header
    .replace("/", "_")
    .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
    .replace(/__+/g, "_")
    .replace(/^_/, "");
}

/**
 * The key a tag is read under in `Tags`, the same for every flavour of one bill: CUR 2.0's form [AWS-CUR2] —
 * `<prefix>_<key in snake case>`: legacy `resourceTags/user:CostCenter` and CUR 2.0's `user_cost_center` both read
 * as `user_cost_center`, `resourceTags/aws:createdBy` as `aws_created_by`. A FOCUS export writes a user tag without
 * its `user:` prefix (`CostCenter`) and an AWS tag with it (`aws:createdBy`); they read the same way. CUR 2.0's form
 * is the one every flavour can reach (the original spelling cannot be recovered from it). Two tags equal up to case
 * (`user:Team` and `user:team`) become one key, as they do in CUR 2.0; where a row has values in both, the one of the
 * earlier column wins.
 */
export function tagKey(key: string): string {
  const colon = key.indexOf(":");
  const [prefix, name] = colon >= 0 ? [key.slice(0, colon), key.slice(colon + 1)] : ["user", key];
  return `${snake(prefix)}_${snake(name)}`;
}

function snake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** tagKey() in SQL, for the keys of a FOCUS export's Tags. */
function tagKeySql(expr: string): string {
  const snakeSql = (e: string) => `trim(regexp_replace(lower(regexp_replace(${e}, '([a-z0-9])([A-Z])', '\\1_\\2', 'g')), '[^a-z0-9]+', '_', 'g'), '_')`;
  return `CASE WHEN contains(${expr}, ':') THEN ${snakeSql(`split_part(${expr}, ':', 1)`)} || '_' || ${snakeSql(`substr(${expr}, strpos(${expr}, ':') + 1)`)} ELSE 'user_' || ${snakeSql(expr)} END`;
}

/** FOCUS ServiceCategory of an AWS product code [FOCUS allowed values]; "Other" for any code not listed. */
const SERVICE_CATEGORY: Record<string, string> = {
  AmazonEC2: "Compute",
  AWSLambda: "Compute",
  AmazonECS: "Compute",
  AmazonEKS: "Compute",
  AWSFargate: "Compute",
  AmazonLightsail: "Compute",
  AmazonS3: "Storage",
  AmazonEFS: "Storage",
  AmazonGlacier: "Storage",
  AWSBackup: "Storage",
  AmazonFSx: "Storage",
  AmazonRDS: "Databases",
  AmazonDynamoDB: "Databases",
  AmazonElastiCache: "Databases",
  AmazonRedshift: "Databases",
  AmazonDocDB: "Databases",
  AmazonNeptune: "Databases",
  AmazonVPC: "Networking",
  AmazonCloudFront: "Networking",
  AWSDataTransfer: "Networking",
  AmazonRoute53: "Networking",
  AWSELB: "Networking",
  AWSDirectConnect: "Networking",
  AWSGlobalAccelerator: "Networking",
  AmazonApiGateway: "Web",
  AmazonCloudWatch: "Management and Governance",
  AWSCloudTrail: "Management and Governance",
  AWSConfig: "Management and Governance",
  AWSCostExplorer: "Management and Governance",
  AWSSystemsManager: "Management and Governance",
  AWSSupportBusiness: "Management and Governance",
  AWSSupportEnterprise: "Management and Governance",
  awskms: "Security",
  AWSSecretsManager: "Security",
  AWSShield: "Security",
  awswaf: "Security",
  AmazonGuardDuty: "Security",
  AmazonCognito: "Identity",
  AmazonSNS: "Integration",
  AWSQueueService: "Integration",
  AmazonSQS: "Integration",
  AWSEvents: "Integration",
  AmazonKinesis: "Analytics",
  AmazonAthena: "Analytics",
  AWSGlue: "Analytics",
  AmazonES: "Analytics",
  ElasticMapReduce: "Analytics",
  AmazonQuickSight: "Analytics",
  AmazonSageMaker: "AI and Machine Learning",
  AmazonBedrock: "AI and Machine Learning",
  AWSCodeBuild: "Developer Tools",
  AWSCodePipeline: "Developer Tools",
  AmazonECR: "Compute",
};

/**
 * Tag columns unpivoted by one statement (Columns.tagRows). Measured on 300 tag columns, 500,000 distinct sets of
 * ~60 tags (30 million rows), 313 MB, two threads: all in one statement 16.5 s and 566 MiB RSS, batches of 64
 * 14.5 s and 532 MiB, of 32 15 s and 463 MiB (and it then fits in 224 MB, where one statement runs out of memory).
 */
const TAG_BATCH = 32;

/** Resolves the CUR 2.0 names the rules are written in to a period's own columns. */
class Columns {
  #byCanonical = new Map<string, TableColumn>();
  #tags: { key: string; columns: string[] }[] = [];
  constructor(
    readonly flavour: Flavour,
    columns: TableColumn[],
  ) {
    const tags = new Map<string, string[]>();
    for (const c of columns) {
      if (flavour === "legacy") {
        const header = c.source ?? c.name;
        // CSV `resourceTags/user:Team`; Parquet (Athena names) `resource_tags_user_team`, already in CUR 2.0's form
        const athenaTag = header.startsWith("resource_tags_");
        if (header.startsWith("resourceTags/") || athenaTag) {
          const key = athenaTag ? header.slice("resource_tags_".length) : tagKey(header.slice("resourceTags/".length));
          tags.set(key, [...(tags.get(key) ?? []), c.name]);
          continue;
        }
        const canonical = cur2NameOf(header);
        if (!this.#byCanonical.has(canonical)) this.#byCanonical.set(canonical, c);
      } else if (!this.#byCanonical.has(c.name)) {
        this.#byCanonical.set(c.name, c);
      }
    }
    this.#tags = [...tags].map(([key, cols]) => ({ key, columns: cols }));
  }

  has(name: string): boolean {
    return this.#byCanonical.has(name) || (this.flavour === "cur2" && name.startsWith("product_") && this.#byCanonical.has("product"));
  }

  /** The column as `type`, or a typed NULL when the period lacks it. CUR 2.0 product attributes fall back to the `product` map. */
  get(name: string, type = "VARCHAR"): string {
    const c = this.#byCanonical.get(name);
    if (c) return castTo(ident(c.name), c.type, type);
    if (this.flavour === "cur2" && name.startsWith("product_") && this.#byCanonical.has("product")) {
      return castTo(`${ident("product")}[${literal(name.slice("product_".length))}]`, "VARCHAR", type);
    }
    return `CAST(NULL AS ${type})`;
  }

  /** A money column, or `fallback` (an SQL expression) when the period lacks it. */
  money(name: string, fallback: string): string {
    return this.#byCanonical.has(name) ? `COALESCE(${this.get(name, "DOUBLE")}, ${fallback})` : fallback;
  }

  /** The tags of a row as one MAP under tagKey() keys, empty values left out. */
  tags(): string {
    if (this.flavour !== "legacy" && !this.#hasTagMap()) return "CAST(MAP() AS MAP(VARCHAR, VARCHAR))";
    if (this.flavour === "focus") return tagMap(`list_transform(${this.#tagEntries()}, e -> {'key': ${tagKeySql("e.key")}, 'value': e.value})`);
    // A MAP's keys are unique already: no de-duplication (which costs O(keys²) per row).
    if (this.flavour === "cur2") return uniqueTagMap(this.#tagEntries());
    if (this.#tags.length === 0) return "CAST(MAP() AS MAP(VARCHAR, VARCHAR))";
    const values = this.#legacyTagValues();
    const entries = this.#tags.map(({ key }, i) => `{'key': ${literal(key)}, 'value': ${values[i]}}`);
    // One entry per key: columns whose keys are equal were merged (COALESCE, the first non-empty wins).
    return uniqueTagMap(`list_filter([${entries.join(", ")}], e -> e.value IS NOT NULL)`);
  }

  /**
   * A key equal for rows whose tags() are equal, computed without building the map (which, for a report with
   * hundreds of tag columns, costs more than loading it): 128 bits of hash over the values tags() reads, as one
   * UHUGEINT. A legacy period's key hashes its tag keys too, so that two periods whose tag columns differ never share
   * a key for different tags: a key means the same tags in every period (model/summary.ts, finops.daily_tags).
   * Rows whose maps differ only in empty values may get different keys: they are then summed in two rows instead
   * of one, which changes no total.
   */
  tagsKey(): string {
    if (this.flavour === "legacy") return hash128([literal(this.#tags.map((t) => t.key).join("\u0001")), ...this.#legacyTagValues()]);
    return hash128(this.#hasTagMap() ? [this.#tagSource()] : []);
  }

  /**
   * The tags of the rows of `from` (a FROM clause over the period table and a column `setColumn`) as rows of
   * (setColumn, key, value): tags() unpivoted, one row per non-empty tag, without building a map per row where the
   * period keeps its tags in columns; as one or more SELECTs whose rows together are the tags (none: no tags).
   */
  tagRows(from: string, setColumn: string): string[] {
    const set = ident(setColumn);
    if (this.flavour === "legacy") {
      const values = this.#legacyTagValues();
      const out: string[] = [];
      // UNPIVOT leaves NULL values out: the empty ones (NULLIF) and those a row does not have. It builds a list of
      // every unpivoted column per row: in batches of TAG_BATCH columns, its memory stays small on any width.
      for (let first = 0; first < this.#tags.length; first += TAG_BATCH) {
        const batch = this.#tags.slice(first, first + TAG_BATCH);
        const cells = batch.map(({ key }, i) => `CAST(${values[first + i]} AS VARCHAR) AS ${ident(key)}`);
        out.push(`SELECT ${set}, key, value FROM (SELECT ${set}, ${cells.join(", ")} FROM ${from})
          UNPIVOT (value FOR key IN (${batch.map(({ key }) => ident(key)).join(", ")}))`);
      }
      return out;
    }
    if (!this.#hasTagMap()) return [];
    // CUR 2.0's map has unique keys already; a FOCUS export's keys are rewritten (and may then repeat): tags() does it.
    const entries = this.flavour === "cur2" ? this.#tagEntries() : `map_entries(${this.tags()})`;
    return [`SELECT ${set}, e.key AS key, e.value AS value FROM (SELECT ${set}, unnest(${entries}) AS e FROM ${from})`];
  }

  /** Whether a row has no tags (tags() is empty), without building the map. */
  untagged(): string {
    if (this.flavour === "legacy") {
      const values = this.#legacyTagValues();
      return values.length === 0 ? "true" : `COALESCE(${values.join(", ")}) IS NULL`;
    }
    if (!this.#hasTagMap()) return "true";
    return `coalesce(len(${this.#tagEntries()}), 0) = 0`;
  }

  /** The column a CUR 2.0 (`resource_tags`) or FOCUS (`Tags`) period keeps its tags in. */
  #tagMapName(): string {
    return this.flavour === "cur2" ? "resource_tags" : "Tags";
  }

  #hasTagMap(): boolean {
    return this.has(this.#tagMapName());
  }

  /** The CUR 2.0 `resource_tags` or FOCUS `Tags` column as a MAP. */
  #tagSource(): string {
    const c = this.#byCanonical.get(this.#tagMapName())!;
    return castTo(ident(c.name), c.type, "MAP(VARCHAR, VARCHAR)");
  }

  /** The non-empty entries of the CUR 2.0 or FOCUS tag map, as a list of {key, value}. */
  #tagEntries(): string {
    return `list_filter(map_entries(${this.#tagSource()}), e -> e.value IS NOT NULL AND e.value <> '')`;
  }

  /** A legacy period's tag values, one per tags() key in order, NULL where absent or empty. */
  #legacyTagValues(): string[] {
    return this.#tags.map(({ columns }) => {
      const vals = columns.map((c) => `NULLIF(${ident(c)}, '')`);
      return vals.length === 1 ? vals[0]! : `COALESCE(${vals.join(", ")})`;
    });
  }
}

/** A MAP of a list of {key, value} entries whose keys are known to be unique. */
function uniqueTagMap(entries: string): string {
  return `map_from_entries(${entries})::MAP(VARCHAR, VARCHAR)`;
}

/** A MAP of a list of {key, value} entries whose keys may repeat: the first entry of each key wins. */
function tagMap(entries: string): string {
  return `map_from_entries(list_filter(${entries}, (e, i) -> list_position(list_transform(${entries}, x -> x.key), e.key) = i))::MAP(VARCHAR, VARCHAR)`;
}

function castTo(expr: string, from: string, to: string): string {
  if (from.toUpperCase() === to.toUpperCase()) return expr;
  if (to === "DOUBLE" || to === "TIMESTAMP") return `TRY_CAST(${expr} AS ${to})`;
  return `CAST(${expr} AS ${to})`;
}

/** The CUR 2.0 name of the column that says a legacy or CUR 2.0 period has the net (discount) columns. */
const NET_UNBLENDED = "line_item_net_unblended_cost";

/**
 * Whether a legacy or CUR 2.0 period has the net (discount) columns, i.e. its net unblended cost column (CSV
 * `lineItem/NetUnblendedCost`, Parquet and CUR 2.0 `line_item_net_unblended_cost`). Without it the period's
 * x_NetUnblendedCost reads as its unblended cost and x_NetAmortizedCost as its amortized cost (curSelect below).
 */
export function hasNetColumns(flavour: Flavour, columns: TableColumn[]): boolean {
  return new Columns(flavour, columns).has(NET_UNBLENDED);
}

/** One period of a legacy or CUR 2.0 export as FOCUS rows. */
function curSelect(cols: Columns): Record<string, string> {
  const c = (n: string, t?: string) => cols.get(n, t);
  const type = c("line_item_line_item_type");
  const unblended = `COALESCE(${c("line_item_unblended_cost", "DOUBLE")}, 0)`;
  const netUnblended = cols.money(NET_UNBLENDED, unblended);
  const spArn = `NULLIF(${c("savings_plan_savings_plan_a_r_n")}, '')`;
  const riArn = `NULLIF(${c("reservation_reservation_a_r_n")}, '')`;

  // Amortized cost per line item type [AWS-LIT]; `net` reads each net column, falling back to its gross column.
  const amortized = (net: boolean) => {
    const m = (gross: string, netName: string) => (net ? cols.money(netName, cols.money(gross, "0")) : cols.money(gross, "0"));
    const base = net ? netUnblended : unblended;
    const spUnused = `(${cols.money("savings_plan_total_commitment_to_date", "0")} - ${cols.money("savings_plan_used_commitment", "0")})`;
    // The unused commitment of a Savings Plan has no net columns: it falls back to its gross columns (Build 3).
    return `CASE ${type}
      WHEN 'SavingsPlanCoveredUsage' THEN ${m("savings_plan_savings_plan_effective_cost", "savings_plan_net_savings_plan_effective_cost")}
      WHEN 'SavingsPlanRecurringFee' THEN ${spUnused}
      WHEN 'SavingsPlanNegation' THEN 0
      WHEN 'SavingsPlanUpfrontFee' THEN 0
      WHEN 'DiscountedUsage' THEN ${m("reservation_effective_cost", "reservation_net_effective_cost")}
      WHEN 'RIFee' THEN ${m("reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_net_unused_amortized_upfront_fee_for_billing_period")} + ${m("reservation_unused_recurring_fee", "reservation_net_unused_recurring_fee")}
      WHEN 'Fee' THEN CASE WHEN ${riArn} IS NOT NULL THEN 0 ELSE ${base} END
      WHEN 'Refund' THEN CASE WHEN ${spArn} IS NOT NULL THEN 0 ELSE ${base} END
      ELSE ${base} END`;
  };

  const productCode = c("line_item_product_code");
  const serviceCategory = `CASE ${productCode} ${Object.entries(SERVICE_CATEGORY)
    .map(([code, cat]) => `WHEN ${literal(code)} THEN ${literal(cat)}`)
    .join(" ")} ELSE 'Other' END`;
  const isUsage = `${type} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation')`;

  return {
    BilledCost: netUnblended,
    EffectiveCost: amortized(false),
    ListCost: cols.money("pricing_public_on_demand_cost", "0"),
    // [FOCUS] ContractedCost: the cost at the negotiated rates, before commitment discounts: the net unblended cost
    // of on-demand and Savings Plan covered usage, the contracted-rate share of the list cost of RI usage.
    ContractedCost: `CASE ${type} WHEN 'SavingsPlanNegation' THEN 0 WHEN 'DiscountedUsage' THEN ${cols.money("pricing_public_on_demand_cost", "0")} ELSE ${netUnblended} END`,
    BillingCurrency: `COALESCE(${c("line_item_currency_code")}, 'USD')`,
    BillingAccountId: c("bill_payer_account_id"),
    BillingAccountName: c("bill_payer_account_name"),
    SubAccountId: c("line_item_usage_account_id"),
    SubAccountName: c("line_item_usage_account_name"),
    BillingPeriodStart: c("bill_billing_period_start_date", "TIMESTAMP"),
    BillingPeriodEnd: c("bill_billing_period_end_date", "TIMESTAMP"),
    ChargePeriodStart: c("line_item_usage_start_date", "TIMESTAMP"),
    ChargePeriodEnd: c("line_item_usage_end_date", "TIMESTAMP"),
    // [AWS-F12] ChargeCategory from the line item type.
    ChargeCategory: `CASE
      WHEN ${isUsage} THEN 'Usage'
      WHEN ${type} IN ('Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'Purchase'
      WHEN ${type} = 'Tax' THEN 'Tax'
      WHEN ${type} = 'Credit' THEN 'Credit'
      -- AWS's FOCUS export folds a negotiated discount into the row it discounts [AWS-F12: BilledCost is "inclusive of
      -- all reduced rates and discounts"], so a CUR discount line takes that row's category. A discount line carries
      -- the usage type and product of what it discounts: an RI fee (HeavyUsage:…) or a Savings Plan is a Purchase; a
      -- positive one reverses a discount on a refund (an Adjustment); any other discounts usage.
      WHEN ${type} IN ('EdpDiscount', 'BundledDiscount', 'PrivateRateDiscount', 'RiVolumeDiscount', 'DistributorDiscount', 'SppDiscount') THEN CASE
        WHEN ${unblended} > 0 THEN 'Adjustment'
        WHEN ${c("line_item_usage_type")} LIKE '%HeavyUsage%' OR ${productCode} LIKE '%SavingsPlans' THEN 'Purchase'
        ELSE 'Usage' END
      -- Refund and anything else: [FOCUS] Adjustment.
      ELSE 'Adjustment' END`,
    // [FOCUS] ChargeClass: 'Correction' for a charge of an earlier, already invoiced billing period.
    ChargeClass: `CASE WHEN ${c("line_item_usage_start_date", "TIMESTAMP")} < ${c("bill_billing_period_start_date", "TIMESTAMP")} OR ${type} = 'Refund' THEN 'Correction' END`,
    ChargeDescription: c("line_item_line_item_description"),
    // [FOCUS] ChargeFrequency: Usage-Based, Recurring or One-Time.
    ChargeFrequency: `CASE WHEN ${isUsage} THEN 'Usage-Based' WHEN ${type} IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Recurring' ELSE 'One-Time' END`,
    CommitmentDiscountId: `CASE WHEN ${type} LIKE 'SavingsPlan%' THEN ${spArn} WHEN ${type} IN ('DiscountedUsage', 'RIFee', 'Fee') THEN ${riArn} END`,
    CommitmentDiscountType: `CASE WHEN ${type} LIKE 'SavingsPlan%' AND ${spArn} IS NOT NULL THEN 'Savings Plan' WHEN ${type} IN ('DiscountedUsage', 'RIFee', 'Fee') AND ${riArn} IS NOT NULL THEN 'Reserved Instance' END`,
    // [FOCUS] CommitmentDiscountCategory: Savings Plans commit to spend, reservations to usage.
    CommitmentDiscountCategory: `CASE WHEN ${type} LIKE 'SavingsPlan%' AND ${spArn} IS NOT NULL THEN 'Spend' WHEN ${type} IN ('DiscountedUsage', 'RIFee', 'Fee') AND ${riArn} IS NOT NULL THEN 'Usage' END`,
    // [FOCUS] CommitmentDiscountStatus: Used for covered usage, Unused for the unused part billed as the recurring fee.
    CommitmentDiscountStatus: `CASE ${type} WHEN 'SavingsPlanCoveredUsage' THEN 'Used' WHEN 'DiscountedUsage' THEN 'Used' WHEN 'SavingsPlanRecurringFee' THEN 'Unused' WHEN 'RIFee' THEN 'Unused' END`,
    ConsumedQuantity: `CASE WHEN ${isUsage} THEN ${c("line_item_usage_amount", "DOUBLE")} END`,
    ConsumedUnit: `CASE WHEN ${isUsage} THEN ${c("pricing_unit")} END`,
    PricingQuantity: c("line_item_usage_amount", "DOUBLE"),
    PricingUnit: c("pricing_unit"),
    ListUnitPrice: c("pricing_public_on_demand_rate", "DOUBLE"),
    ContractedUnitPrice: cols.has("line_item_net_unblended_rate") ? `COALESCE(${c("line_item_net_unblended_rate", "DOUBLE")}, ${c("line_item_unblended_rate", "DOUBLE")})` : c("line_item_unblended_rate", "DOUBLE"),
    RegionId: `NULLIF(${c("product_region_code")}, '')`,
    RegionName: `NULLIF(${c("product_location")}, '')`,
    AvailabilityZone: `NULLIF(${c("line_item_availability_zone")}, '')`,
    ResourceId: `NULLIF(${c("line_item_resource_id")}, '')`,
    ServiceName: `COALESCE(NULLIF(${c("product_product_name")}, ''), ${productCode})`,
    ServiceCategory: serviceCategory,
    SkuId: `NULLIF(${c("product_sku")}, '')`,
    SkuPriceId: `NULLIF(${c("pricing_rate_code")}, '')`,
    ProviderName: "'AWS'",
    PublisherName: `COALESCE(NULLIF(${c("line_item_legal_entity")}, ''), 'AWS')`,
    InvoiceIssuerName: `NULLIF(${c("bill_invoicing_entity")}, '')`,
    InvoiceId: `NULLIF(${c("bill_invoice_id")}, '')`,
    Tags: cols.tags(),
    x_UsageType: c("line_item_usage_type"),
    x_Operation: c("line_item_operation"),
    x_ServiceCode: productCode,
    x_UnblendedCost: unblended,
    x_NetUnblendedCost: netUnblended,
    x_NetAmortizedCost: amortized(true),
    x_LineItemType: type,
  };
}

/** One period of a native FOCUS export: its columns by name; the x_ columns where the export carries them. */
function focusSelect(cols: Columns): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, type] of FOCUS_COLUMNS) {
    if (name === "Tags") continue;
    out[name] = cols.get(name, type);
  }
  for (const money of ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]) out[money] = cols.money(money, "0");
  out.Tags = cols.tags();
  // [AWS-F12] AWS's FOCUS BilledCost includes every discount: it is the net unblended cost.
  out.x_NetUnblendedCost = cols.money("x_NetUnblendedCost", out.BilledCost);
  out.x_UnblendedCost = cols.money("x_UnblendedCost", out.BilledCost);
  out.x_NetAmortizedCost = cols.money("x_NetAmortizedCost", out.EffectiveCost);
  out.x_LineItemType = cols.get("x_LineItemType");
  return out;
}

/**
 * The usage start of a period table's rows as a TIMESTAMP expression (legacy `lineItem/UsageStartDate`, CUR 2.0
 * `line_item_usage_start_date`, FOCUS `ChargePeriodStart`): what the lake sorts a raw period by. Null: no such column.
 */
export function usageStartExpr(flavour: Flavour, columns: TableColumn[]): string | null {
  const cols = new Columns(flavour, columns);
  const name = flavour === "focus" ? "ChargePeriodStart" : "line_item_usage_start_date";
  return cols.has(name) ? cols.get(name, "TIMESTAMP") : null;
}

interface PeriodOf {
  table: string;
  flavour: Flavour;
  columns: TableColumn[];
  exportName: string;
}

/** A period's columns, and each FOCUS column of its rows as an SQL expression (before the cast to its FOCUS type). */
function periodExprs(opts: PeriodOf): { cols: Columns; exprs: Record<string, string> } {
  const cols = new Columns(opts.flavour, opts.columns);
  const exprs = opts.flavour === "focus" ? focusSelect(cols) : curSelect(cols);
  exprs.x_Export = literal(opts.exportName);
  exprs.x_Flavour = literal(opts.flavour);
  return { cols, exprs };
}

/** 128 bits of hash over SQL expressions, as one UHUGEINT (a group and join key; see tagsKey and model/summary.ts). */
export function hash128(parts: string[]): string {
  if (parts.length === 0) return "0::UHUGEINT";
  return `(hash(${parts.join(", ")})::UHUGEINT << 64 | hash(${[...parts].reverse().join(", ")}, 'finops')::UHUGEINT)`;
}

/** The SELECT of one period table as FOCUS rows, every column of FOCUS_COLUMNS in order. */
export function periodFocusSelect(opts: PeriodOf): string {
  const { exprs } = periodExprs(opts);
  const list = FOCUS_COLUMNS.map(([name, type]) => `CAST(${exprs[name] ?? "NULL"} AS ${type}) AS ${ident(name)}`);
  return `SELECT\n  ${list.join(",\n  ")}\nFROM ${opts.table}`;
}

/**
 * What the reports' summaries read of one period (model/summary.ts): each FOCUS column of a row as an expression over
 * the period table's own columns (`column`), a key equal for rows whose Tags are equal (`tagsKey`), whether a row
 * has no tags (`untagged`), the last two computed without building the Tags map, and the tags of chosen rows as rows
 * of (key, value) (`tagRows`). The summaries group by keys and write each distinct set of tags once, as rows: with
 * hundreds of tag columns, building every line item's map cost more time and memory than loading the period.
 */
export function periodSummarySelect(opts: PeriodOf): {
  table: string;
  column: (name: string) => string;
  tagsKey: string;
  untagged: string;
  tagRows: (from: string, setColumn: string) => string[];
} {
  const { cols, exprs } = periodExprs(opts);
  const types = new Map(FOCUS_COLUMNS);
  return {
    table: opts.table,
    column: (name) => {
      const type = types.get(name);
      if (!type) throw new Error(`not a FOCUS column: ${name}`);
      return `CAST(${exprs[name] ?? "NULL"} AS ${type})`;
    },
    tagsKey: cols.tagsKey(),
    untagged: cols.untagged(),
    tagRows: (from, setColumn) => cols.tagRows(from, setColumn),
  };
}
