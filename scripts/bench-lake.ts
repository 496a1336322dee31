/**
 * `npm run bench -- --lake [--rows 1000000] [--json]` (scripts/bench.ts): what publishing the Parquet lake costs.
 *
 * Builds once, cached under .cache/bench/lake-<rows>/, a database holding one CUR 2.0 Parquet period of --rows rows
 * (the bench generator's `cur2-parquet` shape, imported by the compiled binary from the local S3 server, as --focus
 * does). Then, each on a fresh copy of that database file:
 *   finops        `dist/finops lake export --to <tmp folder>`: the whole database (raw/ and focus/), end to end;
 *   DuckDB alone  in a fresh process with DuckDB's own defaults, `COPY (SELECT * FROM <raw period table> ORDER BY
 *                 line_item_usage_start_date) TO … (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`, and
 *                 the same of `SELECT * FROM focus.costs ORDER BY ChargePeriodStart`;
 *   finops → S3   `dist/finops lake export --to s3://…` against the local S3 server (loopback; MB/s).
 * Prints rows/s and MB written for each, and DuckDB alone / finops. Benchmarks are not tests.
 *
 * Run directly as `bun scripts/bench-lake.ts --copy DB OUT SQL`, it is the DuckDB-alone worker.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");

if (import.meta.main && process.argv[2] === "--copy") {
  // Worker: DuckDB alone, its own defaults, one COPY.
  const [database, out, sql] = process.argv.slice(3);
  const { loadDuckDB } = await import("../src/store/duckdb.ts");
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(database!, { access_mode: "READ_ONLY" });
  const con = await instance.connect();
  const began = performance.now();
  await con.run(`COPY (${sql}) TO '${out!.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
  console.log(JSON.stringify({ seconds: (performance.now() - began) / 1000 }));
  con.closeSync();
  instance.closeSync();
  process.exit(0);
}

export interface LakeBenchLine {
  what: string;
  rows: number;
  seconds: number;
  bytes: number;
  rowsPerSecond: number;
  mbPerSecond: number;
}

export interface LakeBenchResult {
  rows: number;
  databaseBytes: number;
  lines: LakeBenchLine[];
  /** DuckDB alone's two COPYs together, over finops' export of the same two tables (folder target). */
  ratio: number;
}

function treeSize(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) total += e.isDirectory() ? treeSize(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return total;
}

