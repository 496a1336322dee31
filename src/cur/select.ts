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
  /** Header columns the manifest does not list (loaded all the same; the import warns about them). */
  extra: string[];
}

/** Each file's header (a column named twice is an error: DuckDB could not tell the two apart). */
async function csvHeaders(spec: SelectSpec): Promise<string[][]> {
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
    headers.push(h);
  }
  return headers;
}

/** Names and types of every column: the manifest's, then those only a file's header has (documented type, or text). */
function columnPlan(spec: SelectSpec, headers: string[][]): { all: string[]; names: Map<string, string>; types: Map<string, SqlType>; extra: string[] } {
  const manifestType = new Map(spec.columns.map((c) => [c.header, c.type]));
  const all = [...new Set([...spec.columns.map((c) => c.header), ...headers.flat()])];
  const extra = spec.columns.length === 0 ? [] : all.filter((h) => !manifestType.has(h));
  const names = spec.flavour === "legacy" ? legacyColumnNames(all) : new Map(all.map((h) => [h, h]));
  const types = new Map<string, SqlType>();
  for (const h of all) {
    types.set(names.get(h)!, spec.flavour === "legacy" ? legacyColumnType(h, manifestType.get(h)) : cur2ColumnType(h, manifestType.get(h)));
  }
  return { all, names, types, extra };
}

/**
 * An empty cell is NULL in every flavour. FOCUS CSV also writes a missing value as the literal `NULL` (the FinOps
 * Foundation's FOCUS sample data: `NULL` in text, number and timestamp columns alike), which would otherwise fail a
 * number column and read as the text "NULL" in the others.
 */
function nullstr(flavour: SelectSpec["flavour"]): string {
  return flavour === "focus" ? ", nullstr = ['', 'NULL']" : "";
}

/**
 * The CSV reader's buffer. DuckDB's default is 16 × max_line_size (32 MiB), and each reading thread holds a few:
 * measured on the benchmark's CUR 2.0 CSV shape (1,000,000 rows, 2 threads), the reader's memory fell from 92 to
 * 32 MiB and DuckDB alone peaked at 400 MiB instead of 606 MiB, no slower; which leaves the memory limit to the
 * table being written. DuckDB also takes it as the longest line it reads: a 3 MB line (a row with many long tags),
 * refused at the default 2 MB, reads; a longer one fails its period with a message naming the file and line
 * (explainLoadError, src/store/load.ts).
 */
export const CSV_BUFFER_BYTES = 8 * 1024 * 1024;

/** A column a file lacks: NULL of the column's type, so every period table has every column. */
const nullColumn = (name: string, type: SqlType) => `CAST(NULL AS ${type}) AS ${ident(name)}`;

export async function csvSelect(spec: SelectSpec): Promise<PeriodSelect> {
  const headers = await csvHeaders(spec);
  const { all, names, types, extra } = columnPlan(spec, headers);
  // One read_csv per distinct header (usually one for the whole period), glued by name; a column a group lacks is
  // NULL for its rows.
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
    const present = new Set(g.header);
    const missing = all.filter((h) => !present.has(h)).map((h) => nullColumn(names.get(h)!, types.get(names.get(h)!)!));
    const files = `[${g.files.map((f) => literal(f.path)).join(", ")}]`;
    const gz = g.files[0].gzip ? "gzip" : "none";
    const read = `read_csv(${files}, header = true, columns = {${cols.join(", ")}}, auto_detect = false, delim = ',', quote = '"', escape = '"', compression = '${gz}'${nullstr(spec.flavour)}, buffer_size = ${CSV_BUFFER_BYTES})`;
    return `SELECT *${maps.length ? ` REPLACE (${maps.join(", ")})` : ""}${missing.length ? `, ${missing.join(", ")}` : ""} FROM ${read}`;
  });
  return { sql: selects.join("\nUNION ALL BY NAME\n"), sources: [...names], types, extra };
}

/**
 * An empty delivery (`reportKeys: []`, a period AWS had nothing to bill for): a table with the manifest's columns
 * and types, and no rows.
 */
export function emptySelect(spec: SelectSpec): PeriodSelect {
  if (spec.columns.length === 0) throw new LoadError("the manifest lists neither data files nor columns: nothing to load");
  const { names, types } = columnPlan(spec, []);
  const cols = [...names.values()].map((n) => nullColumn(n, types.get(n)!));
  return { sql: `SELECT ${cols.join(", ")} WHERE false`, sources: [...names], types, extra: [] };
}

export function parquetSelect(files: LocalFile[]): PeriodSelect {
  const sql = `SELECT * FROM read_parquet([${files.map((f) => literal(f.path)).join(", ")}], union_by_name = true, hive_partitioning = false)`;
  return { sql, sources: [], types: new Map(), extra: [] };
}

export async function periodSelect(spec: SelectSpec): Promise<PeriodSelect> {
  if (spec.files.length === 0) return emptySelect(spec);
  return spec.files[0].format === "parquet" ? parquetSelect(spec.files) : await csvSelect(spec);
}
