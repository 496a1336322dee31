/** Names: export → table prefix, billing periods, legacy CUR headers → DuckDB column names. */
import { UsageError } from "../errors.ts";

/** The table prefix of an export: lower-cased, every character outside [a-z0-9_] replaced by `_`. */
export function cleanExportName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (!/[a-z0-9]/.test(cleaned)) throw new UsageError(`export name "${name}" has no letter or digit to name its tables with`);
  return cleaned;
}

/** A billing period as `YYYY-MM`. */
export type Period = string;

export function periodTable(prefix: string, period: Period): string {
  return `${prefix}_${period.slice(0, 4)}_${period.slice(5, 7)}`;
}

/** `20250801-20250901` (legacy CUR period folder) → `2025-08`, or undefined when the name is not a period folder. */
export function periodFromLegacyFolder(folder: string): Period | undefined {
  const m = /^(\d{4})(\d{2})01-(\d{4})(\d{2})01$/.exec(folder);
  if (!m) return undefined;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  return `${m[1]}-${m[2]}`;
}

/** `BILLING_PERIOD=2025-08` (any case) → `2025-08`. */
export function periodFromPartition(folder: string): Period | undefined {
  const m = /^billing_period=(\d{4})-(\d{2})$/i.exec(folder);
  if (!m) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? `${m[1]}-${m[2]}` : undefined;
}

/** The legacy period folder for `2025-08`: `20250801-20250901`. */
export function legacyFolder(period: Period): string {
  const [y, m] = period.split("-").map(Number);
  const next = m === 12 ? `${y + 1}01` : `${y}${String(m + 1).padStart(2, "0")}`;
  return `${y}${String(m).padStart(2, "0")}01-${next}01`;
}

export function parseMonth(value: string, flag: string): Period {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new UsageError(`${flag} must be a month as YYYY-MM, got "${value}"`);
  return value;
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
