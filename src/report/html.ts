/**
 * `finops report html`: the reports as one self-contained HTML page. Charts are inline SVG drawn here (no library to
 * inline, no script at all, vector in print); a Content-Security-Policy forbids every fetch. Every string that comes
 * from the data (keys, tag values, resource ids, filters) is escaped. Pure: no I/O.
 *
 * Numbers: each bar carries `data-value` (the number it draws, full precision) and a `<title>` tooltip; each money
 * cell of a table carries `data-value` (full precision) and shows the value with 2 decimals and the currency.
 * Assumed units: movers' `percent` is in percent (12.5 = +12.5 %), tags' `share` is a fraction (0.25 = 25 %),
 * anomalies' `change` is money (cost − baseline).
 */
import { formatMoney } from "../output/table.ts";
import type { AnomaliesReport, CostsReport, DailyReport, MoversReport, TagsReport } from "./types.ts";

export interface HtmlReportInput {
  title: string;
  generatedAt: string;
  currency: string;
  filters: string[];
  costs: CostsReport;
  movers: MoversReport;
  daily: DailyReport;
  anomalies: AnomaliesReport;
  tags: TagsReport;
}

const W = 880;
const OTHER = "(other)";
const GREY = "#bab0ac";
const LIGHT_GREY = "#d9d4d0";
const UNTAGGED = "(untagged)";
const BLUE = "#4e79a7";
const UP = "#c8553d";
const DOWN = "#3a8f7b";
/** Tableau 20, muted; the 21st row on gets a golden-angle hue. */
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#499894",
  "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63", "#b6992d", "#fabfd2", "#d4a6c8", "#d7b5a6"];

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s: string): string => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
const fin = (n: number): number => (Number.isFinite(n) ? n : 0);
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

function fmt2(n: number, sign = false): string {
  return (sign && Math.round(fin(n) * 100) > 0 ? "+" : "") + formatMoney(fin(n));
}
const money = (n: number, cur: string, sign = false) => `${fmt2(n, sign)} ${cur}`;
const short = (n: number, sign = false) => (sign && n > 0 ? "+" : "") + compact.format(fin(n));
const pct = (fraction: number) => `${(fin(fraction) * 100).toFixed(1)} %`;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const clip = (s: string, max = 30) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function colourOf(keys: string[]): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  for (const k of keys) {
    if (k === OTHER || k === UNTAGGED) {
      out.set(k, k === OTHER ? GREY : LIGHT_GREY);
      continue;
    }
    out.set(k, PALETTE[i] ?? `hsl(${Math.round((i * 137.508) % 360)} 45% 55%)`);
    i += 1;
  }
  return out;
}

/** Round ticks for [lo, hi] (which includes 0): the top is rounded up to a tick; a negative bottom stays as it is. */
function ticks(lo: number, hi: number, count = 5): { lo: number; hi: number; values: number[] } {
  if (lo === hi) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const b = Math.ceil(hi / step) * step;
  const values: number[] = [];
  for (let i = Math.ceil(lo / step); i * step <= b + step / 2; i += 1) values.push(i * step || 0); // not -0
  return { lo, hi: b, values };
}

