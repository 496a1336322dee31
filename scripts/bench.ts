#!/usr/bin/env bun
/**
 * `npm run bench`: how fast and how lean finops imports, against DuckDB alone on the same machine.
 *
 *   bun scripts/bench.ts [--rows 1000000] [--runs 3] [--shapes a,b,…] [--files N] [--memory-limit SIZE] [--json]
 *
 * Generates (and caches under .cache/bench/) one period of --rows rows for each shape of BENCH_SHAPES
 * (scripts/fixtures/bench-exports.ts: every format; narrow and 400-column reports; compressible and noisy values;
 * Parquet row groups of 122,880 and 1,000,000 rows), plus a tree of 3 exports x 24 small periods; serves them from a
 * local S3 server on loopback; then, alternating the contenders, measures for each shape:
 *   DuckDB alone  creating a table from the same local files with the same column types (the very SELECT finops
 *                 builds), in a fresh process, with DuckDB's own defaults (every core, 80% of RAM), no S3;
 *   finops        the compiled binary's `aws import-cur` end to end from the local S3 server into a fresh database,
 *                 with its default settings; whether it had to load the period again with other settings;
 * the peak RSS of each process and the peak size of finops' spool folder; and a no-op re-run of the 3 x 24 tree
 * (time, and the requests it made). Prints medians as a table, or JSON with --json. Benchmarks are not tests.
 * A 10,000,000-row period: `--rows 10000000 --shapes cur2-parquet,legacy-csv-gzip`; `--files N` splits each period
 * into N files instead of the shape's own number (`--files 1`: one file of the whole period, ~1 GB at 10 M rows).
 *
 *   bun scripts/bench.ts --focus [--rows 2000000] [--query-runs 7] [--shapes …] [--explain] [--json]
 *
 * measures the cost model instead (scripts/bench-focus.ts): imports one period of --rows rows (default 2,000,000) of
 * the legacy CSV and the CUR 2.0 Parquet shape, then times sum(EffectiveCost) by ServiceName and month through
 * `focus.costs` beside the same sum written by hand against the raw period table, warm, median of --query-runs, and
 * checks the two agree; --explain prints EXPLAIN ANALYZE of both.
 *
 *   bun scripts/bench.ts --reports [--rows 20000000] [--periods 24] [--query-runs 5] [--json]
 *
 * times the reports instead (scripts/bench-reports.ts): builds once, cached under .cache/bench/reports-<rows>x<periods>/,
 * a database of --rows CUR 2.0 line items over --periods months through finops' own period transaction, then runs
 * each report warm (one untimed run, median of --query-runs) as the compiled binary and in-process; exit 1 when a
 * report takes 1 s or more.
 *
 *   bun scripts/bench.ts --lake [--rows 1000000] [--json]
 *
 * times `finops lake export` instead (scripts/bench-lake.ts), to a folder and to the local S3 server, beside DuckDB
 * alone COPYing the same raw period table and focus.costs to Parquet with the same options.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { focusQueryBench, type FocusResult } from "./bench-focus.ts";
import { BENCH_SHAPES, generateBenchShape } from "./fixtures/bench-exports.ts";
import { generateManyPeriods, type Truth } from "./gen-fixtures.ts";
import { startS3 } from "./local-s3.ts";

const root = resolve(import.meta.dir, "..");
const binary = join(root, "dist", "finops");
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const FOCUS = args.includes("--focus");
const ROWS = Number(flag("--rows", FOCUS ? "2000000" : "1000000"));
const SHAPES = flag("--shapes", FOCUS ? "legacy-csv-gzip,cur2-parquet" : BENCH_SHAPES.map((b) => b.name).join(",")).split(",");
for (const name of SHAPES) if (!BENCH_SHAPES.some((b) => b.name === name)) throw new Error(`unknown shape ${name}; shapes: ${BENCH_SHAPES.map((b) => b.name).join(", ")}`);
const RUNS = Number(flag("--runs", "3"));
const FILES = args.includes("--files") ? Number(flag("--files", "")) : undefined;
if (FILES !== undefined && !(Number.isInteger(FILES) && FILES >= 1)) throw new Error("--files takes a whole number of files, 1 or more");
const QUERY_RUNS = Number(flag("--query-runs", "7"));
const EXPLAIN = args.includes("--explain");
const JSON_OUT = args.includes("--json");
// --memory-limit X: finops imports with `--memory-limit X` instead of its defaults (what more memory buys; the README's
// tables are measured without it).
const MEMORY_LIMIT = args.includes("--memory-limit") ? flag("--memory-limit", "") : undefined;
if (MEMORY_LIMIT === "") throw new Error("--memory-limit takes a size, such as 2GB");
const finopsFlags = MEMORY_LIMIT ? ["--memory-limit", MEMORY_LIMIT] : [];
const log = (s: string) => console.error(s);

function treeSize(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    try {
      total += e.isDirectory() ? treeSize(p) : statSync(p).size;
    } catch {
      /* removed while we looked */
    }
  }
  return total;
}

function hwmKiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface Measured {
  seconds: number;
  peakRssMiB: number;
  peakSpoolBytes: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a process to the end, sampling its peak RSS (VmHWM) and the size of `watchDir`. */
async function measure(cmd: string[], env: Record<string, string | undefined>, watchDir?: string): Promise<Measured> {
  // Untimed: the previous contender's database (GBs, deleted) is still being written back, and a contender that
  // starts in that writeback pays for it: a 10,000,000-row load beside a 3 GB write ran out of memory at settings
  // that load it otherwise (README, Performance). Each contender starts with the disk quiet.
  Bun.spawnSync(["sync"]);
  const started = performance.now();
  const proc = Bun.spawn(cmd, { env, stdout: "pipe", stderr: "pipe", cwd: root });
  let peak = 0;
  let spool = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, hwmKiB(proc.pid) ?? 0);
    if (watchDir) spool = Math.max(spool, treeSize(watchDir));
  }, 20);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakRssMiB: peak / 1024, peakSpoolBytes: spool, exitCode, stdout, stderr };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function cached(name: string, make: (dir: string) => Promise<Truth>): Promise<{ dir: string; truth: Truth }> {
  const dir = join(root, ".cache", "bench", name);
  const truthPath = join(dir, "truth.json");
  if (!existsSync(truthPath)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    log(`generating ${name} …`);
    const truth = await make(dir);
    writeFileSync(truthPath, JSON.stringify(truth));
  }
  return { dir, truth: JSON.parse(readFileSync(truthPath, "utf8")) };
}

// ── build, data, server
log("building dist/finops …");
if (Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], { stdout: "inherit", stderr: "inherit" }).exitCode !== 0) process.exit(1);
if (args.includes("--reports")) {
  // --reports: the reports against a big cached database (scripts/bench-reports.ts); nothing below runs.
  const { reportsBench, renderReportsResult } = await import("./bench-reports.ts");
  const r = await reportsBench({
    rows: Number(flag("--rows", "20000000")),
    periods: Number(flag("--periods", "24")),
    queryRuns: Number(flag("--query-runs", "5")),
    binary,
    log,
  });
  console.log(JSON_OUT ? JSON.stringify(r, null, 2) : await renderReportsResult(r));
  process.exit(r.reports.every((x) => x.under1s || x.comparison) ? 0 : 1);
}
if (args.includes("--lake")) {
  // --lake: publishing the Parquet lake against DuckDB alone's COPY (scripts/bench-lake.ts); nothing below runs.
  const { lakeBench, renderLakeResult } = await import("./bench-lake.ts");
  const r = await lakeBench({ rows: Number(flag("--rows", "1000000")), binary, log });
  console.log(JSON_OUT ? JSON.stringify(r, null, 2) : await renderLakeResult(r));
  process.exit(0);
}
const shapes = BENCH_SHAPES.filter((b) => SHAPES.includes(b.name)).map((b) => (FILES ? { ...b, files: FILES } : b));
const data = [];
for (const shape of shapes) {
  const key = `${shape.name}-${ROWS}${FILES ? `-files${FILES}` : ""}`;
  data.push({ shape, ...(await cached(key, (dir) => generateBenchShape({ outDir: dir, shape, rows: ROWS }))) });
}
const many = FOCUS ? undefined : await cached("many-3x24", (dir) => generateManyPeriods({ outDir: dir, exports: 3, periods: 24 }));
const s3 = await startS3();
log("uploading to the local S3 server …");
for (const d of data) await s3.uploadTree(d.dir);
if (many) await s3.uploadTree(many.dir);
const work = mkdtempSync(join(tmpdir(), "finops-bench-"));
const baseEnv = { PATH: process.env.PATH, HOME: join(work, "home"), ...s3.env };
mkdirSync(baseEnv.HOME, { recursive: true });
// The binary's first start in a fresh HOME extracts DuckDB's native library (reading and hashing ~60 MB), which would
// land on the first case's time and peak RSS only; a user pays it once per install. Pay it here, untimed.
const warm = await measure([binary, "doctor", "-d", join(work, "warm.duckdb"), "--json"], baseEnv);
if (!warm.stdout.includes("extracted now")) log(`warning: the warm-up did not extract DuckDB's native library (exit ${warm.exitCode}); the first case may pay for it`);

