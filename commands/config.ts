import { Option } from "clipanion";
import { BaseCommand } from "./_base.ts";

export class ConfigShowCommand extends BaseCommand {
  static override paths = [["config", "show"]];
  static override usage = BaseCommand.Usage({
    category: "Config",
    description: "Print the effective settings and where each one came from",
    examples: [["Show settings", "$0 config show"], ["With a given file", "$0 config show -c finops.toml"]],
  });

  async run(): Promise<number> {
    const [{ describeSettings }, { renderJson, renderTable }] = await Promise.all([
      import("../src/config/describe.ts"),
      import("../src/output/table.ts"),
    ]);
    const settings = await this.settings();
    const rows = describeSettings(settings, this.context.env);
    if (this.json) this.out(renderJson({ settings: rows, exports: settings.exports }));
    else this.out(renderTable(["setting", "value", "from"], rows.map((r) => [r.key, r.value, r.from]), { color: this.color }));
    return 0;
  }
}

export class ConfigInitCommand extends BaseCommand {
  static override paths = [["config", "init"]];
  static override usage = BaseCommand.Usage({
    category: "Config",
    description: "Write a commented example config file (./finops.toml, or the file given with -c)",
    examples: [["Write ./finops.toml", "$0 config init"], ["Overwrite an existing file", "$0 config init --force"]],
  });

  force = Option.Boolean("--force", false, { description: "Overwrite the file if it exists" });

  async run(): Promise<number> {
    const [{ EXAMPLE_CONFIG }, { existsSync, writeFileSync }, { resolve }, { UsageError }] = await Promise.all([
      import("../src/config/describe.ts"),
      import("node:fs"),
      import("node:path"),
      import("../src/errors.ts"),
    ]);
    const path = resolve(this.context.cwd, this.config ?? "finops.toml");
    if (existsSync(path) && !this.force) throw new UsageError(`${path} already exists (use --force to overwrite it)`);
    writeFileSync(path, EXAMPLE_CONFIG, { flag: this.force ? "w" : "wx" });
    this.logger.success(`wrote ${path}`);
    return 0;
  }
}