const svg = (kind: string, label: string, h: number, body: string) =>
  `<svg class="chart" data-chart="${kind}" role="img" aria-label="${esc(label)}" viewBox="0 0 ${W} ${h}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;

function bar(x: number, y: number, w: number, h: number, fill: string, value: number, tip: string, attrs = ""): string {
  const r = (n: number) => Math.round(n * 100) / 100;
  return `<rect x="${r(x)}" y="${r(y)}" width="${r(Math.max(w, 0))}" height="${r(Math.max(h, 0))}" fill="${fill}" data-value="${value}"${attrs}><title>${esc(tip)}</title></rect>`;
}

/** Horizontal grid lines and left-axis labels; returns the markup and the value → y mapping. */
function yAxis(lo: number, hi: number, top: number, bottom: number, left: number, right: number) {
  const t = ticks(Math.min(lo, 0), Math.max(hi, 0));
  const y = (v: number) => bottom - ((v - t.lo) / (t.hi - t.lo)) * (bottom - top);
  const grid = t.values
    .map((v) => `<line class="${v === 0 ? "zero" : "grid"}" x1="${left}" x2="${right}" y1="${y(v)}" y2="${y(v)}"/><text class="tick" x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${short(v)}</text>`)
    .join("");
  return { y, grid };
}

const empty = (text: string) => `<p class="empty">${esc(text)}</p>`;
/** A header row: the first `text` columns hold text, the others numbers. */
const th = (cols: string[], text = 1) => `<thead><tr>${cols.map((c, i) => `<th${i >= text ? ' class="num"' : ""}>${esc(c)}</th>`).join("")}</tr></thead>`;
/** A money amount as HTML: the currency smaller, so that wide tables stay readable (the text stays "1,234.56 USD"). */
const moneyHtml = (n: number, cur: string, sign = false) => `${fmt2(n, sign)} <span class="cur">${esc(cur)}</span>`;
const moneyCell = (n: number, cur: string, col: string, sign = false) => `<td class="num" data-col="${esc(col)}" data-value="${n}">${moneyHtml(n, cur, sign)}</td>`;
const textCell = (s: string, col = "key") => `<td data-col="${col}">${esc(s)}</td>`;
const table = (kind: string, head: string, rows: string[], foot = "", cls = "") =>
  `<div class="table-wrap"><table data-table="${kind}"${cls ? ` class="${cls}"` : ""}>${head}<tbody>${rows.join("")}</tbody>${foot}</table></div>`;

function legend(colours: Map<string, string>): string {
  const items = [...colours].map(([k, c]) => `<li><span class="swatch" style="background:${c}"></span>${esc(k)}</li>`);
  return `<ul class="legend">${items.join("")}</ul>`;
}

function costsSection(r: CostsReport, cur: string): string {
  const rows = r.rows.filter((row) => r.months.some((m) => fin(row.months[m] ?? 0) !== 0));
  const head = `<h2>Monthly ${esc(r.cost)} cost by ${esc(r.by)}</h2>`;
  if (r.months.length === 0 || rows.length === 0) return `${head}${empty("No cost in the selected months.")}`;
  const colours = colourOf(rows.map((row) => row.key));
  const sums = r.months.map((m) => r.rows.reduce((s, row) => s + (row.months[m] ?? 0), 0));
  const stacks = r.months.map((m) => {
    let pos = 0;
    let neg = 0;
    for (const row of rows) {
      const v = fin(row.months[m] ?? 0);
      if (v > 0) pos += v;
      else neg += v;
    }
    return { pos, neg };
  });
  const [H, top, bottom, left, right] = [320, 24, 290, 64, W - 12];
  const ax = yAxis(Math.min(...stacks.map((s) => s.neg)), Math.max(...stacks.map((s) => s.pos)), top, bottom, left, right);
  const band = (right - left) / r.months.length;
  const bw = Math.min(56, band * 0.68);
  const every = Math.ceil(r.months.length / 12);
  let body = ax.grid;
  r.months.forEach((m, i) => {
    const x = left + band * i + (band - bw) / 2;
    let pos = 0;
    let neg = 0;
    for (const row of rows) {
      const v = fin(row.months[m] ?? 0);
      if (v === 0) continue;
      const [a, b] = v > 0 ? [pos, (pos += v)] : [neg, (neg += v)];
      const tip = `${row.key} · ${m}: ${money(v, cur)}`;
      body += bar(x, ax.y(Math.max(a, b)), bw, Math.abs(ax.y(a) - ax.y(b)), colours.get(row.key)!, v, tip, ` data-key="${esc(row.key)}" data-month="${esc(m)}"`);
    }
    if (r.months.length <= 18) body += `<text class="total" x="${x + bw / 2}" y="${ax.y(stacks[i].pos) - 6}" text-anchor="middle">${short(sums[i])}</text>`;
    if (i % every === 0) body += `<text class="tick" x="${x + bw / 2}" y="${bottom + 18}" text-anchor="middle">${esc(m)}</text>`;
  });
  const label = `Stacked columns: ${r.cost} cost per month by ${r.by}, ${r.months[0]} to ${r.months.at(-1)}, ${rows.length} series`;
  const foot = `<tfoot><tr><td>Total</td>${sums.map((s, i) => moneyCell(s, cur, r.months[i])).join("")}${moneyCell(r.total, cur, "total")}</tr></tfoot>`;
  const trs = r.rows.map((row) => `<tr data-key="${esc(row.key)}">${textCell(row.key)}${r.months.map((m) => moneyCell(row.months[m] ?? 0, cur, m)).join("")}${moneyCell(row.total, cur, "total")}</tr>`);
  return `${head}<figure>${svg("costs", label, H, body)}${legend(colours)}</figure>${table("costs", th([r.by, ...r.months, "Total"]), trs, foot)}`;
}

function daysIn(month: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate() : 0;
}

function dailySection(r: DailyReport, anomalies: AnomaliesReport, cur: string): string {
  const head = `<h2>Daily ${esc(r.cost)} cost, ${esc(r.month)}</h2>`;
  if (r.days.length === 0) return `${head}${empty(`No daily cost for ${r.month || "the month"}.`)}`;
  const mtd = r.days.reduce((s, d) => s + d.cost, 0);
  const dayOf = (date: string) => Number(date.slice(8, 10)) || 0;
  const last = Math.max(...r.days.map((d) => dayOf(d.date)));
  const n = Math.max(daysIn(r.month), last, r.days.length);
  const rest = n - last;
  const perDay = rest > 0 && r.forecast.total > mtd ? (r.forecast.total - mtd) / rest : 0;
  const values = r.days.map((d) => fin(d.cost)).concat(perDay);
  const [H, top, bottom, left, right] = [260, 16, 232, 64, W - 12];
  const ax = yAxis(Math.min(...values), Math.max(...values), top, bottom, left, right);
  const band = (right - left) / n;
  const bw = Math.max(band * 0.72, 1);
  const xOf = (day: number) => left + band * (day - 1) + (band - bw) / 2;
  const marked = new Set(anomalies.anomalies.map((a) => a.date));
  let body = ax.grid;
  r.days.forEach((d, i) => {
    const day = dayOf(d.date) || i + 1;
    const v = fin(d.cost);
    body += bar(xOf(day), ax.y(Math.max(v, 0)), bw, Math.abs(ax.y(v) - ax.y(0)), BLUE, d.cost, `${d.date}: ${money(d.cost, cur)}`, ` data-kind="actual" data-date="${esc(d.date)}"`);
    if (marked.has(d.date)) body += `<circle class="anomaly-mark" cx="${xOf(day) + bw / 2}" cy="${ax.y(Math.max(v, 0)) - 7}" r="4"><title>${esc(`${d.date}: anomaly`)}</title></circle>`;
  });
  for (let day = last + 1; perDay > 0 && day <= n; day += 1) {
    body += bar(xOf(day), ax.y(perDay), bw, ax.y(0) - ax.y(perDay), BLUE, perDay, `Day ${day}: projected ${money(perDay, cur)}`, ` data-kind="forecast" class="forecast"`);
  }
  for (let day = 1; day <= n; day += day === 1 ? 4 : 5) body += `<text class="tick" x="${xOf(day) + bw / 2}" y="${bottom + 18}" text-anchor="middle">${day}</text>`;
  const label = `Columns: ${r.cost} cost per day in ${r.month}, ${r.days.length} days${perDay > 0 ? `, the ${rest} remaining days projected` : ""}; forecast month-end total ${money(r.forecast.total, cur)}`;
  const note = `<p class="note">Month to date <b data-value="${mtd}">${moneyHtml(mtd, cur)}</b> · forecast month-end <b data-value="${r.forecast.total}">${moneyHtml(r.forecast.total, cur)}</b> <span class="muted">(${esc(r.forecast.method)}${perDay > 0 ? "; dashed: projected days" : ""}${marked.size ? "; dots: anomalies" : ""})</span></p>`;
  const trs = r.days.map((d) => `<tr data-key="${esc(d.date)}">${textCell(d.date, "date")}${moneyCell(d.cost, cur, "cost")}</tr>`);
  const foot = `<tfoot><tr><td>Month to date</td>${moneyCell(mtd, cur, "cost")}</tr><tr data-key="forecast"><td>Forecast month-end</td>${moneyCell(r.forecast.total, cur, "forecast")}</tr></tfoot>`;
  return `${head}${note}<figure>${svg("daily", label, H, body)}</figure>${table("daily", th(["Date", "Cost"]), trs, foot, "narrow")}`;
}

/** A horizontal-bar layout: a label column on the left, bars to the right. */
const rowsLayout = (count: number, rowH: number) => ({ H: count * rowH + 16, y: (i: number) => 8 + i * rowH });
const rowLabel = (y: number, text: string) => `<text class="label" x="212" y="${y}" text-anchor="end">${esc(clip(text))}<title>${esc(text)}</title></text>`;

function moversSection(r: MoversReport, cur: string): string {
  const head = `<h2>Movers: ${esc(r.by)}, ${esc(r.from)} → ${esc(r.to)}</h2>`;
  if (r.rows.length === 0) return `${head}${empty(`No ${r.by} changed between ${r.from} and ${r.to}.`)}`;
  const { H, y } = rowsLayout(r.rows.length, 26);
  const left = 224;
  const half = (W - left) / 2 - 80;
  const zero = left + (W - left) / 2;
  const max = Math.max(...r.rows.map((row) => Math.abs(fin(row.change))), 1e-9);
  let body = `<line class="zero" x1="${zero}" x2="${zero}" y1="4" y2="${H - 4}"/>`;
  r.rows.forEach((row, i) => {
    const c = fin(row.change);
    const w = (Math.abs(c) / max) * half;
    const x = c >= 0 ? zero : zero - w;
    const tip = `${row.key}: ${money(row.from, cur)} → ${money(row.to, cur)} (${money(row.change, cur, true)})`;
    body += rowLabel(y(i) + 15, row.key);
    body += bar(x, y(i) + 4, w, 16, c >= 0 ? UP : DOWN, row.change, tip, ` data-key="${esc(row.key)}" data-kind="${c >= 0 ? "increase" : "decrease"}"`);
    body += `<text class="value" x="${c >= 0 ? x + w + 5 : x - 5}" y="${y(i) + 16}" text-anchor="${c >= 0 ? "start" : "end"}">${short(c, true)}</text>`;
  });
  const label = `Diverging bars: change of ${r.cost} cost per ${r.by} from ${r.from} to ${r.to}; increases to the right, decreases to the left`;
  const trs = r.rows.map((row) => {
    const p = row.percent === null ? "new" : `${row.percent > 0 ? "+" : ""}${row.percent.toFixed(1)} %`;
    return `<tr data-key="${esc(row.key)}">${textCell(row.key)}${moneyCell(row.from, cur, "from")}${moneyCell(row.to, cur, "to")}${moneyCell(row.change, cur, "change", true)}<td class="num" data-col="percent"${row.percent === null ? "" : ` data-value="${row.percent}"`}>${p}</td></tr>`;
  });
  return `${head}<figure>${svg("movers", label, H, body)}<ul class="legend"><li><span class="swatch" style="background:${UP}"></span>increase</li><li><span class="swatch" style="background:${DOWN}"></span>decrease</li></ul></figure>${table("movers", th([r.by, r.from, r.to, "Change", "%"]), trs)}`;
}

function anomaliesSection(r: AnomaliesReport, cur: string): string {
  const head = `<h2>Anomalies by ${esc(r.by)}</h2>`;
  if (r.anomalies.length === 0) return `${head}${empty(`No anomalies (${r.method}).`)}`;
  const { H, y } = rowsLayout(r.anomalies.length, 34);
  const left = 224;
  const span = W - left - 90;
  const max = Math.max(...r.anomalies.flatMap((a) => [Math.abs(fin(a.cost)), Math.abs(fin(a.baseline))]), 1e-9);
  let body = "";
  r.anomalies.forEach((a, i) => {
    const attrs = ` data-key="${esc(a.key)}" data-date="${esc(a.date)}"`;
    body += rowLabel(y(i) + 18, `${a.date} · ${a.key}`);
    body += bar(left, y(i) + 4, (Math.abs(fin(a.baseline)) / max) * span, 8, GREY, a.baseline, `${a.key}, ${a.date}: baseline ${money(a.baseline, cur)}`, `${attrs} data-kind="baseline"`);
    const w = (Math.abs(fin(a.cost)) / max) * span;
    body += bar(left, y(i) + 14, w, 12, UP, a.cost, `${a.key}, ${a.date}: ${money(a.cost, cur)} (${money(a.change, cur, true)} against the baseline)`, `${attrs} data-kind="cost"`);
    body += `<text class="value" x="${left + w + 5}" y="${y(i) + 24}">${short(a.change, true)}</text>`;
  });
  const label = `Bars: ${r.anomalies.length} anomalous days, each day's ${r.cost} cost against its baseline`;
  const trs = r.anomalies.map((a) => `<tr data-key="${esc(a.key)}">${textCell(a.date, "date")}${textCell(a.key)}${moneyCell(a.cost, cur, "cost")}${moneyCell(a.baseline, cur, "baseline")}${moneyCell(a.change, cur, "change", true)}</tr>`);
  const legendHtml = `<ul class="legend"><li><span class="swatch" style="background:${GREY}"></span>baseline</li><li><span class="swatch" style="background:${UP}"></span>cost on the day</li></ul>`;
  return `${head}<p class="note muted">${esc(r.method)}</p><figure>${svg("anomalies", label, H, body)}${legendHtml}</figure>${table("anomalies", th(["Date", r.by, "Cost", "Baseline", "Change"], 2), trs)}`;
}

