import { Option } from "clipanion";
import { ReportCommand } from "./_report.ts";

export class ReportMoversCommand extends ReportCommand {
  static override paths = [["report", "movers"]];
  static override usage = ReportCommand.Usage({
    category: "Reports",
    description: "What changed: the largest increases and decreases between two months",
    details: `
      Compares two billing periods (default: the last two held) by a dimension and lists the largest increases, then the
      largest decreases, with the amount and the percentage (\`new\` where the first month had no cost).
    `,
    examples: [
      ["Last month against the one before, by service", "$0 report movers"],
      ["By usage type, between two months", "$0 report movers --by usage-type --from 2025-07 --to 2025-09"],
    ],
  });

  by = Option.String("--by", "service", { description: "service (default), account, region, charge-category, usage-type, export or tag:KEY" });
  from = Option.String("--from", { description: "The earlier month, YYYY-MM (default: the month before --to)" });
  to = Option.String("--to", { description: "The later month, YYYY-MM (default: the latest held)" });
  top = Option.String("--top", "10", { description: "Increases and decreases shown, each (default 10)" });

  async run(): Promise<number> {
    const { moversReport } = await import("../../src/report/compute.ts");
    const o = await this.byDimension({ by: this.by, from: this.from, to: this.to, top: this.top });
    await this.print(await this.read((con) => moversReport(con, o)));
    return 0;
  }
}
