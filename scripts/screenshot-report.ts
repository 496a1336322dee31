#!/usr/bin/env bun
/**
 * A full-page PNG of an HTML report in headless Chromium (installed as the tests install it when absent):
 *   bun scripts/screenshot-report.ts REPORT.html docs/report.png [--width 1100]
 */
import { chromium, openPage } from "../test/helpers/chromium.ts";

const args = process.argv.slice(2);
const at = args.indexOf("--width");
const width = at >= 0 ? Number(args.splice(at, 2)[1]) : 1100;
const [html, png] = args;
if (!html || !png || !Number.isInteger(width) || width < 320) {
  console.error("usage: bun scripts/screenshot-report.ts REPORT.html OUT.png [--width PIXELS]");
  process.exit(2);
}
const c = chromium();
if (!c.path) {
  console.error(`no chromium: ${c.note}`);
  process.exit(1);
}
const opened = await openPage(html, { width, height: 900 });
try {
  await opened.page.screenshot({ path: png as `${string}.png`, fullPage: true });
  for (const e of opened.errors) console.error(e);
  console.error(`${png}: ${width} px wide, full page (${c.note})`);
} finally {
  await opened.close();
}
process.exit(opened.errors.length ? 1 : 0);
