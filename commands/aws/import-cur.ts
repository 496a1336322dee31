import { Option } from "clipanion";
import { SourceCommand } from "./_source.ts";

export class ImportCurCommand extends SourceCommand {
  static override paths = [["aws", "import-cur"]];
  static override usage = SourceCommand.Usage({
    category: "AWS",
    description: "Import billing periods of a CUR / CUR 2.0 / FOCUS export from S3 into DuckDB",
    details: `
      Lists the export's billing periods, reads each period's manifest and compares its version with what the database
      holds. New and changed periods are downloaded (exactly the files the manifest lists) and loaded whole, each in
      one transaction: table \`aws_billing.<export>_<YYYY>_<MM>\`, view \`aws_billing.<export>\` over all periods.
      Unchanged periods cost one small GET each.

      With \`--lake\` (the config file's [lake] to) or \`--lake-to URL\`, the database is then published to the
      Parquet lake, as \`finops lake export\` does: import and publish in one cron line.

      Prints a summary per period on stdout (\`--json\` for JSON); progress and logs go to stderr. Exits 1 if any
      period failed (the others are still imported), 2 on bad usage, 130 on Ctrl-C.
    `,
    examples: [
      ["Import a legacy CUR", "$0 aws import-cur -b my-billing-bucket -p cur -e my-cur"],
      ["Import a CUR 2.0 export, only 2025", "$0 aws import-cur -b exports-bucket -p exports -e cur2 --start-date 2025-01 --end-date 2025-12"],
      ["See what would be imported", "$0 aws import-cur -e my-cur -b my-billing-bucket -p cur --dry-run"],
      ["Every export of the config file", "$0 aws import-cur --all -c finops.toml"],
      ["Import every export, then publish the lake ([lake] to)", "$0 aws import-cur --all --lake"],
    ],
  });

  force = Option.Boolean("--force", false, { description: "Re-import periods even when their version is unchanged" });
  all = Option.Boolean("--all", false, { description: "Import every export of the config file" });
  pick = Option.Boolean("--pick", false, { description: "Choose the billing periods interactively (terminal only)" });
  dryRun = Option.Boolean("--dry-run", false, { description: "Show the plan; change nothing" });
  memoryLimit = Option.String("--memory-limit", {
    description: "Memory DuckDB may use before it spills to disk, e.g. 1GB (default 224MB)",
  });
  wait = Option.Boolean("--wait", false, { description: "If another import holds the database, wait for it instead of failing" });
  lake = Option.Boolean("--lake", false, { description: "Then publish the database to the Parquet lake of the config file ([lake] to), as `finops lake export`" });
  lakeTo = Option.String("--lake-to", { description: "Then publish the database to this lake (s3://bucket/prefix/ or a folder); implies --lake" });

  protected override settingFlags() {
    return { ...super.settingFlags(), memoryLimit: this.memoryLimit };
  }

  async run(): Promise<number> {
    const [{ resolveExports }, { importCur }, { renderImportSummary }, { StderrProgress, NullProgress }, { UsageError }, { pauser }] = await Promise.all([
      import("../../src/config/exports.ts"),
      import("../../src/cur/import.ts"),
      import("../../src/output/import-summary.ts"),
      import("../../src/output/progress.ts"),
      import("../../src/errors.ts"),
      import("../../src/debug-pause.ts"),
    ]);
    const settings = await this.settings();
    const exports = resolveExports({ ...this.sourceFlags(), all: this.all }, settings);
    // The lake is resolved before the import, so that a lake the config does not name fails before any work.
    const lake = this.lake || this.lakeTo !== undefined ? (await import("../../src/config/lake.ts")).resolveLake({ to: this.lakeTo }, settings, this.context.cwd, "--lake-to") : undefined;
    if (this.pick && !(this.context.stdinIsTTY && this.context.stderrIsTTY)) {
      throw new UsageError("--pick needs a terminal to ask on; without one, choose periods with --start-date/--end-date");
    }
    const pick = this.pick ? (await import("../../src/output/picker.ts")).periodPicker(this.context) : undefined;
    const results = await importCur({
      exports,
      database: settings.database,
      tuning: settings.tuning,
      env: this.context.env,
      force: this.force,
      dryRun: this.dryRun,
      pick,
      signal: this.context.signal,
      logger: this.logger,
      progress: this.quiet ? new NullProgress() : new StderrProgress(this.context.stderr, this.context.stderrIsTTY),
      now: this.context.now,
      waitMs: this.wait ? Number.POSITIVE_INFINITY : 0,
      pause: pauser(settings.tuning.debugPause, this.context.stderr, this.context.signal),
    });
    const failed = results.filter((r) => r.status === "failed");
    if (failed.length > 0) {
      const imported = results.filter((r) => r.status === "imported").length;
      const current = results.filter((r) => r.status === "unchanged").length;
      this.logger.error(`${failed.length} failed, ${imported} imported, ${current} up to date: see the summary on stdout`);
    }
    // --lake: publish what the database now holds (periods that failed keep their previous version, there and here).
    let lakeFailed = false;
    if (lake) {
      const [{ runLakeExport }, { lakeSummaryJson }] = await Promise.all([import("../lake/_run.ts"), import("../../src/output/lake.ts")]);
      const { result, text } = await runLakeExport(this, settings, lake, this.dryRun);
      lakeFailed = result.periods.some((p) => p.action === "failed");
      if (this.json) this.out(renderImportSummary(results, { json: true, tty: false, dryRun: this.dryRun, extra: { lake: lakeSummaryJson(result) } }));
      else this.out(`${renderImportSummary(results, { json: false, tty: this.context.stdoutIsTTY, color: this.color, dryRun: this.dryRun })}\nlake ${result.to}:\n${text}`);
    } else {
      this.out(renderImportSummary(results, { json: this.json, tty: this.context.stdoutIsTTY, color: this.color, dryRun: this.dryRun }));
    }
    return failed.length > 0 || lakeFailed ? 1 : 0;
  }
}
