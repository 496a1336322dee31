import type { BaseCommand } from "../../src/command.ts";
import type { Settings } from "../../src/config/index.ts";
import type { LakeTarget } from "../../src/config/lake.ts";
import type { LakeExportResult } from "../../src/lake/export.ts";

/** Run the lake export for a command (`lake export`, `aws import-cur --lake`): its context, logger and settings. */
export async function runLakeExport(cmd: BaseCommand, settings: Settings, target: LakeTarget, dryRun: boolean): Promise<{ result: LakeExportResult; text: string }> {
  const [{ exportLake }, { renderLakeSummary }, { StderrProgress, NullProgress }, { pauser }] = await Promise.all([
    import("../../src/lake/export.ts"),
    import("../../src/output/lake.ts"),
    import("../../src/output/progress.ts"),
    import("../../src/debug-pause.ts"),
  ]);
  const ctx = cmd.context;
  const result = await exportLake({
    target,
    database: settings.database,
    tuning: settings.tuning,
    env: ctx.env,
    dryRun,
    signal: ctx.signal,
    logger: cmd.logger,
    progress: cmd.quiet ? new NullProgress() : new StderrProgress(ctx.stderr, ctx.stderrIsTTY),
    now: ctx.now,
    pause: pauser(settings.tuning.debugPause, ctx.stderr, ctx.signal),
    onWait: (m) => cmd.logger.info(m),
  });
  const failed = result.periods.filter((p) => p.action === "failed").length;
  if (failed > 0) {
    const written = result.periods.filter((p) => p.action === "written").length;
    cmd.logger.error(`lake ${result.to}: ${failed} period(s) failed, ${written} written: see the summary on stdout`);
  }
  return { result, text: renderLakeSummary(result, { json: cmd.json, tty: ctx.stdoutIsTTY, color: cmd.color }) };
}