function tagsSection(r: TagsReport, cur: string): string {
  const range = r.months.length > 1 ? `${r.months[0]} – ${r.months.at(-1)}` : (r.months[0] ?? "");
  const head = `<h2>Tag coverage${range ? `, ${esc(range)}` : ""}</h2>`;
  const untaggedShare = r.total ? r.untagged / r.total : 0;
  const resources = r.untaggedResources.length
    ? `<h3>Largest untagged resources</h3>${table("untagged-resources", th(["Resource", "Service", "Cost"], 2), r.untaggedResources.map((u) => `<tr data-key="${esc(u.resourceId)}">${textCell(u.resourceId)}${textCell(u.service, "service")}${moneyCell(u.cost, cur, "cost")}</tr>`))}`
    : "";
  if (r.keys.length === 0) return `${head}${empty(`No cost carries a tag${r.total ? ` (untagged: ${money(r.untagged, cur)})` : ""}.`)}${resources}`;
  const items = [...r.keys.map((k) => ({ ...k, untagged: false })), { key: UNTAGGED, cost: r.untagged, share: untaggedShare, untagged: true }];
  const { H, y } = rowsLayout(items.length, 26);
  const left = 224;
  const span = W - left - 180;
  let body = "";
  items.forEach((k, i) => {
    body += rowLabel(y(i) + 15, k.key);
    body += `<rect class="track" x="${left}" y="${y(i) + 4}" width="${span}" height="16"/>`;
    body += bar(left, y(i) + 4, Math.min(Math.max(fin(k.share), 0), 1) * span, 16, k.untagged ? GREY : "#59a14f", k.share, `${k.key}: ${pct(k.share)} of ${r.cost} cost, ${money(k.cost, cur)}`, ` data-key="${esc(k.key)}"${k.untagged ? ' data-kind="untagged"' : ""}`);
    body += `<text class="value" x="${left + span + 8}" y="${y(i) + 16}">${pct(k.share)} · ${esc(short(k.cost))}</text>`;
  });
  const label = `Bars: share of ${r.cost} cost carrying each tag key, and the untagged share`;
  const trs = items.map((k) => `<tr data-key="${esc(k.key)}">${textCell(k.key)}${moneyCell(k.cost, cur, "cost")}<td class="num" data-col="share" data-value="${k.share}">${pct(k.share)}</td></tr>`);
  const foot = `<tfoot><tr><td>Total</td>${moneyCell(r.total, cur, "total")}<td></td></tr></tfoot>`;
  return `${head}<figure>${svg("tags", label, H, body)}</figure>${table("tags", th(["Tag key", "Cost", "Share"]), trs, foot)}${resources}`;
}

