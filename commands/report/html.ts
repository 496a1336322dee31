import { Option } from "clipanion";
import { ReportCommand } from "./_report.ts";

export class ReportHtmlCommand extends ReportCommand {
  static override paths = [["report", "html"]];
  static override usage = ReportCommand.Usage({
    category: "Reports",
    description: "Every report in one self-contained HTML file with charts (opens from disk, prints well)",
    details: `
      Writes one HTML file with the reports as charts and tables: monthly cost stacked by the dimension (--by), the
      daily trend of the latest month with its forecast, the movers, the anomalies and the tag coverage. Styles and
      charts (SVG) are inline; the page fetches nothing from the network and runs no script. The file is written
      whole or not at all (a temporary file renamed into place).

      The filters (--export, --account, --service, --tag) and --cost apply to every part; --json prints the same
      numbers as one JSON object of the five reports instead of writing the file.
    `,
    examples: [
      ["The weekly report", "$0 report html --out cost-report.html"],
      ["One account's report", "$0 report html --out acme.html --account 111122223333"],
    ],
  });

  out_ = Option.String("-o,--out", { description: "The HTML file to write (required unless --json)" });
  by = Option.String("--by", "service", { description: "Dimension of the monthly chart and the movers (default service)" });
  from = Option.String("--from", { description: "First billing period of the monthly chart, YYYY-MM (default: the last 6 held)" });
  to = Option.String("--to", { description: "Last billing period, YYYY-MM" });
  top = Option.String("--top", "10", { description: "Rows of the monthly chart before (other) (default 10)" });
  minAmount = Option.String("--min-amount", "10", { description: "Anomalies: smallest departure from the baseline (default 10)" });
  minPercent = Option.String("--min-percent", "20", { description: "Anomalies: smallest departure in % of the baseline (default 20)" });

  async run(): Promise<number> {
    const [c, { parseMonth }, { renderHtml }, { renderJson }, { UsageError }, fs, path] = await Promise.all([
      import("../../src/report/compute.ts"),
      import("../../src/config/exports.ts"),
      import("../../src/report/html.ts"),
      import("../../src/output/table.ts"),
      import("../../src/errors.ts"),
      import("node:fs"),
      import("node:path"),
    ]);
    if (!this.out_ && !this.json) throw new UsageError("--out FILE is required (or --json for the numbers)");
    if (this.csv || this.markdown) throw new UsageError("report html writes HTML (--out) or JSON (--json), not --csv or --markdown");
    const cost = c.parseCostKind(this.cost);
    const by = c.parseDimension(this.by);
    const from = this.from ? parseMonth(this.from, "--from") : undefined;
    const to = this.to ? parseMonth(this.to, "--to") : undefined;
    c.checkMonthRange(from, to);
    const top = c.parseCount(this.top, "--top");
    const minAmount = c.parseAmount(this.minAmount, "--min-amount");
    const minPercent = c.parseAmount(this.minPercent, "--min-percent");
    const filters = await this.filters();
    const reports = await this.read(async (con) => ({
      costs: await c.costsReport(con, { cost, by, from, to, top, filters }),
      movers: await c.moversReport(con, { cost, by, top, filters }),
      daily: await c.dailyReport(con, { cost, filters }),
      anomalies: await c.anomaliesReport(con, { cost, by, minAmount, minPercent, filters }),
      tags: await c.tagsReport(con, { cost, top, filters }),
    }));
    if (this.json) {
      this.out(renderJson({ report: "html", ...reports }));
      return 0;
    }
    const settings = await this.settings();
    const described = [
      ...(this.exports ?? []).map((e) => `export ${e}`),
      ...(this.accounts ?? []).map((a) => `account ${a}`),
      ...(this.services ?? []).map((s) => `service ${s}`),
      ...(this.tags ?? []).map((t) => `tag ${t}`),
    ];
    const html = renderHtml({
      title: `AWS costs — ${path.basename(settings.database)}`,
      generatedAt: new Date(this.context.now()).toISOString().replace("T", " ").slice(0, 16) + " UTC",
      currency: reports.costs.currency,
      filters: described,
      ...reports,
    });
    const target = path.resolve(this.context.cwd, this.out_!);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, html);
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      const { AppError } = await import("../../src/errors.ts");
      throw new AppError(`cannot write ${target}: ${(err as Error).message.split("\n")[0]}`);
    }
    this.logger.success(`wrote ${target} (${(html.length / 1024).toFixed(0)} KiB)`);
    return 0;
  }
}
