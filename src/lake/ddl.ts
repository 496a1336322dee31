/**
 * `finops lake ddl`: the statements that expose the Parquet lake (src/lake/, layout in the README) as tables in
 * Athena, Trino, Spark, DuckDB or ClickHouse. The lake holds `focus/billing_period=YYYY-MM/data.parquet` and
 * `raw/{export}/billing_period=YYYY-MM/data.parquet`; the partition key `billing_period` is a string `YYYY-MM`.
 *
 * Athena gets partition projection on billing_period (a date partition, format yyyy-MM, one month apart), so new
 * periods are found without a crawler or MSCK REPAIR; Trino's Hive connector and Spark register the partitions
 * present with one call after the table is created.
 */
import { AppError, ExitCode } from "../errors.ts";
import { DATA_FILE, PARTITION_KEY } from "./layout.ts";

export type Engine = "athena" | "trino" | "spark" | "duckdb" | "clickhouse";
export const ENGINES: Engine[] = ["athena", "trino", "spark", "duckdb", "clickhouse"];

export interface LakeTable {
  /** Table name in the engine: `focus`, or `raw_{export table prefix}`. */
  name: string;
  /** Folder under the lake root: `focus`, or `raw/{export table prefix}`. */
  folder: string;
  /** Columns as DuckDB names their types (what the Parquet files hold). */
  columns: [string, string][];
}

/** The first month Athena's projection considers; CUR began in 2015 (earlier months simply hold no data). */
export const PROJECTION_START = "2015-01";

/** A DuckDB type as the engine's SQL type. DuckDB writes TIMESTAMP as Parquet INT64 micros (no time zone). */
export function engineType(duck: string, engine: Exclude<Engine, "duckdb">): string {
  const t = duck.trim().toUpperCase();
  const map = /^MAP\((.+)\)$/.exec(t);
  if (map) {
    const [k, v] = splitTop(map[1]);
    if (engine === "trino") return `map(${engineType(k, engine)}, ${engineType(v, engine)})`;
    if (engine === "clickhouse") return `Map(${engineType(k, engine)}, ${engineType(v, engine)})`;
    return `map<${engineType(k, engine)},${engineType(v, engine)}>`;
  }
  const list = /^(.+)\[\]$/.exec(t);
  if (list) {
    const inner = engineType(list[1], engine);
    if (engine === "trino") return `array(${inner})`;
    if (engine === "clickhouse") return `Array(${inner})`;
    return `array<${inner}>`;
  }
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return engine === "clickhouse" ? `Decimal(${dec[1]}, ${dec[2]})` : `decimal(${dec[1]},${dec[2]})`;
  const simple: Record<string, Record<Exclude<Engine, "duckdb">, string>> = {
    VARCHAR: { athena: "string", spark: "string", trino: "varchar", clickhouse: "String" },
    DOUBLE: { athena: "double", spark: "double", trino: "double", clickhouse: "Float64" },
    FLOAT: { athena: "float", spark: "float", trino: "real", clickhouse: "Float32" },
    BIGINT: { athena: "bigint", spark: "bigint", trino: "bigint", clickhouse: "Int64" },
    INTEGER: { athena: "int", spark: "int", trino: "integer", clickhouse: "Int32" },
    SMALLINT: { athena: "smallint", spark: "smallint", trino: "smallint", clickhouse: "Int16" },
    BOOLEAN: { athena: "boolean", spark: "boolean", trino: "boolean", clickhouse: "Bool" },
    DATE: { athena: "date", spark: "date", trino: "date", clickhouse: "Date32" },
    TIMESTAMP: { athena: "timestamp", spark: "timestamp_ntz", trino: "timestamp(6)", clickhouse: "DateTime64(6)" },
  };
  const s = simple[t];
  if (!s) throw new AppError(`no ${engine} type for the DuckDB type ${duck}`);
  return s[engine];
}

/** Split "A, B" at the top-level comma (MAP(VARCHAR, DECIMAL(18,2))). */
function splitTop(s: string): [string, string] {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")") depth--;
    else if (s[i] === "," && depth === 0) return [s.slice(0, i).trim(), s.slice(i + 1).trim()];
  }
  throw new AppError(`cannot read the type ${s}`);
}

const backtick = (n: string) => `\`${n.replaceAll("`", "``")}\``;
const dquote = (n: string) => `"${n.replaceAll('"', '""')}"`;
const squote = (s: string) => `'${s.replaceAll("'", "''")}'`;

function joinUrl(root: string, folder: string): string {
  return `${root.replace(/\/+$/, "")}/${folder}/`;
}

export interface DdlOptions {
  engine: Engine;
  /** The lake root: s3://bucket/prefix or a local folder. */
  root: string;
  tables: LakeTable[];
  /** Database / schema the tables go in (default finops). */
  schema?: string;
}

