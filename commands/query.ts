import { Option } from "clipanion";
import { BaseCommand } from "./_base.ts";

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
    const [{ runQuery }, { renderJson, renderTable }, { AppError, UsageError }, { existsSync }] = await Promise.all([
      import("../src/store/query.ts"),
      import("../src/output/table.ts"),
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
      result = await runQuery(settings.database, this.sql);
    } catch (err) {
      throw new AppError(`query failed: ${(err as Error).message.split("\n")[0]}`);
    }
    if (this.json) {
      this.out(renderJson(result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]])))));
    } else if (this.csv) {
      const cell = (v: unknown) => {
        const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
        return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
      };
      this.out([result.columns.map(cell).join(","), ...result.rows.map((r) => r.map(cell).join(","))].join("\n"));
    } else {
      const numeric = result.types.map((t, i) => (/INT|DOUBLE|DECIMAL|FLOAT|REAL/.test(t) ? i : -1)).filter((i) => i >= 0);
      const rows = result.rows.map((r) => r.map((v) => (v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v))));
      this.out(renderTable(result.columns, rows, { color: this.color, alignRight: numeric }));
    }
    return 0;
  }
}