const CSS = `
:root{--ink:#1f2933;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 24px 48px}
header h1{font-size:24px;font-weight:600;margin:0 0 4px}
.meta,.muted{color:var(--muted)}
.meta{margin:0;font-size:13px}
.filters{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:10px 0 0}
.filters li{border:1px solid var(--line);background:#fff;border-radius:999px;padding:1px 10px;font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin:24px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.card>span{display:block;color:var(--muted);font-size:12px}
.card b{font-size:19px;font-weight:600;font-variant-numeric:tabular-nums;white-space:nowrap}
.cur{font-size:.8em;color:var(--muted);font-weight:400}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin:0 0 20px}
h2{font-size:17px;font-weight:600;margin:0 0 12px}
h3{font-size:14px;font-weight:600;margin:20px 0 8px}
figure{margin:0 0 16px;break-inside:avoid;page-break-inside:avoid}
.chart{display:block;width:100%;height:auto}
.chart text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--muted)}
.chart text.label{fill:var(--ink)}
.chart text.total{fill:var(--ink);font-weight:600}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .zero{stroke:#9aa1ab;stroke-width:1}
.chart .track{fill:#eef0f3}
.chart .forecast{fill-opacity:.18;stroke:${BLUE};stroke-dasharray:3 2}
.chart .anomaly-mark{fill:${UP};stroke:#fff;stroke-width:1.5}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;padding:0;margin:8px 0 0;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.note{margin:0 0 8px}
.empty{color:var(--muted);font-style:italic;margin:0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:12px;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{font-weight:600;color:var(--muted);font-size:12px}
.num{text-align:right}
td:first-child{white-space:normal;min-width:12em}
tfoot td{font-weight:600;border-bottom:0}
tfoot tr:first-child td{border-top:2px solid var(--line)}
table.narrow{width:auto;min-width:50%}
tbody tr:nth-child(even){background:#fafbfc}
footer{color:var(--muted);font-size:12px;text-align:center}
@page{margin:12mm}
@media print{
  body{background:#fff;font-size:10pt}
  main{max-width:none;padding:0}
  section,.card,.filters li{border-color:#ccc;border-radius:0}
  section{padding:0;border:0;margin:0 0 8mm}
  .chart{max-height:120mm}
  .table-wrap{overflow:visible}
  table{font-size:8pt}
  th,td{padding:2px 6px;white-space:normal}
  tbody tr:nth-child(even){background:none}
  tr,h2,h3{break-inside:avoid;page-break-inside:avoid}
  h2,h3{break-after:avoid;page-break-after:avoid}
}`;

