/**
 * The HTML report in a real browser (headless Chromium; see helpers/chromium.ts for how it is found or installed):
 * it draws its charts (a screenshot that is not blank, the bars each chart must have, at the input's values), logs no
 * error, fetches nothing, shows markup from billing data as text, and every number in its tables is the report's
 * (full precision in data-value, the shown text rounded to cents). Empty reports render sentences instead of charts.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { type HtmlReportInput, renderHtml } from "../src/report/html.ts";
import { chromium, dumpDom, openPage, screenshot } from "./helpers/chromium.ts";
import { emptyInput, HOSTILE, sampleInput } from "./helpers/report-sample.ts";

// The browser-side callbacks of page.evaluate run in the page; the project's typecheck has no DOM library.
declare const document: any;
declare function getComputedStyle(e: unknown): any;

const browser = chromium();
if (!browser.path) console.warn(`report-html: browser tests skipped: ${browser.note}`);
else if (browser.note.startsWith("installed")) console.warn(`report-html: chromium ${browser.note}`);
const withBrowser = test.skipIf(!browser.path);

const dir = mkdtempSync(join(tmpdir(), "finops-report-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, input: HtmlReportInput): string {
  const path = join(dir, name);
  writeFileSync(path, renderHtml(input));
  return path;
}

interface Rect { value: number; fill: string; kind: string | null; key: string | null; month: string | null; date: string | null; width: number; height: number; title: string }
interface Cell { col: string | null; value: string | null; text: string }
interface Row { key: string | null; cells: Cell[] }
interface Snapshot {
  title: string;
  scripts: number;
  handlers: number;
  charts: Record<string, { role: string | null; label: string | null; rects: Rect[]; marks: number }>;
  tables: Record<string, { body: Row[]; foot: Row[] }>;
  legends: string[][];
  empty: string[];
  cards: { label: string; value: string | null; text: string }[];
  keyCells: string[];
}

/** Everything the assertions read, from the live DOM. */
function snapshot(page: import("puppeteer-core").Page): Promise<Snapshot> {
  return page.evaluate(() => {
    const rows = (trs: any[]) =>
      trs.map((tr) => ({
        key: tr.getAttribute("data-key"),
        cells: [...tr.children].map((td: any) => ({ col: td.getAttribute("data-col"), value: td.getAttribute("data-value"), text: td.textContent })),
      }));
    const charts: Record<string, unknown> = {};
    for (const svg of document.querySelectorAll("svg.chart")) {
      charts[svg.getAttribute("data-chart")] = {
        role: svg.getAttribute("role"),
        label: svg.getAttribute("aria-label"),
        marks: svg.querySelectorAll("circle.anomaly-mark").length,
        rects: [...svg.querySelectorAll("rect[data-value]")].map((r: any) => ({
          value: Number(r.getAttribute("data-value")),
          fill: r.getAttribute("fill"),
          kind: r.getAttribute("data-kind"),
          key: r.getAttribute("data-key"),
          month: r.getAttribute("data-month"),
          date: r.getAttribute("data-date"),
          width: r.getBBox().width,
          height: r.getBBox().height,
          title: r.querySelector("title")?.textContent ?? "",
        })),
      };
    }
    const tables: Record<string, unknown> = {};
    for (const t of document.querySelectorAll("table[data-table]")) {
      tables[t.getAttribute("data-table")] = { body: rows([...t.querySelectorAll("tbody tr")]), foot: rows([...t.querySelectorAll("tfoot tr")]) };
    }
    const all = [...document.querySelectorAll("*")];
    return {
      title: document.title,
      scripts: document.querySelectorAll("script").length,
      handlers: all.filter((e: any) => [...e.attributes].some((a: any) => a.name.startsWith("on"))).length,
      charts,
      tables,
      legends: [...document.querySelectorAll("ul.legend")].map((ul: any) => [...ul.children].map((li: any) => li.textContent)),
      empty: [...document.querySelectorAll("p.empty")].map((p: any) => p.textContent),
      cards: [...document.querySelectorAll(".card")].map((c: any) => ({ label: c.children[0].textContent, value: c.children[1].getAttribute("data-value"), text: c.children[1].textContent })),
      keyCells: [...document.querySelectorAll('td[data-col="key"]')].map((td: any) => td.textContent),
    } as Snapshot;
  });
}