async function run(cmd: string[], env: Record<string, string | undefined>): Promise<{ seconds: number; stdout: string; stderr: string; exitCode: number }> {
  const began = performance.now();
  const p = Bun.spawn(cmd, { env, cwd: root, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { seconds: (performance.now() - began) / 1000, stdout, stderr, exitCode };
}

const line = (what: string, rows: number, seconds: number, bytes: number): LakeBenchLine => ({
  what,
  rows,
  seconds: +seconds.toFixed(2),
  bytes,
  rowsPerSecond: Math.round(rows / seconds),
  mbPerSecond: +(bytes / 1e6 / seconds).toFixed(1),
});

export async function lakeBench(o: { rows: number; binary: string; log: (s: string) => void }): Promise<LakeBenchResult> {
  const { BENCH_SHAPES, generateBenchShape } = await import("./fixtures/bench-exports.ts");
  const { startS3 } = await import("./local-s3.ts");
  const shape = BENCH_SHAPES.find((b) => b.name === "cur2-parquet")!;
  const dataDir = join(root, ".cache", "bench", `${shape.name}-${o.rows}`);
  if (!existsSync(join(dataDir, "truth.json"))) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    o.log(`generating ${shape.name}-${o.rows} …`);
    writeFileSync(join(dataDir, "truth.json"), JSON.stringify(await generateBenchShape({ outDir: dataDir, shape, rows: o.rows })));
  }
  const truth = JSON.parse(readFileSync(join(dataDir, "truth.json"), "utf8"));
  const exportName: string = truth.exports[0].name;

  const s3 = await startS3();
  const work = mkdtempSync(join(tmpdir(), "finops-bench-lake-"));
  const env = { PATH: process.env.PATH, HOME: join(work, "home"), ...s3.env };
  mkdirSync(env.HOME, { recursive: true });
  try {
    const cacheDir = join(root, ".cache", "bench", `lake-${o.rows}`);
    const cachedDb = join(cacheDir, "finops.duckdb");
    if (!existsSync(cachedDb)) {
      mkdirSync(cacheDir, { recursive: true });
      await s3.uploadTree(dataDir);
      o.log(`importing ${o.rows.toLocaleString("en-US")} rows into ${cachedDb} …`);
      const tmpDb = join(cacheDir, "building.duckdb");
      rmSync(tmpDb, { force: true });
      const r = await run([o.binary, "aws", "import-cur", "-b", "billing-bench", "-p", "bench", "-e", exportName, "-d", tmpDb, "--json"], env);
      if (r.exitCode !== 0) throw new Error(`import failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
      Bun.spawnSync(["mv", tmpDb, cachedDb]);
    }
    const databaseBytes = statSync(cachedDb).size;

    // The raw period table and the row counts, read from a copy (a read opens the file for writing its WAL nowhere).
    const { openDatabase } = await import("../src/store/duckdb.ts");
    const probe = join(work, "probe.duckdb");
    copyFileSync(cachedDb, probe);
    const { instance, connection: con } = await openDatabase(probe, { readOnly: true });
    const table = String((await con.runAndReadAll("SELECT table_name FROM finops.periods")).getRows()[0]![0]);
    const rawRows = Number((await con.runAndReadAll(`SELECT count(*) FROM aws_billing."${table}"`)).getRows()[0]![0]);
    const focusRows = Number((await con.runAndReadAll("SELECT count(*) FROM focus.costs")).getRows()[0]![0]);
    con.closeSync();
    instance.closeSync();

    const lines: LakeBenchLine[] = [];
    // finops, folder target
    const dbF = join(work, "finops.duckdb");
    copyFileSync(cachedDb, dbF);
    const lakeDir = join(work, "lake");
    o.log("finops lake export --to <folder> …");
    const f = await run([o.binary, "lake", "export", "--to", lakeDir, "-d", dbF, "--json"], env);
    if (f.exitCode !== 0) throw new Error(`lake export failed: ${f.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const fBytes = treeSize(lakeDir);
    lines.push(line("finops lake export (raw + focus), folder", rawRows + focusRows, f.seconds, fBytes));
    for (const p of JSON.parse(f.stdout).periods as { table: string; rows: number; bytes: number; seconds: number }[])
      lines.push(line(`  of which ${p.table}`, p.rows, p.seconds, p.bytes));
    rmSync(lakeDir, { recursive: true, force: true });

    // DuckDB alone, fresh process each, on a copy of the same file
    let aloneSeconds = 0;
    for (const [what, sql, rows] of [
      ["DuckDB alone COPY raw table", `SELECT * FROM aws_billing."${table}" ORDER BY line_item_usage_start_date`, rawRows],
      ["DuckDB alone COPY focus.costs", "SELECT * FROM focus.costs ORDER BY ChargePeriodStart", focusRows],
    ] as const) {
      const db = join(work, "alone.duckdb");
      copyFileSync(cachedDb, db);
      const out = join(work, "x.parquet");
      o.log(`${what} …`);
      const r = await run([process.execPath, join(root, "scripts", "bench-lake.ts"), "--copy", db, out, sql], env);
      if (r.exitCode !== 0) throw new Error(`${what} failed: ${r.stderr}`);
      lines.push(line(`${what} (process: in-COPY ${JSON.parse(r.stdout).seconds.toFixed(2)} s)`, rows, r.seconds, statSync(out).size));
      aloneSeconds += r.seconds;
      rmSync(out, { force: true });
      rmSync(db, { force: true });
    }

    // finops → local S3 server
    const dbS = join(work, "finops-s3.duckdb");
    copyFileSync(cachedDb, dbS);
    await s3.put("lake-bench", "keep", "");
    o.log("finops lake export --to s3://lake-bench/lake/ (local S3 server) …");
    const s = await run([o.binary, "lake", "export", "--to", "s3://lake-bench/lake/", "-d", dbS, "--json"], env);
    if (s.exitCode !== 0) throw new Error(`lake export to S3 failed: ${s.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const sBytes = (JSON.parse(s.stdout).periods as { bytes: number }[]).reduce((a, p) => a + p.bytes, 0);
    lines.push(line("finops lake export (raw + focus), local S3", rawRows + focusRows, s.seconds, sBytes));

    return { rows: o.rows, databaseBytes, lines, ratio: +(aloneSeconds / f.seconds).toFixed(2) };
  } finally {
    await s3.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function renderLakeResult(r: LakeBenchResult): Promise<string> {
  const { renderTable } = await import("../src/output/table.ts");
  const table = renderTable(
    ["what", "rows", "seconds", "MB written", "rows/s", "MB/s"],
    r.lines.map((l) => [l.what, l.rows.toLocaleString("en-US"), `${l.seconds} s`, (l.bytes / 1e6).toFixed(1), l.rowsPerSecond.toLocaleString("en-US"), l.mbPerSecond]),
    { color: false, alignRight: [1, 2, 3, 4, 5] },
  );
  return `one CUR 2.0 period of ${r.rows.toLocaleString("en-US")} rows; DuckDB file ${(r.databaseBytes / 1e6).toFixed(1)} MB; process wall times\n${table}\nDuckDB alone (both COPYs) / finops (folder): ${r.ratio}`;
}
