import { Option } from "clipanion";
import { BaseCommand } from "../../src/command.ts";
import type { ByDimensionOptions, Filters } from "../../src/report/compute.ts";
import type { AnyReport } from "../../src/report/types.ts";
import type { Connection } from "../../src/store/duckdb.ts";

/** What every report has: filters, the cost it sums, the output format, and the read-only database access. */
export abstract class ReportCommand extends BaseCommand {
  cost = Option.String("--cost", "effective", {
    description: "Which cost: billed, effective (amortized, the default), net-effective, list or unblended",
  });
  exports = Option.Array("--export", { description: "Only this export (repeatable)" });
  accounts = Option.Array("--account", { description: "Only this account (SubAccountId; repeatable)" });
  services = Option.Array("--service", { description: "Only this service (ServiceName, e.g. \"Amazon Elastic Compute Cloud\"; repeatable)" });
  tags = Option.Array("--tag", { description: "Only costs with this tag, KEY=VALUE (the key as in focus.costs' Tags, e.g. user_team; repeatable)" });
  csv = Option.Boolean("--csv", false, { description: "CSV on stdout (full precision)" });
  markdown = Option.Boolean("--markdown", false, { description: "A Markdown table on stdout" });

  protected async filters(): Promise<Filters> {
    const { parseTagFilter } = await import("../../src/report/compute.ts");
    return { exports: this.exports, accounts: this.accounts, services: this.services, tags: this.tags?.map(parseTagFilter) };
  }

  /** The options of costs and movers, parsed (bad values and --from after --to are usage errors). */
  protected async byDimension(o: { by: string; from?: string; to?: string; top: string }): Promise<ByDimensionOptions> {
    const [{ checkMonthRange, parseCostKind, parseDimension, parseCount }, { parseMonth }] = await Promise.all([
      import("../../src/report/compute.ts"),
      import("../../src/config/exports.ts"),
    ]);
    const parsed = {
      cost: parseCostKind(this.cost),
      by: parseDimension(o.by),
      from: o.from ? parseMonth(o.from, "--from") : undefined,
      to: o.to ? parseMonth(o.to, "--to") : undefined,
      top: parseCount(o.top, "--top"),
      filters: await this.filters(),
    };
    checkMonthRange(parsed.from, parsed.to);
    return parsed;
  }

  /** Run `fn` on the database, opened read-only; waits (and says so) while an import commits. */
  protected async read<T>(fn: (con: Connection) => Promise<T>): Promise<T> {
    const [{ withReadOnly }, { AppError }, { existsSync }, { hasReportData }] = await Promise.all([
      import("../../src/store/query.ts"),
      import("../../src/errors.ts"),
      import("node:fs"),
      import("../../src/report/compute.ts"),
    ]);
    const settings = await this.settings();
    const none = new AppError(`no billing data in ${settings.database}`, {
      hint: "Import something first: finops aws import-cur (or point --database at the file).",
    });
    if (!existsSync(settings.database)) throw none;
    const result = await withReadOnly<{ value: T } | null>(
      settings.database,
      null,
      async (con) => ((await hasReportData(con)) ? { value: await fn(con) } : null),
      this.waitOptions(),
    );
    if (!result) throw none;
    return result.value;
  }

  /** Print a report in the format asked for; the caption (what was summed, how) goes to stderr. */
  protected async print(report: AnyReport): Promise<void> {
    const [{ renderReport, reportCaption }, { renderJson }, { UsageError }] = await Promise.all([
      import("../../src/report/render.ts"),
      import("../../src/output/table.ts"),
      import("../../src/errors.ts"),
    ]);
    if ([this.json, this.csv, this.markdown].filter(Boolean).length > 1) throw new UsageError("choose one of --json, --csv and --markdown");
    if (this.json) return this.out(renderJson(report));
    this.out(renderReport(report, this.csv ? "csv" : this.markdown ? "markdown" : "table", this.color));
    this.logger.info(reportCaption(report));
  }
}
