/**
 * The three export flavours finops imports, named once for src/, the fixture generator and the tests:
 * `legacy` (legacy CUR, "CUR v1"), `cur2` (CUR 2.0 from AWS Data Exports) and `focus` (a FOCUS export).
 */
export const FLAVOURS = ["legacy", "cur2", "focus"] as const;
export type Flavour = (typeof FLAVOURS)[number];

/** How a flavour reads in tables. */
export const FLAVOUR_LABELS: Record<Flavour, string> = { legacy: "legacy CUR", cur2: "CUR 2.0", focus: "FOCUS" };
