import { Option } from "clipanion";
import type { LakeFlags } from "../../src/config/lake.ts";
import { AwsAccessCommand } from "../aws/_source.ts";

export class LakeExportCommand extends AwsAccessCommand {
  static override paths = [["lake", "export"]];
  static override usage = AwsAccessCommand.Usage({
    category: "Lake",
    description: "Publish the database as a Parquet lake on S3 (or in a folder), each billing period one object",
    details: `
      Writes \`focus/billing_period=YYYY-MM/data.parquet\` (focus.costs, each billing account's period counted from
      one export) and \`raw/<export>/billing_period=YYYY-MM/data.parquet\` (each export's period table as imported),
      Parquet with zstd in row groups of 1,000,000 rows, and \`_finops_lake.json\`, which says which version of each
      period the lake holds. Only new and changed periods are written; a run with nothing changed reads that one
      file and nothing else. Periods the database no longer has are deleted.

      Each period is one object, replaced whole (an S3 PUT or completed multipart upload is atomic; a folder gets a
      rename), so a reader sees the old or the new period, never a mix; a kill leaves the previous object in place
      and the next run completes the work. The database is only read (an import can run beside it).

      Prints a summary on stdout (\`--json\` for JSON); progress goes to stderr. Exits 1 if any period failed (the
      others are still written), 2 on bad usage (no --to and no [lake] to), 130 on Ctrl-C.
    `,
    examples: [
      ["Publish to S3", "$0 lake export --to s3://my-lake-bucket/finops/"],
      ["Publish to the lake of the config file ([lake] to)", "$0 lake export"],
      ["See what would be written", "$0 lake export --to ./lake --dry-run"],
    ],
  });

  to = Option.String("--to", { description: "The lake root: s3://bucket/prefix/ or a folder (default: [lake] to in the config file)" });
  dryRun = Option.Boolean("--dry-run", false, { description: "Show what would be written or deleted; write nothing" });

  lakeFlags(): LakeFlags {
    return { to: this.to, ...this.accessFlags() };
  }

  async run(): Promise<number> {
    const [{ resolveLake }, { runLakeExport }] = await Promise.all([import("../../src/config/lake.ts"), import("./_run.ts")]);
    const settings = await this.settings();
    const target = resolveLake(this.lakeFlags(), settings, this.context.cwd);
    const { result, text } = await runLakeExport(this, settings, target, this.dryRun);
    this.out(text);
    return result.periods.some((p) => p.action === "failed") ? 1 : 0;
  }
}
