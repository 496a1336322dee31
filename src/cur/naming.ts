/** Names in S3 and in CUR files: billing-period folders and partitions, legacy CUR headers → DuckDB column names. */
import type { Period } from "../store/naming.ts";

/**
 * `20250801-20250901` (legacy CUR period folder) → `2025-08`, or undefined when the name is not a period folder. AWS
 * ends the range on the first day of the next month; a range that ends on the month's last day
 * (`20240101-20240131`, seen in third-party mock deliveries) names the same month.
 */
export function periodFromLegacyFolder(folder: string): Period | undefined {
  const m = /^(\d{4})(\d{2})01-(\d{4})(\d{2})(\d{2})$/.exec(folder);
  if (!m) return undefined;
  const [year, month] = [Number(m[1]), Number(m[2])];
  if (month < 1 || month > 12) return undefined;
  const end = `${m[3]}-${m[4]}-${m[5]}`;
  const nextFirst = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, "0")}-01`;
  const lastDay = `${m[1]}-${m[2]}-${String(new Date(Date.UTC(year, month, 0)).getUTCDate()).padStart(2, "0")}`;
  return end === nextFirst || end === lastDay ? `${m[1]}-${m[2]}` : undefined;
}

/** `BILLING_PERIOD=2025-08` (any case) → `2025-08`. */
export function periodFromPartition(folder: string): Period | undefined {
  const m = /^billing_period=(\d{4})-(\d{2})$/i.exec(folder);
  if (!m) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? `${m[1]}-${m[2]}` : undefined;
}

/**
 * Column names for legacy CUR headers (`category/Name`): `category_Name`. DuckDB folds case, so names equal up to
 * case get a numeric suffix (`_2`, `_3`, …) in a stable order: the headers of a group sorted by code point, the first
 * keeping the plain name. The same set of headers always gives the same names, whatever their order in the file.
 */
export function legacyColumnNames(headers: string[]): Map<string, string> {
  const base = (h: string) => h.replace("/", "_");
  const groups = new Map<string, string[]>();
  for (const h of new Set(headers)) {
    const key = base(h).toLowerCase();
    const group = groups.get(key) ?? [];
    group.push(h);
    groups.set(key, group);
  }
  const taken = new Set([...groups.keys()]);
  const out = new Map<string, string>();
  for (const group of groups.values()) {
    group.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    group.forEach((h, i) => {
      if (i === 0) {
        out.set(h, base(h));
        return;
      }
      let n = i + 1;
      let name = `${base(h)}_${n}`;
      while (taken.has(name.toLowerCase())) name = `${base(h)}_${++n}`;
      taken.add(name.toLowerCase());
      out.set(h, name);
    });
  }
  return out;
}