interface Case {
  label: string;
  name: string;
  flavour: "legacy" | "cur2";
  files: string[];
  manifest: string;
  compressedBytes: number;
  largestFileBytes: number;
  rows: number;
  columns: number;
}
const cases: Case[] = data.map(({ shape, dir, truth }) => {
  const [e] = truth.exports;
  const [p] = Object.values(e.periods);
  const v = p.versions[p.currentKey];
  const files = v.files.map((f) => join(dir, e.bucket, f.key));
  return {
    label: shape.label,
    name: e.name,
    flavour: e.flavour === "legacy" ? "legacy" : "cur2",
    files,
    manifest: join(dir, e.bucket, v.manifestKey),
    compressedBytes: files.reduce((a, f) => a + statSync(f).size, 0),
    largestFileBytes: Math.max(...files.map((f) => statSync(f).size)),
    rows: v.rows,
    columns: v.columnCount,
  };
});

if (FOCUS) {
  await focusBench();
  process.exit(process.exitCode ?? 0);
}
if (!many) throw new Error("unreachable: only --focus goes without the 3 x 24 tree");

/** --focus: import each shape once with the binary's defaults, then time the cost model's query against the raw one. */
async function focusBench(): Promise<void> {
  const out: FocusResult[] = [];
  for (const c of cases) {
    const database = join(work, `focus-${c.name}.duckdb`);
    log(`${c.label}: importing ${c.rows.toLocaleString("en-US")} rows …`);
    const f = await measure([binary, "aws", "import-cur", "-b", "billing-bench", "-p", "bench", "-e", c.name, "-d", database, "--json"], baseEnv);
    const imported = f.exitCode === 0 ? JSON.parse(f.stdout).periods[0] : undefined;
    if (imported?.rows !== c.rows) throw new Error(`finops failed on ${c.label}: ${f.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    log(`${c.label}: imported in ${f.seconds.toFixed(1)} s; timing the queries (${QUERY_RUNS} runs each, warm) …`);
    const r = await focusQueryBench({ label: c.label, flavour: c.flavour, rows: c.rows, database }, { runs: QUERY_RUNS, explain: EXPLAIN, log });
    out.push(r);
    rmSync(database, { force: true });
  }
  await s3.close();
  rmSync(work, { recursive: true, force: true });
  if (JSON_OUT) {
    console.log(JSON.stringify({ rows: ROWS, queryRuns: QUERY_RUNS, focusQueries: out }, null, 2));
    return;
  }
  const { renderTable } = await import("../src/output/table.ts");
  console.log(`sum(EffectiveCost) by ServiceName and month, warm, median of ${QUERY_RUNS} runs each (DuckDB's default threads)`);
  console.log(
    renderTable(
      ["shape", "rows", "groups", "focus.costs", "raw table", "view/raw", "total (view)", "total (raw)", "agree"],
      out.map((r) => [r.case, r.rows.toLocaleString("en-US"), r.groups, `${r.viewMs} ms`, `${r.rawMs} ms`, r.ratio, r.viewTotal.toFixed(2), r.rawTotal.toFixed(2), r.agree ? "yes" : "NO"]),
      { color: false, alignRight: [1, 2, 3, 4, 5, 6, 7] },
    ),
  );
  for (const r of out) {
    if (r.explain) console.log(`\n── ${r.case}: EXPLAIN ANALYZE, focus.costs\n${r.explain.view}\n── ${r.case}: EXPLAIN ANALYZE, raw table\n${r.explain.raw}`);
  }
  if (out.some((r) => !r.agree)) process.exitCode = 1;
}

const results: Record<string, { duckdb: Measured[]; finops: Measured[] }> = {};
for (const c of cases) results[c.name] = { duckdb: [], finops: [] };
for (let run = 1; run <= RUNS; run++) {
  for (const c of cases) {
    log(`run ${run}/${RUNS}: ${c.label} …`);
    const dbB = join(work, `baseline-${c.name}-${run}.duckdb`);
    rmSync(dbB, { force: true });
    const b = await measure([process.execPath, join(root, "scripts", "bench-baseline.ts"), dbB, c.manifest, c.flavour, "duckdb", ...c.files], baseEnv);
    if (b.exitCode !== 0 || Number(b.stdout.trim()) !== c.rows) throw new Error(`baseline failed: ${b.stderr}${b.stdout}`);
    results[c.name].duckdb.push(b);
    const spool = join(work, `spool-${c.name}-${run}`);
    mkdirSync(spool);
    const dbF = join(work, `finops-${c.name}-${run}.duckdb`);
    const f = await measure([binary, "aws", "import-cur", "-b", "billing-bench", "-p", "bench", "-e", c.name, "-d", dbF, "--json", ...finopsFlags], { ...baseEnv, TMPDIR: spool }, spool);
    const imported = f.exitCode === 0 ? JSON.parse(f.stdout).periods[0] : undefined;
    if (imported?.rows !== c.rows) log(`finops failed on ${c.label}: ${f.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    results[c.name].finops.push(f);
    rmSync(dbB, { force: true });
    rmSync(dbF, { force: true });
  }
}

// ── no-op re-run of 3 exports x 24 periods
const cfg = join(work, "many.toml");
writeFileSync(
  cfg,
  `[database]\npath = "${join(work, "many.duckdb")}"\n` +
    many.truth.exports.map((e) => `[[aws.exports]]\nname = "${e.name}"\nbucket = "${e.bucket}"\nprefix = "${e.prefix}"\ncur_version = "${e.curVersion}"\n`).join("\n"),
);
const periods = many.truth.exports.reduce((a, e) => a + Object.keys(e.periods).length, 0);
const first = await measure([binary, "aws", "import-cur", "--all", "-c", cfg, "-q"], baseEnv);
if (first.exitCode !== 0) throw new Error(`many: first import failed: ${first.stderr}`);
const noop: Measured[] = [];
let requests = { total: 0, listings: 0, manifestGets: 0, other: 0 };
for (let run = 1; run <= RUNS; run++) {
  const from = s3.requests.length;
  const m = await measure([binary, "aws", "import-cur", "--all", "-c", cfg, "-q", "--json"], baseEnv);
  if (m.exitCode !== 0 || !JSON.parse(m.stdout).periods.every((p: { outcome: string }) => p.outcome === "up to date")) throw new Error("no-op re-run was not a no-op");
  noop.push(m);
  const reqs = s3.requests.slice(from);
  requests = {
    total: reqs.length,
    listings: reqs.filter((r) => r.method === "GET" && !r.key).length,
    manifestGets: reqs.filter((r) => r.method === "GET" && r.key?.endsWith("-Manifest.json")).length,
    other: reqs.filter((r) => !(r.method === "GET" && (!r.key || r.key.endsWith("-Manifest.json")))).length,
  };
}
const help: number[] = [];
for (let i = 0; i < 7; i++) help.push((await measure([binary, "--help"], baseEnv)).seconds);
await s3.close();
rmSync(work, { recursive: true, force: true });

// ── report
const report = {
  rows: ROWS,
  runs: RUNS,
  periods: cases.map((c) => {
    const r = results[c.name];
    const ds = median(r.duckdb.map((m) => m.seconds));
    const ok = r.finops.filter((m) => m.exitCode === 0);
    const fs = ok.length ? median(ok.map((m) => m.seconds)) : NaN;
    const retried = r.finops.filter((m) => /loading again/.test(m.stderr)).length;
    // Where a retry came from (the load or the summaries, which settings): finops' own line, on the benchmark's stderr.
    for (const m of r.finops) for (const line of m.stderr.split("\n").filter((l) => /loading again/.test(l))) log(`${c.label}: ${line.trim()}`);
    return {
      case: c.label,
      rows: c.rows,
      columns: c.columns,
      compressedMiB: +(c.compressedBytes / 1048576).toFixed(1),
      files: c.files.length,
      largestFileMiB: +(c.largestFileBytes / 1048576).toFixed(1),
      duckdbSeconds: +ds.toFixed(2),
      duckdbPeakRssMiB: Math.round(median(r.duckdb.map((m) => m.peakRssMiB))),
      finopsSeconds: +fs.toFixed(2),
      finopsFailed: r.finops.length - ok.length,
      finopsRowsPerMinute: Math.round((c.rows / fs) * 60),
      ratio: +(ds / fs).toFixed(2),
      finopsPeakRssMiB: Math.round(Math.max(...r.finops.map((m) => m.peakRssMiB))),
      // Each run's peak, in run order: the highest alone hid how far apart runs of the same files land.
      finopsPeakRssRunsMiB: r.finops.map((m) => Math.round(m.peakRssMiB)),
      retried: `${retried}/${r.finops.length}`,
      peakSpoolMiB: +(median(r.finops.map((m) => m.peakSpoolBytes)) / 1048576).toFixed(1),
    };
  }),
  noopRerun: {
    exports: many.truth.exports.length,
    periods,
    seconds: +median(noop.map((m) => m.seconds)).toFixed(2),
    peakRssMiB: Math.round(median(noop.map((m) => m.peakRssMiB))),
    requests,
  },
  helpWarmMs: Math.round(median(help.slice(2)) * 1000),
};

if (JSON_OUT) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const { renderTable } = await import("../src/output/table.ts");
  const rows = report.periods.map((p) => [
    p.case,
    p.rows.toLocaleString("en-US"),
    p.columns,
    `${p.compressedMiB} MiB`,
    `${p.files} × ≤ ${Math.round(p.largestFileMiB)} MiB`,
    `${p.duckdbSeconds} s`,
    `${p.duckdbPeakRssMiB} MiB`,
    p.finopsFailed ? `failed ${p.finopsFailed}x` : `${p.finopsSeconds} s`,
    p.ratio,
    p.finopsPeakRssRunsMiB.length > 1 ? `${Math.min(...p.finopsPeakRssRunsMiB)}–${p.finopsPeakRssMiB} MiB` : `${p.finopsPeakRssMiB} MiB`,
    p.retried,
    `${p.peakSpoolMiB} MiB`,
  ]);
  console.log(`medians of ${RUNS} runs (finops peak RSS: the lowest and the highest run${MEMORY_LIMIT ? `; finops with --memory-limit ${MEMORY_LIMIT}` : ""}); DuckDB alone with its own defaults, same files, fresh process`);
  console.log(
    renderTable(["shape", "rows", "columns", "compressed", "files", "DuckDB alone", "DuckDB RSS", "finops", "DuckDB/finops", "finops peak RSS", "retried", "peak spool"], rows, { color: false, alignRight: [1, 2, 3, 4, 5, 6, 7, 8, 9, 11] }),
  );
  const n = report.noopRerun;
  console.log(
    `no-op re-run of ${n.exports} exports x ${n.periods / n.exports} periods: ${n.seconds} s, peak RSS ${n.peakRssMiB} MiB, ${n.requests.total} requests (${n.requests.listings} listings, ${n.requests.manifestGets} manifest GETs, ${n.requests.other} other)`,
  );
  console.log(`finops --help, warm: ${report.helpWarmMs} ms`);
}
