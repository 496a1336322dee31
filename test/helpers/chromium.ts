/**
 * Headless Chromium for tests: the system's browser (Debian's `chromium`, installed with apt-get when absent and we
 * are root), driven two ways:
 * - its own command line (`--screenshot`, `--dump-dom`): what a user gets, no driver in between;
 * - puppeteer-core over the DevTools protocol (`openPage`): console messages, page errors, every request the page
 *   makes, dialogs, and evaluate() for element counts — things the command line cannot report reliably.
 * When no browser can be had, `chromium()` says why and the tests that need it skip.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";

const NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"];

export interface ChromiumFound {
  path: string | null;
  /** Why there is none, or how it was had (e.g. "installed with apt-get in 12.3 s"). */
  note: string;
}

let found: ChromiumFound | undefined;

const which = () => NAMES.map((n) => Bun.which(n)).find((p): p is string => Boolean(p)) ?? null;

function apt(args: string[]): { ok: boolean; output: string } {
  const r = Bun.spawnSync(["apt-get", ...args], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, output: `${r.stdout.toString()}${r.stderr.toString()}`.trim().split("\n").slice(-3).join(" | ") };
}

/** Finds a Chromium binary; installs Debian's `chromium` when absent and possible. Decided once per process. */
export function chromium(): ChromiumFound {
  if (found) return found;
  const path = which();
  if (path) return (found = { path, note: `found ${path}` });
  if (process.getuid?.() !== 0 || !Bun.which("apt-get")) {
    return (found = { path: null, note: "no chromium on PATH, and not root with apt-get to install Debian's chromium package" });
  }
  const started = performance.now();
  const install = ["install", "-y", "--no-install-recommends", "chromium"];
  let r = apt(install);
  if (!r.ok) {
    apt(["update"]);
    r = apt(install);
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const after = which();
  return (found = after ? { path: after, note: `installed with apt-get in ${secs} s` } : { path: null, note: `apt-get install chromium failed after ${secs} s: ${r.output}` });
}

function need(): string {
  const c = chromium();
  if (!c.path) throw new Error(`no chromium: ${c.note}`);
  return c.path;
}

/** Runs the browser's command line with a throwaway profile. */
function run(args: string[]): { stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), "finops-chromium-"));
  try {
    const r = Bun.spawnSync([need(), ...FLAGS, `--user-data-dir=${profile}`, ...args], { stdout: "pipe", stderr: "pipe", timeout: 120_000 });
    const out = { stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    if (r.exitCode !== 0) throw new Error(`chromium exited with ${r.exitCode}: ${out.stderr.slice(-2000)}`);
    return out;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const urlOf = (htmlPath: string) => pathToFileURL(resolve(htmlPath)).href;

/** A PNG of the page's first width × height pixels, by `chromium --headless --screenshot`. */
export function screenshot(htmlPath: string, pngPath: string, size: { width: number; height: number }): void {
  run([`--screenshot=${resolve(pngPath)}`, `--window-size=${size.width},${size.height}`, urlOf(htmlPath)]);
}

/** The DOM after load, serialised, by `chromium --headless --dump-dom`. */
export function dumpDom(htmlPath: string): string {
  return run(["--dump-dom", urlOf(htmlPath)]).stdout;
}

export interface OpenedPage {
  page: Page;
  url: string;
  /** Console messages of type error or warning, page errors (uncaught exceptions) and failed requests. */
  errors: string[];
  /** Every request the page made, the page itself included. */
  requests: string[];
  /** Messages of alert/confirm/prompt dialogs (each is dismissed). */
  dialogs: string[];
  close(): Promise<void>;
}

/** Opens the file in headless Chromium through puppeteer-core, recording console, errors, requests and dialogs. */
export async function openPage(htmlPath: string, viewport = { width: 1200, height: 900 }): Promise<OpenedPage> {
  const { default: puppeteer } = await import("puppeteer-core");
  const profile = mkdtempSync(join(tmpdir(), "finops-chromium-"));
  const browser: Browser = await puppeteer.launch({ executablePath: need(), headless: true, args: FLAGS.slice(1), userDataDir: profile });
  const page = await browser.newPage();
  const opened: OpenedPage = {
    page,
    url: urlOf(htmlPath),
    errors: [],
    requests: [],
    dialogs: [],
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  try {
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") opened.errors.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => opened.errors.push(`uncaught: ${e instanceof Error ? e.message : String(e)}`));
    page.on("requestfailed", (r) => opened.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    page.on("request", (r) => opened.requests.push(r.url()));
    page.on("dialog", (d) => {
      opened.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setViewport(viewport);
    await page.goto(opened.url, { waitUntil: "load" });
    return opened;
  } catch (e) {
    await opened.close();
    throw e;
  }
}