/** "1,234.57 USD" / "+1,234.57 USD" / "-0.50 USD" → the number; anything else fails. */
function shown(text: string, currency = "USD"): number {
  const m = new RegExp(`^([+-]?[\\d,]+\\.\\d{2}) ${currency}$`).exec(text);
  if (!m) throw new Error(`not a money amount in ${currency}: ${JSON.stringify(text)}`);
  return Number(m[1].replaceAll(",", ""));
}

/** Each expected [column, value] of a row is in it: data-value exactly, the text to the cent. */
function expectRow(row: Row, key: string, expected: [string, number][], money = true): void {
  expect(row.key).toBe(key);
  for (const [col, value] of expected) {
    const cell = row.cells.find((c) => c.col === col);
    expect(cell, `${key} / ${col}`).toBeDefined();
    expect(Number(cell!.value)).toBe(value);
    if (money) expect(Math.abs(shown(cell!.text) - value)).toBeLessThanOrEqual(0.005 + 1e-9);
  }
}

/** Bars of one chart are drawn to one scale: length / |value| is the same for all (to the markup's 0.01 px). */
function expectOneScale(lengths: { length: number; value: number }[]): void {
  const big = lengths.filter((l) => l.length > 5);
  expect(big.length).toBeGreaterThan(0);
  const scale = big[0].length / Math.abs(big[0].value);
  for (const l of big) expect(Math.abs(l.length - Math.abs(l.value) * scale)).toBeLessThan(0.05);
}

