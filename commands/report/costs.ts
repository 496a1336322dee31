import { Option } from "clipanion";
import { ReportCommand } from "./_report.ts";

export class ReportCostsCommand extends ReportCommand {
  static override paths = [["report"], ["report", "costs"]];
  static override usage = ReportCommand.Usage({
    category: "Reports",
    description: "Cost per month by service, account, region, … (what `finops report` alone shows)",
    details: `
      One row per value of a dimension, one column per billing period, a total, the change of the last month against
      the one before (amount and %), and a sparkline on a terminal. The top rows by size of total are shown and the rest
      summed in one \`(other)\` row, so the rows always add up to the total. Costs come from \`focus.costs\` (each
      billing account's period counted from one export): \`effective\` is the amortized cost (Savings Plans and
      reservations spread over the usage they cover), \`billed\` what the invoice charges, \`net-effective\` amortized
      after negotiated discounts, \`list\` at public prices, \`unblended\` AWS's unblended cost.

      Other reports: \`finops report movers\`, \`daily\`, \`anomalies\`, \`tags\`, \`html\`.
    `,
    examples: [
      ["The last 6 months by service", "$0 report"],
      ["By account, billed cost, one year", "$0 report costs --by account --cost billed --from 2025-01 --to 2025-12"],
      ["By a tag, as CSV", "$0 report costs --by tag:user_team --csv"],
    ],
  });

  by = Option.String("--by", "service", {
    description: "service (default), account, region, charge-category, usage-type, export or tag:KEY",
  });
  from = Option.String("--from", { description: "First billing period, YYYY-MM (default: the last 6 held)" });
  to = Option.String("--to", { description: "Last billing period, YYYY-MM" });
  top = Option.String("--top", "15", { description: "Rows shown; the rest are summed in (other) (default 15)" });

  async run(): Promise<number> {
    const { costsReport } = await import("../../src/report/compute.ts");
    const o = await this.byDimension({ by: this.by, from: this.from, to: this.to, top: this.top });
    await this.print(await this.read((con) => costsReport(con, o)));
    return 0;
  }
}