export function renderHtml(input: HtmlReportInput): string {
  const { title, generatedAt, currency: cur, filters, costs, movers, daily, anomalies, tags } = input;
  const mtd = daily.days.reduce((s, d) => s + d.cost, 0);
  const card = (label: string, value: number | null, html: string) =>
    `<div class="card"><span>${esc(label)}</span><b${value === null ? "" : ` data-value="${value}"`}>${html}</b></div>`;
  const cards = [
    card(`${cap(costs.cost)} cost${costs.months.length ? `, ${costs.months[0]} – ${costs.months.at(-1)}` : ""}`, costs.total, moneyHtml(costs.total, cur)),
    card(`Month to date, ${daily.month}`, mtd, moneyHtml(mtd, cur)),
    card(`Forecast, ${daily.month}`, daily.forecast.total, moneyHtml(daily.forecast.total, cur)),
    card("Anomalies", anomalies.anomalies.length, String(anomalies.anomalies.length)),
    card(`Cost carrying a tag${tags.months.length === 1 ? `, ${tags.months[0]}` : ""}`, tags.total ? 1 - tags.untagged / tags.total : null, tags.total ? pct(1 - tags.untagged / tags.total) : "–"),
  ].join("");
  const filterList = filters.length ? `<ul class="filters">${filters.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="finops">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>${esc(title)}</h1><p class="meta">Generated ${esc(generatedAt)} · amounts in ${esc(cur)}</p>${filterList}</header>
<div class="cards">${cards}</div>
<section id="costs">${costsSection(costs, cur)}</section>
<section id="daily">${dailySection(daily, anomalies, cur)}</section>
<section id="movers">${moversSection(movers, cur)}</section>
<section id="anomalies">${anomaliesSection(anomalies, cur)}</section>
<section id="tags">${tagsSection(tags, cur)}</section>
<footer>finops · ${esc(generatedAt)}</footer>
</main>
</body>
</html>
`;
}
