/**
 * The one SELECT that reads every file of a period with the manifest's types (also the benchmark's baseline):
 * `read_csv` per distinct header, matched to the manifest by header name, not position, glued `UNION ALL BY NAME`;
 * or one `read_parquet` over all files.
 */
import type { Flavour } from "../flavour.ts";
import { errorMessage } from "../errors.ts";
import { ident, literal } from "../store/duckdb.ts";
import { LoadError, type SourceFile } from "../store/load.ts";
import { readCsvHeader } from "./csv-header.ts";
import type { ManifestColumn } from "./manifest.ts";
import { legacyColumnNames } from "./naming.ts";
import { cur2ColumnType, legacyColumnType, type SqlType } from "./types.ts";

/** A spooled data file. */
export interface LocalFile extends SourceFile {
  format: "csv" | "parquet";
  gzip: boolean;
}

export interface SelectSpec {
  files: LocalFile[];
  columns: ManifestColumn[];
  flavour: Flavour;
}

export interface PeriodSelect {
  sql: string;
  /** Source header → column name, for every column of a CSV period (Parquet columns keep their names). */
  sources: [string, string][];
  /** Column name → type (CSV). */
  types: Map<string, SqlType>;
}

function difference(a: string[], b: string[]): { missing: string[]; extra: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { missing: b.filter((x) => !sa.has(x)), extra: a.filter((x) => !sb.has(x)) };
}

function sample(list: string[]): string {
  const shown = list.slice(0, 3).map((x) => `"${x}"`).join(", ");
  return list.length > 3 ? `${shown} and ${list.length - 3} more` : shown;
}

/** Each file's header, checked against the manifest. */
async function csvHeaders(spec: SelectSpec): Promise<string[][]> {
  const manifestHeaders = spec.columns.map((c) => c.header);
  const headers: string[][] = [];
  for (const f of spec.files) {
    let h: string[];
    try {
      h = await readCsvHeader(f.path, f.gzip);
    } catch (err) {
      throw new LoadError(`${f.source}: cannot read the CSV header: ${errorMessage(err)}`, err);
    }
    const dup = h.find((x, j) => h.indexOf(x) !== j);
    if (dup !== undefined) throw new LoadError(`${f.source}: the CSV header has the column "${dup}" twice`);
    if (manifestHeaders.length > 0) {
      const { missing, extra } = difference(h, manifestHeaders);
      if (extra.length) throw new LoadError(`${f.source}: the CSV header has columns the manifest does not list: ${sample(extra)}`);
      if (missing.length) throw new LoadError(`${f.source}: the CSV header lacks columns the manifest lists: ${sample(missing)}`);
    }
    headers.push(h);
  }
  return headers;
}

export async function csvSelect(spec: SelectSpec): Promise<PeriodSelect> {
  const headers = await csvHeaders(spec);
  const manifestType = new Map(spec.columns.map((c) => [c.header, c.type]));
  const all = [...new Set([...spec.columns.map((c) => c.header), ...headers.flat()])];
  const names = spec.flavour === "legacy" ? legacyColumnNames(all) : new Map(all.map((h) => [h, h]));
  const types = new Map<string, SqlType>();
  for (const h of all) {
    types.set(names.get(h)!, spec.flavour === "legacy" ? legacyColumnType(h, manifestType.get(h)) : cur2ColumnType(h, manifestType.get(h)));
  }
  // One read_csv per distinct header (usually one for the whole period), glued by name.
  const groups = new Map<string, { header: string[]; files: LocalFile[] }>();
  spec.files.forEach((f, i) => {
    const key = JSON.stringify(headers[i]);
    const g = groups.get(key) ?? { header: headers[i], files: [] };
    g.files.push(f);
    groups.set(key, g);
  });
  const selects = [...groups.values()].map((g) => {
    const cols = g.header.map((h) => {
      const name = names.get(h)!;
      const t = types.get(name)!;
      return `${literal(name)}: ${literal(t.startsWith("MAP") ? "VARCHAR" : t)}`;
    });
    // CUR 2.0 CSV map cells are JSON objects: read as text, cast to the MAP.
    const maps = g.header
      .map((h) => names.get(h)!)
      .filter((n) => types.get(n)!.startsWith("MAP"))
      .map((n) => `CAST(json(${ident(n)}) AS ${types.get(n)}) AS ${ident(n)}`);
    const files = `[${g.files.map((f) => literal(f.path)).join(", ")}]`;
    const gz = g.files[0].gzip ? "gzip" : "none";
    const read = `read_csv(${files}, header = true, columns = {${cols.join(", ")}}, auto_detect = false, delim = ',', quote = '"', escape = '"', compression = '${gz}')`;
    return `SELECT *${maps.length ? ` REPLACE (${maps.join(", ")})` : ""} FROM ${read}`;
  });
  return { sql: selects.join("\nUNION ALL BY NAME\n"), sources: [...names], types };
}

export function parquetSelect(files: LocalFile[]): PeriodSelect {
  const sql = `SELECT * FROM read_parquet([${files.map((f) => literal(f.path)).join(", ")}], union_by_name = true, hive_partitioning = false)`;
  return { sql, sources: [], types: new Map() };
}

export async function periodSelect(spec: SelectSpec): Promise<PeriodSelect> {
  if (spec.files.length === 0) throw new LoadError("the manifest lists no data files (an empty delivery): nothing to load");
  return spec.files[0].format === "parquet" ? parquetSelect(spec.files) : await csvSelect(spec);
}
