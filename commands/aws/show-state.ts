import { Option } from "clipanion";
import { BaseCommand } from "../../src/command.ts";

export class ShowStateCommand extends BaseCommand {
  static override paths = [["aws", "show-state"]];
  static override usage = BaseCommand.Usage({
    category: "AWS",
    description: "The current version of each billing period, or one period's load history",
    details: `
      Without --billing-period: the version held for each billing period (of one export with -e), its rows, files,
      bytes and when it was imported. With --billing-period YYYY-MM: every load attempt of that period, with failures
      and their errors; the current one is marked.
    `,
    examples: [
      ["Every period", "$0 aws show-state"],
      ["One period's history", "$0 aws show-state -e my-cur --billing-period 2025-08"],
    ],
  });

  exportName = Option.String("-e,--export-name", { description: "Only this export" });
  billingPeriod = Option.String("--billing-period", { description: "Show the load history of this period (YYYY-MM)" });

  async run(): Promise<number> {
    const [{ loadHistory, periodStates }, { withReadOnly }, { renderHistory, renderPeriods }, { parseMonth }] = await Promise.all([
      import("../../src/store/state.ts"),
      import("../../src/store/query.ts"),
      import("../../src/output/lists.ts"),
      import("../../src/config/exports.ts"),
    ]);
    const settings = await this.settings();
    const o = { json: this.json, tty: this.context.stdoutIsTTY, color: this.color };
    if (this.billingPeriod) {
      const period = parseMonth(this.billingPeriod, "--billing-period");
      this.out(renderHistory(await withReadOnly(settings.database, [], (con) => loadHistory(con, period, this.exportName), this.waitOptions()), o));
    } else {
      this.out(renderPeriods(await withReadOnly(settings.database, [], (con) => periodStates(con, this.exportName), this.waitOptions()), o));
    }
    return 0;
  }
}
