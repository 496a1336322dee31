import { Option } from "clipanion";
import { BaseCommand } from "../../src/command.ts";

export class LakeDdlCommand extends BaseCommand {
  static override paths = [["lake", "ddl"]];
  static override usage = BaseCommand.Usage({
    category: "Lake",
    description: "Print the SQL that exposes the Parquet lake as tables in Athena, Trino, Spark, DuckDB or ClickHouse",
    details: `
      One table per lake folder: \`focus\` (the FOCUS cost model, each period counted once) and \`raw_{export}\` (each
      export's own columns), partitioned by \`billing_period\` (YYYY-MM), with the columns and types of the Parquet
      files \`finops lake export\` writes (read from the database).

      Athena: \`CREATE EXTERNAL TABLE\` with partition projection on billing_period, so new periods are visible without
      a crawler or MSCK REPAIR. Trino (Hive connector) and Spark: the table, then one call that registers the
      partitions present (run it again after an export adds a period). DuckDB: views over read_parquet with
      hive_partitioning. ClickHouse: S3 tables with use_hive_partitioning.
    `,
    examples: [
      ["Athena tables for the configured lake", "$0 lake ddl --engine athena"],
      ["DuckDB views over a local lake", "$0 lake ddl --engine duckdb --to ./lake"],
    ],
  });

  engine = Option.String("--engine", { required: true, description: "athena, trino, spark, duckdb or clickhouse" });
  to = Option.String("--to", { description: "The lake root: s3://bucket/prefix/ or a folder (default: [lake] to in the config file)" });
  schema = Option.String("--schema", "finops", { description: "Database / schema the tables go in (default finops)" });

  async run(): Promise<number> {
    const [{ lakeDdl, ENGINES }, { lakeTables }, { withReadOnly }, { UsageError }, path] = await Promise.all([
      import("../../src/lake/ddl.ts"),
      import("../../src/lake/tables.ts"),
      import("../../src/store/query.ts"),
      import("../../src/errors.ts"),
      import("node:path"),
    ]);
    if (!(ENGINES as string[]).includes(this.engine)) throw new UsageError(`--engine must be one of ${ENGINES.join(", ")} (got "${this.engine}")`);
    const settings = await this.settings();
    const configured = settings.lake?.to;
    const to = this.to ?? configured;
    if (!to) throw new UsageError("say where the lake is: --to s3://bucket/prefix/ (or a folder), or [lake] to = \"…\" in the config file");
    const root = to.startsWith("s3://") ? to : path.resolve(this.context.cwd, to);
    const tables = await withReadOnly(settings.database, [], lakeTables, this.waitOptions());
    if (tables.length === 0) {
      const { AppError } = await import("../../src/errors.ts");
      throw new AppError(`no billing data in ${settings.database}`, { hint: "Import something first: finops aws import-cur." });
    }
    this.out(lakeDdl({ engine: this.engine as never, root, tables, schema: this.schema }));
    return 0;
  }
}
