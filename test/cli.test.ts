import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { runInProcess } from "./helpers/cli.ts";

describe("the CLI core (in-process)", () => {
  test("--version prints the package version on stdout", async () => {
    const r = await runInProcess(["--version"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.stderr).toBe("");
  });

  test("--help lists the commands", async () => {
    const r = await runInProcess(["--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("finops doctor");
    expect(r.stdout).toContain("finops aws");
  });

  test("aws --help lists the aws commands", async () => {
    const r = await runInProcess(["aws", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("finops aws");
    expect(r.stdout).toContain("Run 'finops aws <command> --help'");
  });

  test("an unknown command exits 2 with one message on stderr and nothing on stdout", async () => {
    const r = await runInProcess(["frobnicate"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("finops: unknown command: finops frobnicate");
  });

  test("an unknown flag exits 2 with one message on stderr and nothing on stdout", async () => {
    const r = await runInProcess(["doctor", "--no-such-flag"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('Unsupported option name ("--no-such-flag")');
  });

  test("--quiet with --verbose is a usage error (exit 2), without a stack trace", async () => {
    const r = await runInProcess(["doctor", "-q", "-v"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe("finops: --quiet and --verbose cannot be used together");
  });

  test("doctor --json reports a working DuckDB and a writable database path", async () => {
    const r = await runInProcess(["doctor", "--json"]);
    expect(r.exitCode).toBe(0);
    const body = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; value: string }[] };
    expect(body.ok).toBe(true);
    const duck = body.checks.find((c) => c.name === "duckdb");
    expect(duck?.ok).toBe(true);
    expect(duck?.value).toMatch(/^v\d+\.\d+\.\d+ \(opened a database file and ran a query: ok\)/);
    expect(body.checks.find((c) => c.name === "database")?.value).toContain("data/finops.duckdb (will be created");
  });

  test("doctor exits 1 and says what to do when the database path is not writable", async () => {
    // A regular file where the database folder should be: not writable, even for root.
    const dir = mkdtempSync(join(tmpdir(), "finops-doctor-"));
    writeFileSync(join(dir, "not-a-folder"), "x");
    const r = await runInProcess(["doctor", "--database", join(dir, "not-a-folder", "db.duckdb")]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("NOT writable");
    expect(r.stderr).toContain("choose a writable path with --database or FINOPS_DATABASE");
  });
});
