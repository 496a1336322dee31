/**
 * `finops report html` end to end: the compiled binary, run from a folder outside the repository, writes the page for
 * a real database (the reports' bill, test/helpers/report-bill.ts); headless Chromium (Debian's package, installed by
 * test/helpers/chromium.ts when absent; the test skips and says why when it cannot be had) opens it from disk: no
 * console error, no request but the page itself, charts with bars, and every number the tables show equals
 * `report html --json`'s (which are the reports' own --json numbers).
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AnomaliesReport, CostsReport, DailyReport, MoversReport, TagsReport } from "../src/report/types.ts";
import { chromium, openPage } from "./helpers/chromium.ts";
import { binaryWorkspace, cleanEnv, removeWorkspaces, runBinary, runInProcess } from "./helpers/cli.ts";
import { putReportBill, reportBillLines, SPIKE } from "./helpers/report-bill.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const browser = chromium();
if (!browser.path) console.warn(`report-html-e2e: browser tests skipped: ${browser.note}`);

const server = useFixtureS3({ trees: [], setup: (s3) => putReportBill(s3, "html", "bill", reportBillLines({ spike: true })), teardown: removeWorkspaces });
const work = mkdtempSync(join(tmpdir(), "finops-report-html-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface All {
  costs: CostsReport;
  movers: MoversReport;
  daily: DailyReport;
  anomalies: AnomaliesReport;
  tags: TagsReport;
}

test.skipIf(!browser.path)("report html: the page from a real database opens clean, with charts, and shows --json's numbers", async () => {
  const db = join(work, "billing.duckdb");
  const imported = await runInProcess(["aws", "import-cur", "-b", "html", "-p", "cur", "-e", "bill", "--cur-version", "v1", "-d", db], { env: cleanEnv(server.s3.env), cwd: work });
  expect(imported.exitCode).toBe(0);

  const ws = binaryWorkspace({ copy: false });
  const written = await runBinary(ws, ["report", "html", "-d", db, "--out", "costs.html", "--top", "3"]);
  expect(written.exitCode).toBe(0);
  expect(written.stdout).toBe("");
  expect(written.stderr).toContain("wrote ");
  const file = join(ws.dir, "costs.html");
  expect(existsSync(file)).toBe(true);
  const asJson = await runBinary(ws, ["report", "html", "-d", db, "--json", "--top", "3"]);
  expect(asJson.exitCode).toBe(0);
  const all = JSON.parse(asJson.stdout) as All;
  // The same numbers as each report's own --json.
  const costs = JSON.parse((await runBinary(ws, ["report", "costs", "-d", db, "--json", "--top", "3"])).stdout) as CostsReport;
  expect(all.costs).toEqual(costs);
  expect(all.anomalies.anomalies.map((a) => [a.date, a.key])).toEqual([[SPIKE.day, SPIKE.service]]);

  const html = readFileSync(file, "utf8");
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  const page = await openPage(file);
  try {
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([page.url]);
    const seen = await page.page.evaluate(() => {
      const d = (globalThis as any).document;
      const charts: Record<string, number> = {};
      for (const svg of d.querySelectorAll("svg.chart")) charts[svg.getAttribute("data-chart")] = svg.querySelectorAll("rect[data-value]").length;
      const tables: Record<string, { key: string | null; cells: Record<string, string | null> }[]> = {};
      for (const t of d.querySelectorAll("table[data-table]")) {
        tables[t.getAttribute("data-table")] = [...t.querySelectorAll("tbody tr")].map((tr: any) => ({
          key: tr.getAttribute("data-key"),
          cells: Object.fromEntries([...tr.children].map((td: any) => [td.getAttribute("data-col"), td.getAttribute("data-value") ?? td.textContent])),
        }));
      }
      return { charts, tables };
    });
    // Charts: one bar per non-zero (row, month) of costs, one per day (plus the forecast's), movers, tags.
    const nonZero = all.costs.rows.reduce((n, r) => n + all.costs.months.filter((m) => r.months[m] !== 0).length, 0);
    expect(seen.charts.costs).toBe(nonZero);
    expect(seen.charts.daily).toBeGreaterThanOrEqual(all.daily.days.length);
    expect(seen.charts.movers).toBe(all.movers.rows.length);
    expect(seen.charts.tags).toBe(all.tags.keys.length + 1);
    // Tables: every number equals --json's.
    const costsRows = seen.tables.costs;
    expect(costsRows.map((r) => r.key)).toEqual(all.costs.rows.map((r) => r.key));
    for (const [i, row] of all.costs.rows.entries()) {
      for (const m of all.costs.months) expect(Number(costsRows[i].cells[m])).toBe(row.months[m]);
      expect(Number(costsRows[i].cells.total)).toBe(row.total);
    }
    expect(seen.tables.daily.map((r) => [r.key, Number(r.cells.cost)])).toEqual(all.daily.days.map((d) => [d.date, d.cost]));
    expect(seen.tables.movers.map((r) => [r.key, Number(r.cells.from), Number(r.cells.to), Number(r.cells.change)])).toEqual(all.movers.rows.map((r) => [r.key, r.from, r.to, r.change]));
    expect(seen.tables.anomalies.map((r) => [r.cells.date, r.key, Number(r.cells.cost)])).toEqual(all.anomalies.anomalies.map((a) => [a.date, a.key, a.cost]));
    expect(seen.tables.tags.filter((r) => r.key !== "(untagged)").map((r) => [r.key, Number(r.cells.cost)])).toEqual(all.tags.keys.map((k) => [k.key, k.cost]));
  } finally {
    await page.close();
  }
}, 60_000);

test("report html: --out is required (exit 2); an unwritable path fails with one line and leaves nothing", async () => {
  const db = join(work, "billing.duckdb");
  const none = await runInProcess(["report", "html", "-d", db], { env: cleanEnv(), cwd: work });
  expect(none.exitCode).toBe(2);
  expect(none.stderr).toContain("--out FILE is required");
  const bad = await runInProcess(["report", "html", "-d", db, "--out", join(work, "no", "such", "dir", "x.html")], { env: cleanEnv(), cwd: work });
  expect(bad.exitCode).toBe(1);
  expect(bad.stderr).toContain("cannot write");
  expect(existsSync(join(work, "no"))).toBe(false);
});
