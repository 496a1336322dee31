import { describe, expect, test } from "bun:test";
import { legacyColumnNames, periodFromLegacyFolder, periodFromPartition } from "../../src/cur/naming.ts";
import { cleanExportName, periodTable } from "../../src/store/naming.ts";

describe("naming", () => {
  test("export names clean to [a-z0-9_] table prefixes", () => {
    expect(cleanExportName("Legacy-CUR v1")).toBe("legacy_cur_v1");
    expect(cleanExportName("new-cur-v2")).toBe("new_cur_v2");
    expect(cleanExportName("Ünïcode;DROP")).toBe("_n_code_drop");
    expect(() => cleanExportName("---")).toThrow("has no letter or digit");
    expect(periodTable("my_cur", "2025-08")).toBe("my_cur_2025_08");
  });

  test("legacy period folders and CUR 2.0 partitions give YYYY-MM", () => {
    expect(periodFromLegacyFolder("20251001-20251101")).toBe("2025-10");
    expect(periodFromLegacyFolder("20251201-20260101")).toBe("2025-12");
    expect(periodFromLegacyFolder("20251301-20260101")).toBeUndefined();
    expect(periodFromLegacyFolder("my-cur")).toBeUndefined();
    // A range ending on the month's last day names the same month; any other end is not a period folder.
    expect(periodFromLegacyFolder("20240101-20240131")).toBe("2024-01");
    expect(periodFromLegacyFolder("20240201-20240229")).toBe("2024-02");
    expect(periodFromLegacyFolder("20250201-20250228")).toBe("2025-02");
    expect(periodFromLegacyFolder("20240101-20240130")).toBeUndefined();
    expect(periodFromLegacyFolder("20240101-20240301")).toBeUndefined();
    expect(periodFromPartition("BILLING_PERIOD=2025-08")).toBe("2025-08");
    expect(periodFromPartition("billing_period=2025-08")).toBe("2025-08");
    expect(periodFromPartition("year=2025")).toBeUndefined();
  });

  test("legacy headers become category_Name; names equal up to case get a stable suffix", () => {
    const a = legacyColumnNames(["lineItem/UnblendedCost", "resourceTags/user:Name", "resourceTags/user:name", "product/ecu", "product/ECU"]);
    expect(a.get("lineItem/UnblendedCost")).toBe("lineItem_UnblendedCost");
    // Sorted by code point: upper case first.
    expect(a.get("resourceTags/user:Name")).toBe("resourceTags_user:Name");
    expect(a.get("resourceTags/user:name")).toBe("resourceTags_user:name_2");
    expect(a.get("product/ECU")).toBe("product_ECU");
    expect(a.get("product/ecu")).toBe("product_ecu_2");
    // Same set in another order: same names.
    const b = legacyColumnNames(["resourceTags/user:name", "product/ECU", "resourceTags/user:Name", "product/ecu", "lineItem/UnblendedCost"]);
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    // A suffix never collides with a real column.
    const c = legacyColumnNames(["t/a", "t/A", "t/A_2"]);
    expect(new Set([...c.values()].map((v) => v.toLowerCase())).size).toBe(3);
  });
});
