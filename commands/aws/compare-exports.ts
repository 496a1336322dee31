import { Option } from "clipanion";
import { BaseCommand } from "../../src/command.ts";
import type { Comparison } from "../../src/model/compare.ts";

export class CompareExportsCommand extends BaseCommand {
  static override paths = [["aws", "compare-exports"]];
  static override usage = BaseCommand.Usage({
    category: "AWS",
    description: "Compare two exports of the same bill, per billing period and service (or account)",
    details: `
      For the billing periods both exports hold, the totals of each per period and service (\`--by account\`: per
      usage account), read through the cost model's views focus."{export}": unblended (x_UnblendedCost), net
      unblended (x_NetUnblendedCost), amortized (EffectiveCost) and net amortized (x_NetAmortizedCost), and the
      difference B − A. A and B are export names as in the config file (\`finops aws list-exports\` lists them).

      Exit 1 when any difference exceeds \`--tolerance\` (default 0.01, in the bill's currency), else 0. Periods only
      one export holds are named on stderr (in \`--json\`: \`onlyA\`, \`onlyB\`) and not compared. The table rounds
      to 2 decimals and marks the lines over the tolerance; \`--json\` and \`--csv\` carry full precision. A summary
      line goes to stderr; stdout carries only the data.

      A measure one export does not carry for a period is not compared: an absence, not a difference. A FOCUS
      export has no gross amortized cost (its EffectiveCost is AWS's own, after discounts, and is compared as net
      amortized), so amortized is not compared; a legacy or CUR 2.0 period without the net cost columns
      (lineItem/NetUnblendedCost, line_item_net_unblended_cost) has no net unblended or net amortized cost. Such
      measures are null in \`--json\` (the side lacking them and the difference), empty in \`--csv\`, n/a in the
      table, and never exceed; one line on stderr per export and period says which and why.
    `,
    examples: [
      ["Compare a legacy CUR with its CUR 2.0 successor", "$0 aws compare-exports my-cur my-cur2"],
      ["Per usage account, tolerating a cent per row and measure", "$0 aws compare-exports my-cur my-focus --by account --tolerance 0.01"],
      ["As JSON (rows, periods only one export holds, the count of differences)", "$0 aws compare-exports my-cur my-focus --json"],
      ["As CSV", "$0 aws compare-exports my-cur my-focus --csv > diff.csv"],
    ],
  });

  a = Option.String({ name: "A", required: true });
  b = Option.String({ name: "B", required: true });
  by = Option.String("--by", "service", { description: "Rows per service (ServiceName, the default) or per account (SubAccountId)" });
  tolerance = Option.String("--tolerance", "0.01", { description: "The largest difference that is no difference, in the bill's currency (default 0.01)" });
  csv = Option.Boolean("--csv", false, { description: "CSV on stdout" });

  async run(): Promise<number> {
    const [{ compareExports, COMPARE_BY }, { withReadOnly }, { renderComparison, comparisonSummary, uncomparedPeriods, uncomparedMeasures }, { UsageError }] = await Promise.all([
      import("../../src/model/compare.ts"),
      import("../../src/store/query.ts"),
      import("../../src/output/compare.ts"),
      import("../../src/errors.ts"),
    ]);
    if (this.csv && this.json) throw new UsageError("--csv and --json cannot be used together");
    const by = this.by as (typeof COMPARE_BY)[number];
    if (!COMPARE_BY.includes(by)) throw new UsageError(`--by must be ${COMPARE_BY.join(" or ")}, not "${this.by}"`);
    const tolerance = /^\d+(\.\d+)?$/.test(this.tolerance.trim()) ? Number(this.tolerance) : Number.NaN;
    if (!Number.isFinite(tolerance)) throw new UsageError(`--tolerance must be a number of at least 0, not "${this.tolerance}"`);

    const settings = await this.settings();
    const comparison = await withReadOnly<Comparison | null>(settings.database, null, (con) => compareExports(con, { a: this.a, b: this.b, by, tolerance }));
    if (comparison === null) {
      throw new UsageError(`unknown export "${this.a}": there is no finops database at ${settings.database}`, {
        hint: "Import something first (finops aws import-cur), or point --database at the file.",
      });
    }

    this.out(renderComparison(comparison, this.json ? "json" : this.csv ? "csv" : "table", this.color));
    for (const line of uncomparedPeriods(comparison)) this.logger.info(line);
    for (const line of uncomparedMeasures(comparison)) this.logger.info(line);
    if (comparison.periods.length === 0) {
      this.logger.warn(`${comparison.a} and ${comparison.b} hold no billing period in common: nothing compared`);
    } else if (comparison.differences > 0) {
      this.logger.warn(comparisonSummary(comparison));
    } else {
      this.logger.info(comparisonSummary(comparison));
    }
    return comparison.differences > 0 ? 1 : 0;
  }
}
