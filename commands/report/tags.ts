import { Option } from "clipanion";
import { ReportCommand } from "./_report.ts";

export class ReportTagsCommand extends ReportCommand {
  static override paths = [["report", "tags"]];
  static override usage = ReportCommand.Usage({
    category: "Reports",
    description: "Tag coverage: the share of cost each tag key covers, the untagged cost, the largest untagged resources",
    details: `
      For the billing periods chosen (default: the latest held): each tag key found in focus.costs' Tags with the cost of
      the line items that carry it and its share of the total; the cost of line items that carry no tag at all; and the
      largest resources (ResourceId) without any tag. Tag keys are in CUR 2.0 form (\`user_team\`, see the README's
      cost model section).
    `,
    examples: [
      ["Coverage last month", "$0 report tags"],
      ["Over a quarter, as JSON", "$0 report tags --from 2025-07 --to 2025-09 --json"],
    ],
  });

  from = Option.String("--from", { description: "First billing period, YYYY-MM (default: the latest held)" });
  to = Option.String("--to", { description: "Last billing period, YYYY-MM" });
  top = Option.String("--top", "10", { description: "Untagged resources shown (default 10)" });

  async run(): Promise<number> {
    const { checkMonthRange, tagsReport, parseCostKind, parseCount } = await import("../../src/report/compute.ts");
    const { parseMonth } = await import("../../src/config/exports.ts");
    const o = {
      cost: parseCostKind(this.cost),
      from: this.from ? parseMonth(this.from, "--from") : undefined,
      to: this.to ? parseMonth(this.to, "--to") : undefined,
      top: parseCount(this.top, "--top"),
      filters: await this.filters(),
    };
    checkMonthRange(o.from, o.to);
    await this.print(await this.read((con) => tagsReport(con, o)));
    return 0;
  }
}
