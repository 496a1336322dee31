import { BaseCommand } from "../../src/command.ts";

export class ListExportsCommand extends BaseCommand {
  static override paths = [["aws", "list-exports"]];
  static override usage = BaseCommand.Usage({
    category: "AWS",
    description: "What the database holds, per export",
    details: `
      For each export in the database: its flavour (legacy CUR, CUR 2.0, FOCUS), where it comes from, how many billing
      periods it holds (first–last), rows, the last import, and the view to query.
    `,
    examples: [["List exports", "$0 aws list-exports"], ["As JSON", "$0 aws list-exports --json"]],
  });

  async run(): Promise<number> {
    const [{ exportSummaries }, { withReadOnly }, { renderExports }] = await Promise.all([
      import("../../src/store/state.ts"),
      import("../../src/store/query.ts"),
      import("../../src/output/lists.ts"),
    ]);
    const settings = await this.settings();
    const rows = await withReadOnly(settings.database, [], exportSummaries, this.waitOptions());
    this.out(renderExports(rows, { json: this.json, tty: this.context.stdoutIsTTY, color: this.color }));
    return 0;
  }
}
