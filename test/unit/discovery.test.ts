import { describe, expect, test } from "bun:test";
import { cur2Periods, detectFromFolders, exportRoot, inRange, legacyPeriods } from "../../src/cur/discovery.ts";
import { cur2ColumnType, legacyColumnType } from "../../src/cur/types.ts";

describe("discovery", () => {
  test("the export root is built as AWS builds it, // included for a trailing-slash prefix", () => {
    expect(exportRoot("cur", "my-cur")).toBe("cur/my-cur/");
    expect(exportRoot("cur/", "my-cur")).toBe("cur//my-cur/");
    expect(exportRoot("", "my-cur")).toBe("my-cur/");
  });

  test("legacy period folders become periods with their top-level manifest; other folders are ignored", () => {
    const folders = ["cur//r/20250901-20251001/", "cur//r/20250801-20250901/", "cur//r/r/", "cur//r/cost_and_usage_data_status/"];
    expect(legacyPeriods(folders, "r")).toEqual([
      { period: "2025-08", manifestKey: "cur//r/20250801-20250901/r-Manifest.json" },
      { period: "2025-09", manifestKey: "cur//r/20250901-20251001/r-Manifest.json" },
    ]);
  });

  test("CUR 2.0 partitions match BILLING_PERIOD= in any case", () => {
    expect(cur2Periods(["e/x/metadata/BILLING_PERIOD=2025-09/", "e/x/metadata/billing_period=2025-08/"], "x")).toEqual([
      { period: "2025-08", manifestKey: "e/x/metadata/billing_period=2025-08/x-Manifest.json" },
      { period: "2025-09", manifestKey: "e/x/metadata/BILLING_PERIOD=2025-09/x-Manifest.json" },
    ]);
  });

  test("the flavour is detected from the layout", () => {
    expect(detectFromFolders(["e/x/data/", "e/x/metadata/"])).toBe("v2");
    expect(detectFromFolders(["cur/r/20250801-20250901/"])).toBe("v1");
    expect(detectFromFolders(["cur/r/something/"])).toBeUndefined();
  });

  test("date ranges are inclusive months", () => {
    expect(["2025-07", "2025-08", "2025-09", "2025-10"].filter((p) => inRange(p, "2025-08", "2025-09"))).toEqual(["2025-08", "2025-09"]);
  });

  test("types: manifest first, AWS's documented types for untyped legacy columns, rates stay text", () => {
    expect(legacyColumnType("lineItem/UnblendedCost", "BigDecimal")).toBe("DOUBLE");
    expect(legacyColumnType("lineItem/UnblendedRate", "String")).toBe("VARCHAR");
    expect(legacyColumnType("lineItem/UsageStartDate", "DateTime")).toBe("TIMESTAMP");
    expect(legacyColumnType("lineItem/UnblendedCost", undefined)).toBe("DOUBLE");
    expect(legacyColumnType("lineItem/UnblendedRate", undefined)).toBe("VARCHAR");
    expect(legacyColumnType("resourceTags/user:x", undefined)).toBe("VARCHAR");
    expect(cur2ColumnType("resource_tags", "map<string,string>")).toBe("MAP(VARCHAR, VARCHAR)");
    expect(cur2ColumnType("discount", undefined)).toBe("MAP(VARCHAR, DOUBLE)");
    expect(cur2ColumnType("line_item_unblended_rate", "string")).toBe("VARCHAR");
    expect(cur2ColumnType("line_item_unblended_cost", undefined)).toBe("DOUBLE");
    expect(cur2ColumnType("BilledCost", undefined)).toBe("DOUBLE");
  });
});
