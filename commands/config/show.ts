import { BaseCommand } from "../../src/command.ts";

export class ConfigShowCommand extends BaseCommand {
  static override paths = [["config", "show"]];
  static override usage = BaseCommand.Usage({
    category: "Config",
    description: "Print the effective settings and where each one came from",
    examples: [["Show settings", "$0 config show"], ["With a given file", "$0 config show -c finops.toml"]],
  });

  async run(): Promise<number> {
    const [{ describeSettings }, { renderJson, renderTable }] = await Promise.all([
      import("../../src/config/describe.ts"),
      import("../../src/output/table.ts"),
    ]);
    const settings = await this.settings();
    const rows = describeSettings(settings);
    if (this.json) this.out(renderJson({ settings: rows, exports: settings.exports }));
    else this.out(renderTable(["setting", "value", "from"], rows.map((r) => [r.key, r.value, r.from]), { color: this.color }));
    return 0;
  }
}
