import { Option } from "clipanion";
import { ReportCommand } from "./_report.ts";

export class ReportDailyCommand extends ReportCommand {
  static override paths = [["report", "daily"]];
  static override usage = ReportCommand.Usage({
    category: "Reports",
    description: "Cost per day of a month, with a month-end forecast",
    details: `
      Cost per UTC day (the date of ChargePeriodStart; monthly fees land on the 1st) of a billing period, default the
      latest held, with a bar chart on a terminal.

      Forecast method: the month to date, plus the average daily cost of the last 7 days with data (the 1st left out,
      since monthly fees land there) times the days of the month after the last day with data. A complete month's
      forecast is its total.
    `,
    examples: [
      ["This month so far", "$0 report daily"],
      ["One month of one account", "$0 report daily --month 2025-09 --account 111122223333"],
    ],
  });

  month = Option.String("--month", { description: "The billing period, YYYY-MM (default: the latest held)" });

  async run(): Promise<number> {
    const { dailyReport, parseCostKind } = await import("../../src/report/compute.ts");
    const { parseMonth } = await import("../../src/config/exports.ts");
    const o = { cost: parseCostKind(this.cost), month: this.month ? parseMonth(this.month, "--month") : undefined, filters: await this.filters() };
    await this.print(await this.read((con) => dailyReport(con, o)));
    return 0;
  }
}
