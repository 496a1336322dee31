/** `finops doctor`: what finops runs with, and whether it works. Never prints a secret. */
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describeCredentialSource } from "./aws/credential-source.ts";
import { describeRoute, routeFor, s3EndpointOf } from "./aws/network.ts";
import type { Settings } from "./config/index.ts";
import { errorMessage } from "./errors.ts";
import { describeAllocator } from "./store/allocator.ts";
import { loadDuckDB, nativeInfo } from "./store/duckdb.ts";
import { verifyNativeFiles } from "./store/native.ts";
import { VERSION } from "./version.ts";

export interface Check {
  name: string;
  ok: boolean;
  value: string;
  /** What to do when not ok. */
  fix?: string;
}

function nearestExistingDir(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir)) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dir;
}

/** Whether finops can create files in this folder: tried for real (root passes every permission check). */
function canCreateIn(dir: string): boolean {
  try {
    rmSync(mkdtempSync(join(dir, ".finops-probe-")), { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

function writableFile(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function runDoctor(settings: Settings, env: Record<string, string | undefined>): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push({ name: "finops", ok: true, value: VERSION });
  checks.push({ name: "bun", ok: true, value: `${Bun.version} (${process.platform}-${process.arch})` });
  checks.push({ name: "config file", ok: true, value: settings.configFile ?? "none" });

  // The database: where, and whether finops can write it.
  const db = settings.database;
  let dbWritable: boolean;
  let dbValue: string;
  if (existsSync(db)) {
    dbWritable = writableFile(db) && canCreateIn(dirname(db));
    dbValue = `${db} (exists, ${(statSync(db).size / 1024 / 1024).toFixed(1)} MiB, ${dbWritable ? "writable" : "NOT writable"})`;
  } else {
    const dir = nearestExistingDir(db);
    dbWritable = canCreateIn(dir);
    dbValue = `${db} (will be created; ${dir} is ${dbWritable ? "writable" : "NOT writable"})`;
  }
  checks.push({
    name: "database",
    ok: dbWritable,
    value: `${dbValue} [from ${settings.databaseFrom}]`,
    fix: dbWritable ? undefined : "choose a writable path with --database or FINOPS_DATABASE",
  });

  // DuckDB: load the native library, open a scratch database file beside the database, write and read it.
  try {
    const { DuckDBInstance } = await loadDuckDB();
    const near = nearestExistingDir(db);
    const scratchDir = mkdtempSync(join(dbWritable ? near : tmpdir(), ".finops-doctor-"));
    try {
      const instance = await DuckDBInstance.create(join(scratchDir, "doctor.duckdb"));
      const con = await instance.connect();
      await con.run("CREATE TABLE t AS SELECT 42 AS answer");
      const reader = await con.runAndReadAll("SELECT version() AS v, (SELECT answer FROM t) AS answer");
      const [version, answer] = reader.getRows()[0] as [string, number];
      con.closeSync();
      instance.closeSync();
      const ok = Number(answer) === 42;
      checks.push({ name: "duckdb", ok, value: `${version} (opened a database file and ran a query: ${ok ? "ok" : "wrong result"})` });
    } finally {
      rmSync(scratchDir, { recursive: true, force: true });
    }
    // How soon DuckDB gives freed memory back (store/allocator.ts): what the import's peak RSS depends on.
    checks.push({ name: "duckdb allocator", ...(await describeAllocator()) });
    const info = nativeInfo();
    const verified = verifyNativeFiles();
    checks.push({
      name: "native library",
      ok: verified.ok,
      value: info ? `${info.dir} (${info.source}${info.extracted ? ", extracted now" : ""}; ${verified.detail})` : "unknown",
      fix: verified.ok ? undefined : "remove the folder named; finops extracts it again at the next start",
    });
  } catch (err) {
    checks.push({
      name: "duckdb",
      ok: false,
      value: `cannot load DuckDB: ${errorMessage(err)}`,
      fix: "check that XDG_CACHE_HOME (or ~/.cache) is writable and not mounted noexec, or reinstall finops",
    });
  }

  const cred = describeCredentialSource(env);
  checks.push({
    name: "aws credentials",
    ok: cred.ok,
    value: cred.source,
    fix: cred.ok ? undefined : "set AWS_PROFILE to a profile that exists, or configure credentials (aws configure)",
  });
  const { region, from } = settings.aws;
  checks.push({
    name: "aws region",
    ok: true,
    value: from.region.kind === "default" ? `not set (${region} is used; buckets elsewhere are followed)` : `${region} (from ${from.region.name})`,
  });
  // The route to S3 (proxy, CA bundle), decided as the import decides it; a bad HTTPS_PROXY or AWS_CA_BUNDLE fails here.
  const s3Endpoint = s3EndpointOf(region, settings.aws.endpointUrl);
  try {
    checks.push({ name: "network", ok: true, value: `${s3Endpoint}: ${describeRoute(routeFor(s3Endpoint, env))}` });
  } catch (err) {
    checks.push({ name: "network", ok: false, value: errorMessage(err), fix: "fix or unset the variable named" });
  }
  return checks;
}