export function lakeDdl(o: DdlOptions): string {
  const schema = o.schema ?? "finops";
  const s3 = o.root.startsWith("s3://");
  if (!s3 && (o.engine === "athena" || o.engine === "trino" || o.engine === "clickhouse")) {
    throw new AppError(`${o.engine} reads the lake from S3: export it with --to s3://bucket/prefix/ and print the DDL for that root`, { exitCode: ExitCode.usage });
  }
  const out: string[] = [];
  switch (o.engine) {
    case "athena":
      out.push(`CREATE DATABASE IF NOT EXISTS ${backtick(schema)};`);
      for (const t of o.tables) {
        const location = joinUrl(o.root, t.folder);
        out.push(
          [
            `CREATE EXTERNAL TABLE IF NOT EXISTS ${backtick(schema)}.${backtick(t.name)} (`,
            t.columns.map(([n, ty]) => `  ${backtick(n)} ${engineType(ty, "athena")}`).join(",\n"),
            ")",
            `PARTITIONED BY (${backtick(PARTITION_KEY)} string)`,
            "STORED AS PARQUET",
            `LOCATION ${squote(location)}`,
            "TBLPROPERTIES (",
            "  'parquet.compression' = 'ZSTD',",
            "  'projection.enabled' = 'true',",
            `  'projection.${PARTITION_KEY}.type' = 'date',`,
            `  'projection.${PARTITION_KEY}.format' = 'yyyy-MM',`,
            `  'projection.${PARTITION_KEY}.range' = '${PROJECTION_START},NOW',`,
            `  'projection.${PARTITION_KEY}.interval' = '1',`,
            `  'projection.${PARTITION_KEY}.interval.unit' = 'MONTHS',`,
            `  'storage.location.template' = ${squote(`${location}${PARTITION_KEY}=\${${PARTITION_KEY}}/`)}`,
            ");",
          ].join("\n"),
        );
      }
      break;
    case "trino":
      out.push(`-- Trino, Hive connector (catalog "hive"; change it to yours). Partitions are registered by the CALL.`);
      out.push(`CREATE SCHEMA IF NOT EXISTS hive.${dquote(schema)};`);
      for (const t of o.tables) {
        out.push(
          [
            `CREATE TABLE IF NOT EXISTS hive.${dquote(schema)}.${dquote(t.name)} (`,
            [...t.columns.map(([n, ty]) => `  ${dquote(n)} ${engineType(ty, "trino")}`), `  ${dquote(PARTITION_KEY)} varchar`].join(",\n"),
            ")",
            `WITH (external_location = ${squote(joinUrl(o.root, t.folder))}, format = 'PARQUET', partitioned_by = ARRAY['${PARTITION_KEY}']);`,
          ].join("\n"),
        );
        out.push(`CALL hive.system.sync_partition_metadata(${squote(schema)}, ${squote(t.name)}, 'FULL');`);
      }
      break;
    case "spark":
      out.push(`CREATE DATABASE IF NOT EXISTS ${backtick(schema)};`);
      for (const t of o.tables) {
        const location = s3 ? joinUrl(o.root.replace(/^s3:\/\//, "s3a://"), t.folder) : joinUrl(o.root, t.folder);
        out.push(
          [
            `CREATE TABLE IF NOT EXISTS ${backtick(schema)}.${backtick(t.name)} (`,
            [...t.columns.map(([n, ty]) => `  ${backtick(n)} ${engineType(ty, "spark")}`), `  ${backtick(PARTITION_KEY)} string`].join(",\n"),
            ")",
            "USING parquet",
            `PARTITIONED BY (${backtick(PARTITION_KEY)})`,
            `LOCATION ${squote(location)};`,
          ].join("\n"),
        );
        out.push(`ALTER TABLE ${backtick(schema)}.${backtick(t.name)} RECOVER PARTITIONS;`);
      }
      break;
    case "duckdb":
      out.push(`CREATE SCHEMA IF NOT EXISTS ${dquote(schema)};`);
      if (s3) out.push("INSTALL httpfs; LOAD httpfs;  -- and credentials: CREATE SECRET (TYPE s3, PROVIDER credential_chain);");
      for (const t of o.tables) {
        out.push(
          `CREATE OR REPLACE VIEW ${dquote(schema)}.${dquote(t.name)} AS SELECT * FROM read_parquet(${squote(`${joinUrl(o.root, t.folder)}${PARTITION_KEY}=*/${DATA_FILE}`)}, hive_partitioning = true, union_by_name = true);`,
        );
      }
      break;
    case "clickhouse":
      out.push(`CREATE DATABASE IF NOT EXISTS ${backtick(schema)};`);
      for (const t of o.tables) {
        const url = joinUrl(o.root.replace(/^s3:\/\/([^/]+)\/?/, "https://$1.s3.amazonaws.com/"), t.folder);
        out.push(
          [
            `CREATE TABLE IF NOT EXISTS ${backtick(schema)}.${backtick(t.name)} (`,
            t.columns.map(([n, ty]) => `  ${backtick(n)} Nullable(${engineType(ty, "clickhouse")})`.replace(/Nullable\(Map\((.+)\)\)$/, "Map($1)")).join(",\n"),
            ")",
            `ENGINE = S3(${squote(`${url}${PARTITION_KEY}=*/*.parquet`)}, 'Parquet')`,
            "SETTINGS use_hive_partitioning = 1;",
          ].join("\n"),
        );
      }
      break;
  }
  return `${out.join("\n\n")}\n`;
}
