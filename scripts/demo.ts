#!/usr/bin/env bun
/**
 * `npm run demo`: the main job on built-in sample data. Starts a local S3-compatible server on 127.0.0.1 holding
 * the committed sample exports (fixtures/exports: a legacy CUR and a CUR 2.0 export), builds dist/finops if needed,
 * imports both into data/demo.duckdb with the compiled binary, runs the import again to show that nothing is
 * re-imported, and prints cost per service per month from the views.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { startS3 } from "./local-s3.ts";

const root = resolve(import.meta.dir, "..");
const binary = join(root, "dist", "finops");
const fixtures = join(root, "fixtures", "exports");
const database = join(root, "data", "demo.duckdb");
const BUCKET = "billing-fixtures";

function step(text: string) {
  console.error(`\n\x1b[1m== ${text}\x1b[0m`);
}

async function finops(args: string[], env: Record<string, string>): Promise<number> {
  console.error(`$ finops ${args.map((a) => (/[\s'"]/.test(a) ? `"${a.replace(/\s+/g, " ")}"` : a)).join(" ")}`);
  const proc = Bun.spawn([binary, ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "inherit", stderr: "inherit" });
  return await proc.exited;
}

step("building dist/finops");
const build = Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) process.exit(1);
if (!existsSync(join(fixtures, "truth.json"))) {
  console.error(`missing ${fixtures}: run 'bun scripts/gen-fixtures.ts' first`);
  process.exit(1);
}

step("starting a local S3 server with the sample exports");
const s3 = await startS3();
let code = 0;
try {
  const uploaded = await s3.uploadTree(fixtures, (bucket, key) => bucket === BUCKET && (key.startsWith("cur/cur-v1-gzip/") || key.startsWith("exports/cur2-parquet/")));
  console.error(`${uploaded} objects in s3://${BUCKET} at ${s3.endpoint}`);
  rmSync(database, { force: true });
  rmSync(`${database}.wal`, { force: true });
  mkdirSync(join(root, "data"), { recursive: true });
  const env = { ...s3.env, FINOPS_DATABASE: database };
  const exportsToImport = [
    ["-b", BUCKET, "-p", "cur", "-e", "cur-v1-gzip"],
    ["-b", BUCKET, "-p", "exports", "-e", "cur2-parquet"],
  ];

  step("first import: every billing period is new");
  for (const args of exportsToImport) code = Math.max(code, await finops(["aws", "import-cur", ...args], env));

  step("second import: nothing changed, nothing is downloaded");
  const before = s3.requests.length;
  for (const args of exportsToImport) code = Math.max(code, await finops(["aws", "import-cur", ...args], env));
  const gets = s3.requests.slice(before).filter((r) => r.method === "GET" && r.key && !r.key.endsWith("-Manifest.json"));
  console.error(`data files downloaded by the second run: ${gets.length}`);

  step("cost per service per month (legacy CUR, view aws_billing.cur_v1_gzip)");
  code = Math.max(code, await finops(
    [
      "query",
      `PIVOT (SELECT lineItem_ProductCode AS service, strftime(lineItem_UsageStartDate, '%Y-%m') AS month, lineItem_UnblendedCost AS cost FROM aws_billing.cur_v1_gzip)
       ON month USING sum(cost)::DECIMAL(18,2) GROUP BY service ORDER BY service`,
    ],
    env,
  ));
  step("cost per service per month (CUR 2.0, view aws_billing.cur2_parquet)");
  code = Math.max(code, await finops(
    [
      "query",
      `PIVOT (SELECT line_item_product_code AS service, strftime(line_item_usage_start_date, '%Y-%m') AS month, line_item_unblended_cost AS cost FROM aws_billing.cur2_parquet)
       ON month USING sum(cost)::DECIMAL(18,2) GROUP BY service ORDER BY service`,
    ],
    env,
  ));
  step("the weekly questions without SQL: cost per service and month, and what moved (finops report)");
  code = Math.max(code, await finops(["report", "costs", "--top", "8"], env));
  code = Math.max(code, await finops(["report", "movers", "--top", "3"], env));
  code = Math.max(code, await finops(["report", "html", "--out", "data/demo-report.html"], env));
  step("the same bill in FOCUS terms, each period counted once (focus.costs): billed and amortized cost per service");
  code = Math.max(code, await finops(
    [
      "query",
      `SELECT ServiceName, ChargeCategory, round(sum(BilledCost), 2) AS billed, round(sum(EffectiveCost), 2) AS effective, any_value(x_Export) AS "from export"
       FROM focus.costs GROUP BY ALL ORDER BY effective DESC LIMIT 10`,
    ],
    env,
  ));
  console.error(`\nThe HTML report is data/demo-report.html (open it in a browser).`);
  console.error(`The database is ${database}; ask it more with: ./dist/finops query -d data/demo.duckdb "SELECT * FROM focus.costs LIMIT 1"`);
} finally {
  await s3.close();
}
process.exit(code);