describe("finops report html", () => {
  test("the page is self-contained and escapes data (no browser needed)", () => {
    const html = renderHtml(sampleInput({ hostile: true }));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|\bsrc=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;");
    expect(html).toMatch(/@media print/);
  });

  withBrowser("charts, tables and numbers in headless Chromium: no error, no request, the report's numbers", async () => {
    const input = sampleInput();
    const page = await openPage(write("report.html", input));
    try {
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([page.url]); // the file itself, nothing else
      expect(page.dialogs).toEqual([]);
      const s = await snapshot(page.page);
      expect(s.scripts).toBe(0);
      expect(Object.keys(s.charts).sort()).toEqual(["anomalies", "costs", "daily", "movers", "tags"]);
      for (const [kind, chart] of Object.entries(s.charts)) {
        expect(chart.role, kind).toBe("img");
        expect(chart.label!.length, kind).toBeGreaterThan(20);
        for (const r of chart.rects) expect(r.title.length, `${kind} bar tooltip`).toBeGreaterThan(5);
      }
      expect(s.empty).toEqual([]);

      // Costs: one segment per non-zero (row, month), at the row's value; one colour per row, (other) grey.
      const { costs } = input;
      const segments = costs.months.flatMap((m) => costs.rows.filter((r) => (r.months[m] ?? 0) !== 0).map((r) => ({ key: r.key, month: m, value: r.months[m] })));
      expect(segments.length).toBe(costs.months.length * costs.rows.length - 3); // 2 months without cost, 1 explicit zero
      const cr = s.charts.costs.rects;
      expect(cr.length).toBe(segments.length);
      expect(cr.map((r) => [r.key, r.month, r.value])).toEqual(segments.map((x) => [x.key, x.month, x.value]));
      const fills = new Map(cr.map((r) => [r.key, r.fill]));
      expect(new Set(fills.values()).size).toBe(costs.rows.length);
      expect(fills.get("(other)")).toBe("#bab0ac");
      expect(cr.filter((r) => r.value < 0).length).toBe(1);
      expectOneScale(cr.map((r) => ({ length: r.height, value: r.value })));
      expect(s.legends[0]).toEqual(costs.rows.map((r) => r.key));

      // Daily: a bar per day at its cost, the rest of the month projected so that it adds up to the forecast.
      const { daily } = input;
      const actual = s.charts.daily.rects.filter((r) => r.kind === "actual");
      const projected = s.charts.daily.rects.filter((r) => r.kind === "forecast");
      expect(actual.map((r) => [r.date, r.value])).toEqual(daily.days.map((d) => [d.date, d.cost]));
      expect(projected.length).toBe(30 - 18);
      expect(actual.concat(projected).reduce((sum, r) => sum + r.value, 0)).toBeCloseTo(daily.forecast.total, 6);
      expectOneScale(actual.concat(projected).map((r) => ({ length: r.height, value: r.value })));
      expect(s.charts.daily.marks).toBe(1); // the June anomaly; the May one is not in this month

      // Movers: increases and decreases, one bar each, at the change.
      const mr = s.charts.movers.rects;
      expect(mr.map((r) => [r.key, r.value, r.kind])).toEqual(input.movers.rows.map((r) => [r.key, r.change, r.change > 0 ? "increase" : "decrease"]));
      expect(new Set(mr.map((r) => r.fill)).size).toBe(2);
      expectOneScale(mr.map((r) => ({ length: r.width, value: r.value })));

      // Anomalies: the day's cost and its baseline per anomaly.
      const ar = s.charts.anomalies.rects;
      expect(ar.filter((r) => r.kind === "cost").map((r) => [r.date, r.key, r.value])).toEqual(input.anomalies.anomalies.map((a) => [a.date, a.key, a.cost]));
      expect(ar.filter((r) => r.kind === "baseline").map((r) => r.value)).toEqual(input.anomalies.anomalies.map((a) => a.baseline));
      expectOneScale(ar.map((r) => ({ length: r.width, value: r.value })));

      // Tags: the share of each key, then the untagged share.
      const { tags } = input;
      expect(s.charts.tags.rects.map((r) => [r.key, r.value])).toEqual([...tags.keys.map((k) => [k.key, k.share]), ["(untagged)", tags.untagged / tags.total]]);
      expectOneScale(s.charts.tags.rects.map((r) => ({ length: r.width, value: r.value })));

      // Tables: every number is the report's.
      const t = s.tables;
      expect(Object.keys(t).sort()).toEqual(["anomalies", "costs", "daily", "movers", "tags", "untagged-resources"]);
      costs.rows.forEach((r, i) => expectRow(t.costs.body[i], r.key, [...costs.months.map((m): [string, number] => [m, r.months[m] ?? 0]), ["total", r.total]]));
      expect(t.costs.body.length).toBe(costs.rows.length);
      const monthSums = costs.months.map((m): [string, number] => [m, costs.rows.reduce((sum, r) => sum + (r.months[m] ?? 0), 0)]);
      expectRow({ ...t.costs.foot[0], key: "" }, "", [...monthSums, ["total", costs.total]]);
      daily.days.forEach((d, i) => expectRow(t.daily.body[i], d.date, [["cost", d.cost]]));
      expectRow(t.daily.foot[1], "forecast", [["forecast", daily.forecast.total]]);
      input.movers.rows.forEach((r, i) => {
        expectRow(t.movers.body[i], r.key, [["from", r.from], ["to", r.to], ["change", r.change]]);
        const percent = t.movers.body[i].cells.find((c) => c.col === "percent")!;
        expect(percent.value === null ? null : Number(percent.value)).toBe(r.percent);
      });
      input.anomalies.anomalies.forEach((a, i) => expectRow(t.anomalies.body[i], a.key, [["cost", a.cost], ["baseline", a.baseline], ["change", a.change]]));
      tags.keys.forEach((k, i) => {
        expectRow(t.tags.body[i], k.key, [["cost", k.cost]]);
        expectRow(t.tags.body[i], k.key, [["share", k.share]], false);
      });
      expectRow(t.tags.body[tags.keys.length], "(untagged)", [["cost", tags.untagged]]);
      expectRow({ ...t.tags.foot[0], key: "" }, "", [["total", tags.total]]);
      tags.untaggedResources.forEach((u, i) => expectRow(t["untagged-resources"].body[i], u.resourceId, [["cost", u.cost]]));

      // The headline figures.
      const mtd = daily.days.reduce((sum, d) => sum + d.cost, 0);
      expect(s.cards.slice(0, 3).map((c) => Number(c.value))).toEqual([costs.total, mtd, daily.forecast.total]);
      for (const c of s.cards.slice(0, 3)) expect(Math.abs(shown(c.text) - Number(c.value))).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(s.cards[3].text).toBe("2");

      // Printed: white, each chart whole and within the page.
      await page.page.emulateMediaType("print");
      const print = await page.page.evaluate(() => ({
        background: getComputedStyle(document.body).backgroundColor,
        breaks: [...document.querySelectorAll("figure")].map((f: any) => getComputedStyle(f).breakInside),
      }));
      expect(["rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"]).toContain(print.background);
      expect(print.breaks).toEqual(Array(5).fill("avoid"));
      const pdf = await page.page.pdf({ format: "A4" });
      expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe("%PDF-");
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  withBrowser("markup in keys shows as text and runs nothing", async () => {
    const path = write("hostile.html", sampleInput({ hostile: true }));
    const page = await openPage(path);
    try {
      const s = await snapshot(page.page);
      expect(page.dialogs).toEqual([]);
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([page.url]);
      expect(s.scripts).toBe(0);
      expect(s.handlers).toBe(0);
      expect(s.title).toBe(`Costs ${HOSTILE}`);
      // costs, movers, anomalies, tags, untagged resources: each shows the key as it is
      expect(s.keyCells.filter((k) => k === HOSTILE).length).toBe(5);
      expect(s.charts.costs.rects.some((r) => r.key === HOSTILE && r.title.startsWith(HOSTILE))).toBe(true);
      expect(s.legends[0]).toContain(HOSTILE);
    } finally {
      await page.close();
    }
    // The browser's own serialisation after load: the key is text, the page has no script element.
    const dom = dumpDom(path);
    expect(dom).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp;");
    expect(dom).not.toMatch(/<script/i);
  });

  withBrowser("the screenshot shows the charts (not blank)", () => {
    const png = join(dir, "report.png");
    screenshot(write("shot.html", sampleInput()), png, { width: 1200, height: 2400 });
    const image = PNG.sync.read(readFileSync(png));
    expect([image.width, image.height]).toEqual([1200, 2400]);
    const colours = new Set<number>();
    let ink = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [r, g, b] = [image.data[i], image.data[i + 1], image.data[i + 2]];
      colours.add((r << 16) | (g << 8) | b);
      if (r + g + b < 3 * 235) ink += 1;
    }
    expect(colours.size).toBeGreaterThan(500);
    expect(ink / (image.width * image.height)).toBeGreaterThan(0.05);
    // The costs chart's colours are on screen (its bars' fills, to ±2 per channel).
    const near = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((k) => Number.parseInt(hex.slice(k, k + 2), 16));
      return [...colours].some((c) => Math.abs((c >> 16) - r) <= 2 && Math.abs(((c >> 8) & 255) - g) <= 2 && Math.abs((c & 255) - b) <= 2);
    };
    const fills = [...renderHtml(sampleInput()).matchAll(/data-chart="costs"[\s\S]*?<\/svg>/g)][0][0].matchAll(/fill="(#[0-9a-f]{6})"/g);
    const distinct = [...new Set([...fills].map((m) => m[1]))];
    expect(distinct.length).toBe(20);
    expect(distinct.filter(near).length).toBe(20);
  });

  test("empty reports render sentences, not empty charts", () => {
    const html = renderHtml(emptyInput());
    expect(html).not.toContain('class="chart"');
    expect(html.match(/<p class="empty">/g)?.length).toBe(5);
  });

  withBrowser("empty reports in the browser: no chart, no error", async () => {
    const page = await openPage(write("empty.html", emptyInput()));
    try {
      const s = await snapshot(page.page);
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([page.url]);
      expect(Object.keys(s.charts)).toEqual([]);
      expect(s.empty).toEqual([
        "No cost in the selected months.",
        "No daily cost for 2025-06.",
        "No service changed between 2025-05 and 2025-06.",
        "No anomalies (median).",
        "No cost carries a tag.",
      ]);
      expect(s.cards.map((c) => c.text)).toEqual(["0.00 EUR", "0.00 EUR", "0.00 EUR", "0", "–"]);
    } finally {
      await page.close();
    }
  });

  withBrowser("the harness sees what it must: console errors, CSP refusals, requests, dialogs", async () => {
    const bad = join(dir, "bad.html");
    writeFileSync(bad, `<!doctype html><title>bad</title><img src="http://127.0.0.1:9/x.png"><script>console.error("boom"); alert("hi")</script>`);
    const page = await openPage(bad);
    try {
      expect(page.errors.some((e) => e.includes("boom"))).toBe(true);
      expect(page.requests).toContain("http://127.0.0.1:9/x.png");
      expect(page.dialogs).toEqual(["hi"]);
    } finally {
      await page.close();
    }
    const csp = join(dir, "csp.html");
    writeFileSync(csp, `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><title>csp</title><img src="http://127.0.0.1:9/y.png">`);
    const blocked = await openPage(csp);
    try {
      expect(blocked.errors.some((e) => /Content Security Policy/i.test(e))).toBe(true);
    } finally {
      await blocked.close();
    }
  });
});
