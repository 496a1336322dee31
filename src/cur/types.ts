/** Column types: from the manifest where it has them, from AWS's documented types where it does not. */

export type SqlType = "DOUBLE" | "TIMESTAMP" | "VARCHAR" | "MAP(VARCHAR, VARCHAR)" | "MAP(VARCHAR, DOUBLE)";

/** Legacy manifest types → DuckDB. Rates are `String` in real manifests and stay text, as AWS keeps them. */
export function legacyType(type: string | undefined): SqlType | undefined {
  switch (type) {
    case "BigDecimal":
    case "OptionalBigDecimal":
      return "DOUBLE";
    case "DateTime":
      return "TIMESTAMP";
    case "String":
    case "OptionalString":
    case "Interval":
      return "VARCHAR";
    default:
      return undefined;
  }
}

/**
 * Manifests from 2018 and earlier have no `type`. For the standard columns AWS documents a type; use it, so that the
 * cost of an old period is as numeric as a new one's. Every other untyped column is text.
 */
const LEGACY_DATETIME = new Set([
  "bill/BillingPeriodStartDate",
  "bill/BillingPeriodEndDate",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
]);
const LEGACY_DECIMAL = new Set([
  "lineItem/UsageAmount",
  "lineItem/NormalizationFactor",
  "lineItem/NormalizedUsageAmount",
  "lineItem/UnblendedCost",
  "lineItem/BlendedCost",
  "lineItem/NetUnblendedCost",
  "pricing/publicOnDemandCost",
  "reservation/AmortizedUpfrontCostForUsage",
  "reservation/AmortizedUpfrontFeeForBillingPeriod",
  "reservation/EffectiveCost",
  "reservation/NetEffectiveCost",
  "reservation/NormalizedUnitsPerReservation",
  "reservation/RecurringFeeForUsage",
  "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
  "reservation/UnusedNormalizedUnitQuantity",
  "reservation/UnusedQuantity",
  "reservation/UnusedRecurringFee",
  "reservation/UpfrontValue",
  "savingsPlan/TotalCommitmentToDate",
  "savingsPlan/UsedCommitment",
  "savingsPlan/SavingsPlanEffectiveCost",
  "savingsPlan/NetSavingsPlanEffectiveCost",
  "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod",
  "savingsPlan/RecurringCommitmentForBillingPeriod",
]);

export function legacyColumnType(header: string, manifestType: string | undefined): SqlType {
  const typed = legacyType(manifestType);
  if (typed) return typed;
  if (LEGACY_DATETIME.has(header)) return "TIMESTAMP";
  if (LEGACY_DECIMAL.has(header)) return "DOUBLE";
  return "VARCHAR";
}

/** CUR 2.0 / FOCUS map columns (JSON objects inside CSV cells). */
const CUR2_MAPS: Record<string, SqlType> = {
  product: "MAP(VARCHAR, VARCHAR)",
  resource_tags: "MAP(VARCHAR, VARCHAR)",
  cost_category: "MAP(VARCHAR, VARCHAR)",
  tags: "MAP(VARCHAR, VARCHAR)",
  discount: "MAP(VARCHAR, DOUBLE)",
};

/** CUR 2.0 types as the Parquet export has them (`double`, `timestamp`, `string`, `map<string,string>`…). */
export function cur2ColumnType(name: string, manifestType: string | undefined): SqlType {
  const t = (manifestType ?? "").toLowerCase().replace(/\s+/g, "");
  if (t === "double" || t === "float" || t === "decimal" || t.startsWith("decimal(") || t === "bigdecimal") return "DOUBLE";
  if (t === "timestamp" || t === "datetime") return "TIMESTAMP";
  if (t === "map<string,double>") return "MAP(VARCHAR, DOUBLE)";
  if (t.startsWith("map<")) return "MAP(VARCHAR, VARCHAR)";
  if (t === "string" || t === "varchar") return "VARCHAR";
  const lower = name.toLowerCase();
  if (CUR2_MAPS[lower]) return CUR2_MAPS[lower];
  if (/_(cost|amount|quantity|factor)$/.test(lower) || /^(billedcost|effectivecost|listcost|contractedcost)$/.test(lower)) return "DOUBLE";
  if (/_date$/.test(lower) || /^(billingperiod|chargeperiod)(start|end)$/.test(lower)) return "TIMESTAMP";
  return "VARCHAR";
}
