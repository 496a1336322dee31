/**
 * The SELECT that reads a period's files (src/cur/select.ts), built over small CSV and Parquet files written here and
 * run in a real in-memory DuckDB: column names, types, values read by header name, map columns, and the errors.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { ManifestColumn } from "../../src/cur/manifest.ts";
import { CSV_BUFFER_BYTES, csvSelect, parquetSelect, periodSelect, type LocalFile, type SelectSpec } from "../../src/cur/select.ts";
import { LoadError } from "../../src/store/load.ts";
import { scratchDuckDB } from "../helpers/db.ts";

const scratch = scratchDuckDB("finops-select-");

/** A CSV file in the temporary folder (gzip-compressed when `gzip`), as the spool leaves it. */
function csv(name: string, lines: string[], gzip = false): LocalFile {
  const path = join(scratch.dir, name);
  const text = `${lines.join("\n")}\n`;
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return { path, source: `s3://bucket/period/${name}`, format: "csv", gzip };
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await scratch.con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** Column name → DuckDB type of the SELECT's result. */
async function describeSelect(sql: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await rows(`DESCRIBE ${sql}`)) out[String(r.column_name)] = String(r.column_type);
  return out;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

const LEGACY: ManifestColumn[] = [
  { header: "identity/LineItemId", type: "String" },
  { header: "lineItem/UsageStartDate", type: "DateTime" },
  { header: "lineItem/UnblendedCost", type: "BigDecimal" },
  { header: "lineItem/UnblendedRate", type: "String" },
  { header: "resourceTags/user:Name", type: "String" },
  { header: "resourceTags/user:name", type: "String" },
];

describe("legacy CUR CSV", () => {
  let spec: SelectSpec;
  beforeAll(() => {
    // Two files of one period whose headers order the columns differently: one plain, one gzip.
    const a = csv("legacy-1.csv", [
      "identity/LineItemId,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/UnblendedRate,resourceTags/user:Name,resourceTags/user:name",
      "a1,2025-08-01T00:00:00Z,1.25,0.0104,web,db",
      "a2,2025-08-02T06:00:00Z,2.5,0.0104,,",
    ]);
    const b = csv(
      "legacy-2.csv.gz",
      [
        "resourceTags/user:name,lineItem/UnblendedCost,identity/LineItemId,resourceTags/user:Name,lineItem/UnblendedRate,lineItem/UsageStartDate",
        "lower,0.125,b1,Upper,4.0E-7,2025-08-03T12:30:00Z",
        'x,10,"b,2",,,2025-08-31T23:00:00Z',
      ],
      true,
    );
    spec = { files: [a, b], columns: LEGACY, flavour: "legacy" };
  });

  test("headers become category_Name columns; case twins get distinct columns; sources map each header", async () => {
    const sel = await csvSelect(spec);
    expect(sel.sources).toEqual([
      ["identity/LineItemId", "identity_LineItemId"],
      ["lineItem/UsageStartDate", "lineItem_UsageStartDate"],
      ["lineItem/UnblendedCost", "lineItem_UnblendedCost"],
      ["lineItem/UnblendedRate", "lineItem_UnblendedRate"],
      ["resourceTags/user:Name", "resourceTags_user:Name"],
      ["resourceTags/user:name", "resourceTags_user:name_2"],
    ]);
  });

  test("the manifest's types: BigDecimal → DOUBLE, DateTime → TIMESTAMP, String → VARCHAR (rates stay text)", async () => {
    const sel = await csvSelect(spec);
    expect(Object.fromEntries(sel.types)).toEqual({
      identity_LineItemId: "VARCHAR",
      lineItem_UsageStartDate: "TIMESTAMP",
      lineItem_UnblendedCost: "DOUBLE",
      lineItem_UnblendedRate: "VARCHAR",
      "resourceTags_user:Name": "VARCHAR",
      "resourceTags_user:name_2": "VARCHAR",
    });
    // What DuckDB actually reads.
    expect(await describeSelect(sel.sql)).toEqual({
      identity_LineItemId: "VARCHAR",
      lineItem_UsageStartDate: "TIMESTAMP",
      lineItem_UnblendedCost: "DOUBLE",
      lineItem_UnblendedRate: "VARCHAR",
      "resourceTags_user:Name": "VARCHAR",
      "resourceTags_user:name_2": "VARCHAR",
    });
  });

  test("values are read by header name from both files, whatever their column order", async () => {
    const sel = await csvSelect(spec);
    const got = await rows(
      `SELECT identity_LineItemId AS id, CAST(lineItem_UsageStartDate AS VARCHAR) AS start, lineItem_UnblendedCost AS cost, lineItem_UnblendedRate AS rate,
              "resourceTags_user:Name" AS upper, "resourceTags_user:name_2" AS lower FROM (${sel.sql}) ORDER BY id`,
    );
    expect(got).toEqual([
      { id: "a1", start: "2025-08-01 00:00:00", cost: 1.25, rate: "0.0104", upper: "web", lower: "db" },
      { id: "a2", start: "2025-08-02 06:00:00", cost: 2.5, rate: "0.0104", upper: null, lower: null },
      { id: "b,2", start: "2025-08-31 23:00:00", cost: 10, rate: null, upper: null, lower: "x" },
      { id: "b1", start: "2025-08-03 12:30:00", cost: 0.125, rate: "4.0E-7", upper: "Upper", lower: "lower" },
    ]);
  });

  test("the cost column sums to the sum of the values written", async () => {
    const sel = await csvSelect(spec);
    const [r] = await rows(`SELECT count(*)::INTEGER AS n, sum(lineItem_UnblendedCost) AS cost FROM (${sel.sql})`);
    expect(r).toEqual({ n: 4, cost: 1.25 + 2.5 + 0.125 + 10 });
  });

  test("one read_csv per distinct header, glued by name", async () => {
    const sel = await csvSelect(spec);
    expect(sel.sql.match(/read_csv\(/g)).toHaveLength(2);
    expect(sel.sql).toContain("UNION ALL BY NAME");
    expect(sel.sql).toContain("compression = 'gzip'");
    expect(sel.sql).toContain("compression = 'none'");
    const same = csv("legacy-3.csv", ["identity/LineItemId,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/UnblendedRate,resourceTags/user:Name,resourceTags/user:name", "c1,2025-08-04T00:00:00Z,3,,,"]);
    const grouped = await csvSelect({ ...spec, files: [spec.files[0], same] });
    expect(grouped.sql.match(/read_csv\(/g)).toHaveLength(1);
    const [r] = await rows(`SELECT count(*)::INTEGER AS n, sum(lineItem_UnblendedCost) AS cost FROM (${grouped.sql})`);
    expect(r).toEqual({ n: 3, cost: 6.75 });
  });

  test("a file several CSV buffers long, and a line longer than one megabyte, read whole", async () => {
    // The reader's buffer is smaller than DuckDB's default (CSV_BUFFER_BYTES): rows that straddle a buffer's edge and
    // a long line (a tag value of 1.5 MB, under DuckDB's 2 MB line limit) must still read exactly.
    const header = "identity/LineItemId,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/UnblendedRate,resourceTags/user:Name,resourceTags/user:name";
    const lines = [header];
    let cents = 0;
    const n = 300_000;
    for (let i = 0; i < n; i++) {
      const c = (i % 997) + 1;
      cents += c;
      lines.push(`row-${i}-${"x".repeat(40)},2025-08-01T${String(i % 24).padStart(2, "0")}:00:00Z,${(c / 100).toFixed(2)},0.0104,web-${i % 13},db`);
    }
    const long = "t".repeat(1_500_000);
    lines.push(`long,2025-08-31T23:00:00Z,1.00,,${long},`);
    cents += 100;
    const f = csv("legacy-long.csv.gz", lines, true);
    expect(lines.join("\n").length).toBeGreaterThan(3 * CSV_BUFFER_BYTES);
    const sel = await csvSelect({ files: [f], columns: LEGACY, flavour: "legacy" });
    expect(sel.sql).toContain(`buffer_size = ${CSV_BUFFER_BYTES}`);
    const [r] = await rows(
      `SELECT count(*)::INTEGER AS n, round(sum(lineItem_UnblendedCost) * 100)::INTEGER AS cents, max(length("resourceTags_user:Name"))::INTEGER AS longest FROM (${sel.sql})`,
    );
    expect(r).toEqual({ n: n + 1, cents, longest: long.length });
  });

  test("a manifest without types: AWS's documented types for standard columns, text for the rest", async () => {
    const untyped = LEGACY.map((c) => ({ header: c.header }));
    const sel = await csvSelect({ ...spec, columns: untyped });
    expect(await describeSelect(sel.sql)).toMatchObject({
      lineItem_UsageStartDate: "TIMESTAMP",
      lineItem_UnblendedCost: "DOUBLE",
      lineItem_UnblendedRate: "VARCHAR",
      "resourceTags_user:Name": "VARCHAR",
    });
  });

  test("a manifest without columns: the files' headers name the columns", async () => {
    const sel = await csvSelect({ ...spec, columns: [] });
    expect(sel.sources.map(([, c]) => c).sort()).toEqual(
      ["identity_LineItemId", "lineItem_UsageStartDate", "lineItem_UnblendedCost", "lineItem_UnblendedRate", "resourceTags_user:Name", "resourceTags_user:name_2"].sort(),
    );
    const [r] = await rows(`SELECT sum(lineItem_UnblendedCost) AS cost FROM (${sel.sql})`);
    expect(r.cost).toBe(13.875);
  });
});

describe("CUR 2.0 CSV", () => {
  const CUR2: ManifestColumn[] = [
    { header: "identity_line_item_id", type: "string" },
    { header: "line_item_usage_start_date", type: "timestamp" },
    { header: "line_item_unblended_cost", type: "double" },
    { header: "resource_tags", type: "map<string,string>" },
    { header: "discount" },
  ];

  test("map cells (JSON objects) become MAP(VARCHAR, VARCHAR), readable by key", async () => {
    const f = csv(
      "cur2-1.csv.gz",
      [
        "identity_line_item_id,line_item_usage_start_date,line_item_unblended_cost,resource_tags,discount",
        'r1,2025-09-27T06:00:00.000Z,0.0728,"{""user_team"":""a"",""user_env"":""prod""}","{""bundled_discount"":-0.5}"',
        "r2,2025-09-01T00:00:00.000Z,0.67,{},{}",
        "r3,2025-09-02T00:00:00.000Z,1,,",
      ],
      true,
    );
    const sel = await csvSelect({ files: [f], columns: CUR2, flavour: "cur2" });
    expect(sel.sources).toEqual(CUR2.map((c) => [c.header, c.header]));
    expect(await describeSelect(sel.sql)).toEqual({
      identity_line_item_id: "VARCHAR",
      line_item_usage_start_date: "TIMESTAMP",
      line_item_unblended_cost: "DOUBLE",
      resource_tags: "MAP(VARCHAR, VARCHAR)",
      discount: "MAP(VARCHAR, DOUBLE)",
    });
    const got = await rows(
      `SELECT identity_line_item_id AS id, resource_tags['user_team'] AS team, resource_tags['user_env'] AS env, cardinality(resource_tags)::INTEGER AS tags,
              discount['bundled_discount'] AS discount, line_item_unblended_cost AS cost FROM (${sel.sql}) ORDER BY id`,
    );
    expect(got).toEqual([
      { id: "r1", team: "a", env: "prod", tags: 2, discount: -0.5, cost: 0.0728 },
      { id: "r2", team: null, env: null, tags: 0, discount: null, cost: 0.67 },
      { id: "r3", team: null, env: null, tags: null, discount: null, cost: 1 },
    ]);
  });

  test("CUR 2.0 names are kept as they are (no category_Name renaming)", async () => {
    const f = csv("cur2-2.csv", ["identity_line_item_id,line_item_unblended_cost,resource_tags,discount,line_item_usage_start_date", "x,2,{},{},2025-09-03T00:00:00.000Z"]);
    const sel = await csvSelect({ files: [f], columns: CUR2, flavour: "cur2" });
    const [r] = await rows(`SELECT identity_line_item_id AS id, line_item_unblended_cost AS cost FROM (${sel.sql})`);
    expect(r).toEqual({ id: "x", cost: 2 });
  });
});

describe("CSV headers that do not match the manifest", () => {
  test("a header listing a column twice is a LoadError naming the file", async () => {
    const f = csv("dup.csv", ["identity/LineItemId,lineItem/UnblendedCost,identity/LineItemId", "a,1,a"]);
    const err = await rejection(csvSelect({ files: [f], columns: LEGACY, flavour: "legacy" }));
    expect(err).toBeInstanceOf(LoadError);
    expect(err.message).toBe('s3://bucket/period/dup.csv: the CSV header has the column "identity/LineItemId" twice');
  });

  test("a column the manifest does not list loads too, with AWS's documented type or as text, and is named in `extra`", async () => {
    const header = [...LEGACY.map((c) => c.header), "resourceTags/user:Surprise", "lineItem/NetUnblendedCost"].join(",");
    const f = csv("extra.csv", [header, "a,2025-08-01T00:00:00Z,1.25,,,,x,0.5"]);
    const sel = await csvSelect({ files: [f], columns: LEGACY, flavour: "legacy" });
    expect(sel.extra).toEqual(["resourceTags/user:Surprise", "lineItem/NetUnblendedCost"]);
    const types = await describeSelect(sel.sql);
    expect(types["resourceTags_user:Surprise"]).toBe("VARCHAR");
    // A documented CUR cost column keeps its documented type even when the manifest does not list it.
    expect(types["lineItem_NetUnblendedCost"]).toBe("DOUBLE");
    expect(await rows(`SELECT "resourceTags_user:Surprise" AS t, "lineItem_NetUnblendedCost" AS n, "lineItem_UnblendedCost" AS c FROM (${sel.sql})`)).toEqual([{ t: "x", n: 0.5, c: 1.25 }]);
  });

  test("a file lacking columns the manifest lists: they read as NULL for its rows, with the manifest's types", async () => {
    const full = csv("full.csv", [LEGACY.map((c) => c.header).join(","), "a,2025-08-01T00:00:00Z,1.5,0.1,T,"]);
    const short = csv("short.csv", ["identity/LineItemId,resourceTags/user:name", "b,lower"]);
    const sel = await csvSelect({ files: [full, short], columns: LEGACY, flavour: "legacy" });
    expect(sel.extra).toEqual([]);
    const types = await describeSelect(sel.sql);
    expect(types.lineItem_UnblendedCost).toBe("DOUBLE");
    expect(types.lineItem_UsageStartDate).toBe("TIMESTAMP");
    const got = await rows(`SELECT "identity_LineItemId" AS id, "lineItem_UnblendedCost" AS cost, "resourceTags_user:name_2" AS tag FROM (${sel.sql}) ORDER BY id`);
    expect(got).toEqual([
      { id: "a", cost: 1.5, tag: null },
      { id: "b", cost: null, tag: "lower" },
    ]);
    // A manifest column no file has is still a column of the period.
    const none = await csvSelect({ files: [short], columns: LEGACY, flavour: "legacy" });
    expect(Object.keys(await describeSelect(none.sql)).sort()).toEqual(Object.keys(types).sort());
  });

  test("an empty file: a LoadError saying it has no header line", async () => {
    const path = join(scratch.dir, "empty.csv");
    writeFileSync(path, "");
    const err = await rejection(csvSelect({ files: [{ path, source: "s3://bucket/period/empty.csv", format: "csv", gzip: false }], columns: LEGACY, flavour: "legacy" }));
    expect(err).toBeInstanceOf(LoadError);
    expect(err.message).toBe("s3://bucket/period/empty.csv: cannot read the CSV header: the file is empty (no header line)");
  });
});

describe("periodSelect and Parquet", () => {
  test("an empty file list (an empty delivery): the manifest's columns with their types, and no rows", async () => {
    const sel = await periodSelect({ files: [], columns: LEGACY, flavour: "legacy" });
    const types = await describeSelect(sel.sql);
    expect(types.lineItem_UnblendedCost).toBe("DOUBLE");
    expect(types.lineItem_UsageStartDate).toBe("TIMESTAMP");
    expect(types["resourceTags_user:name_2"]).toBe("VARCHAR");
    expect(Object.keys(types)).toHaveLength(LEGACY.length);
    expect(await rows(`SELECT count(*)::INT AS n FROM (${sel.sql})`)).toEqual([{ n: 0 }]);
    // Without columns either, there is nothing to make a table of.
    const err = await rejection(periodSelect({ files: [], columns: [], flavour: "legacy" }));
    expect(err).toBeInstanceOf(LoadError);
    expect(err.message).toBe("the manifest lists neither data files nor columns: nothing to load");
  });

  test("Parquet files are read together by name; a column missing from one file is NULL there", async () => {
    const p1 = join(scratch.dir, "part-1.parquet");
    const p2 = join(scratch.dir, "part-2.parquet");
    await scratch.con.run(`COPY (SELECT 'p1' AS id, 1.5::DOUBLE AS line_item_unblended_cost, 'x' AS only_in_first) TO '${p1}' (FORMAT parquet)`);
    await scratch.con.run(`COPY (SELECT 2.25::DOUBLE AS line_item_unblended_cost, 'p2' AS id) TO '${p2}' (FORMAT parquet)`);
    const files: LocalFile[] = [p1, p2].map((path) => ({ path, source: path, format: "parquet", gzip: false }));
    const sel = await periodSelect({ files, columns: [], flavour: "cur2" });
    expect(sel).toEqual(parquetSelect(files));
    expect(sel.sources).toEqual([]);
    expect(sel.types.size).toBe(0);
    expect(await rows(`SELECT id, line_item_unblended_cost AS cost, only_in_first FROM (${sel.sql}) ORDER BY id`)).toEqual([
      { id: "p1", cost: 1.5, only_in_first: "x" },
      { id: "p2", cost: 2.25, only_in_first: null },
    ]);
  });

  test("CSV files go through the CSV select", async () => {
    const f = csv("period.csv", [LEGACY.map((c) => c.header).join(","), "z,2025-08-05T00:00:00Z,7.5,,,"]);
    const sel = await periodSelect({ files: [f], columns: LEGACY, flavour: "legacy" });
    expect(sel.types.get("lineItem_UnblendedCost")).toBe("DOUBLE");
    const [r] = await rows(`SELECT sum(lineItem_UnblendedCost) AS cost FROM (${sel.sql})`);
    expect(r.cost).toBe(7.5);
  });
});
