import { Option } from "clipanion";
import { ReportCommand } from "./_report.ts";

export class ReportAnomaliesCommand extends ReportCommand {
  static override paths = [["report", "anomalies"]];
  static override usage = ReportCommand.Usage({
    category: "Reports",
    description: "Days on which a service's (or account's, …) cost departs from its own recent baseline",
    details: `
      Method: for each key of the dimension, its usage-based cost per UTC day is compared with the median of its
      previous 14 days (a day without cost counts as 0; at least 7 days of history are needed). A day is reported when
      its cost departs from that median by more than --min-amount, by more than --min-percent of the median, and by more
      than 3 scaled median absolute deviations (1.4826 × MAD of the same 14 days), so that keys whose cost swings every
      day are not reported for swinging. Recurring and one-time charges (monthly fees, purchases, tax) are expected
      spikes and are left out. Days reported: the last 30 days with data, or from --since.

      With --fail the exit code is 1 when any anomaly is found (for cron and CI alerts), else 0.
    `,
    examples: [
      ["Spikes by service in the last 30 days", "$0 report anomalies"],
      ["Alert from cron", "$0 report anomalies --by account --min-amount 50 --fail"],
    ],
  });

  by = Option.String("--by", "service", { description: "service (default), account, region, charge-category, usage-type, export or tag:KEY" });
  minAmount = Option.String("--min-amount", "10", { description: "Smallest departure from the baseline reported, in the bill's currency (default 10)" });
  minPercent = Option.String("--min-percent", "20", { description: "Smallest departure reported, in % of the baseline (default 20)" });
  since = Option.String("--since", { description: "Report days from this date, YYYY-MM-DD (default: the last 30 days with data)" });
  fail = Option.Boolean("--fail", false, { description: "Exit 1 when any anomaly is found" });

  async run(): Promise<number> {
    const { anomaliesReport, parseCostKind, parseDimension, parseAmount, parseDate } = await import("../../src/report/compute.ts");
    const o = {
      cost: parseCostKind(this.cost),
      by: parseDimension(this.by),
      minAmount: parseAmount(this.minAmount, "--min-amount"),
      minPercent: parseAmount(this.minPercent, "--min-percent"),
      since: this.since ? parseDate(this.since, "--since") : undefined,
      filters: await this.filters(),
    };
    const report = await this.read((con) => anomaliesReport(con, o));
    await this.print(report);
    return this.fail && report.anomalies.length > 0 ? 1 : 0;
  }
}
