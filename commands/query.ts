import { Option } from "clipanion";
import { BaseCommand } from "../src/command.ts";

export class QueryCommand extends BaseCommand {
  static override paths = [["query"]];
  static override usage = BaseCommand.Usage({
    description: "Ask the database a question in SQL (read-only)",
    details: `
      Runs one SQL statement against the database, opened read-only, and prints the result as a table (\`--json\`
      for JSON rows, \`--csv\` for CSV). Billing data is in schema \`aws_billing\` (one view per export), the load
      history in schema \`finops\` (\`finops.periods\`, \`finops.loads\`, \`finops.columns\`, \`finops.exports\`).
    `,
    examples: [
      ["Cost per service and month of a legacy CUR", `$0 query "SELECT strftime(lineItem_UsageStartDate, '%Y-%m') AS month, lineItem_ProductCode AS service, round(sum(lineItem_UnblendedCost), 2) AS cost FROM aws_billing.my_cur GROUP BY ALL ORDER BY ALL"`],
      ["What is loaded", "$0 query 'SELECT * FROM finops.periods' --json"],
    ],
  });

  sql = Option.String({ name: "sql", required: true });
  csv = Option.Boolean("--csv", false, { description: "CSV on stdout" });

  async run(): Promise<number> {
    const [{ runQuery }, { renderQueryResult }, { AppError, UsageError }, { existsSync }] = await Promise.all([
      import("../src/store/query.ts"),
      import("../src/output/query.ts"),
      import("../src/errors.ts"),
      import("node:fs"),
    ]);
    if (this.csv && this.json) throw new UsageError("--csv and --json cannot be used together");
    const settings = await this.settings();
    if (!existsSync(settings.database)) {
      throw new AppError(`no database at ${settings.database}`, { hint: "Import something first (finops aws import-cur), or point --database at the file." });
    }
    let result;
    try {
      result = await runQuery(settings.database, this.sql, this.waitOptions());
    } catch (err) {
      throw new AppError(`query failed: ${(err as Error).message.split("\n")[0]}`);
    }
    this.out(renderQueryResult(result, this.json ? "json" : this.csv ? "csv" : "table", this.color));
    return 0;
  }
}
