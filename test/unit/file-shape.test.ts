/**
 * What a period's files say about the memory their load needs (fileShape in src/cur/load-period.ts), read from
 * Parquet files written here by a real in-memory DuckDB: the largest row group's compressed bytes and the number of
 * row groups, CSV as CSV, and a file that is not Parquet left to the load.
 */
import { expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileShape } from "../../src/cur/load-period.ts";
import { periodSelect, type LocalFile } from "../../src/cur/select.ts";
import { scratchDuckDB } from "../helpers/db.ts";

const scratch = scratchDuckDB("finops-shape-");

/** A Parquet file of `rows` rows of random text (incompressible) in row groups of `groupRows`. */
async function parquet(name: string, rows: number, groupRows: number): Promise<LocalFile> {
  const path = join(scratch.dir, name);
  await scratch.con.run(
    `COPY (SELECT i AS id, md5(i::VARCHAR) AS resource FROM range(${rows}) t(i)) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE ${groupRows})`,
  );
  return { path, source: `s3://bucket/period/${name}`, format: "parquet", gzip: false };
}

test("Parquet: the largest row group of any file, and all the row groups", async () => {
  const small = await parquet("small.parquet", 10_000, 2_048);
  const large = await parquet("large.parquet", 200_000, 200_000);
  const shape = await fileShape(scratch.con, [small, large]);
  if (shape.format !== "parquet") throw new Error("expected a Parquet shape");
  // 200,000 md5 strings (32 bytes each, incompressible) and ids: one row group of at least 6.4 MB, within the file
  expect(shape.largestRowGroupBytes).toBeGreaterThan(6.4e6);
  expect(shape.largestRowGroupBytes).toBeLessThan(statSync(large.path).size);
  // 10,000 rows in groups of 2,048 rows: 5 groups, and the large file's one
  expect(shape.rowGroups).toBe(6);
});

test("CSV files are CSV's shape, with the columns read from JSON into a MAP counted", async () => {
  const path = join(scratch.dir, "a.csv");
  writeFileSync(path, "a,b\n1,2\n");
  expect(await fileShape(scratch.con, [{ path, source: "s3://bucket/a.csv", format: "csv", gzip: false }])).toEqual({ format: "csv", mapColumns: 0 });
  // a CUR 2.0 CSV: product and resource_tags are JSON text loaded as MAPs (src/cur/types.ts)
  const cur2 = join(scratch.dir, "cur2.csv");
  writeFileSync(cur2, 'line_item_unblended_cost,product,resource_tags\n1.5,"{""region"":""us-east-1""}","{""user_team"":""a""}"\n');
  const file: LocalFile = { path: cur2, source: "s3://bucket/cur2.csv", format: "csv", gzip: false };
  const select = await periodSelect({ files: [file], columns: [], flavour: "cur2" });
  expect(await fileShape(scratch.con, [file], select.types)).toEqual({ format: "csv", mapColumns: 2 });
});

test("a footer DuckDB cannot read leaves the estimate to the columns, and the error to the load", async () => {
  const path = join(scratch.dir, "broken.parquet");
  writeFileSync(path, "not a parquet file");
  expect(await fileShape(scratch.con, [{ path, source: "s3://bucket/broken.parquet", format: "parquet", gzip: false }])).toEqual({
    format: "parquet",
    largestRowGroupBytes: 0,
    rowGroups: Number.POSITIVE_INFINITY,
  });
});
