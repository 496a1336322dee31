import { Option } from "clipanion";
import { BaseCommand } from "../../src/command.ts";

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
      import("../../src/config/describe.ts"),
      import("node:fs"),
      import("node:path"),
      import("../../src/errors.ts"),
    ]);
    const path = resolve(this.context.cwd, this.config ?? "finops.toml");
    if (existsSync(path) && !this.force) throw new UsageError(`${path} already exists (use --force to overwrite it)`);
    writeFileSync(path, EXAMPLE_CONFIG, { flag: this.force ? "w" : "wx" });
    this.logger.success(`wrote ${path}`);
    return 0;
  }
}
