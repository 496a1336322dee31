import { Command } from "clipanion";
import type { FinopsContext } from "../../src/context.ts";

/** The help command of `finops aws` (`finops aws`, `finops aws --help`): the list of AWS commands. */
export class AwsHelpCommand extends Command<FinopsContext> {
  static override paths = [["aws"], ["aws", "--help"], ["aws", "-h"]];
  static override usage = Command.Usage({ description: "List the AWS commands (import, list, state)" });

  async execute(): Promise<number> {
    const lines = ["finops aws — AWS billing exports (legacy CUR, CUR 2.0, FOCUS) from S3 into DuckDB", "", "Commands:"];
    const defs = this.cli.definitions().filter((d) => d.path.startsWith("finops aws "));
    const width = Math.max(...defs.map((d) => d.path.length), 0);
    for (const d of defs) lines.push(`  ${d.path.padEnd(width)}  ${(d.description ?? "").trim()}`);
    lines.push("", "Run 'finops aws <command> --help' for the options of one command.");
    this.context.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  }
}
