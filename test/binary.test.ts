/**
 * End-to-end: the compiled binary (dist/finops, built by `npm test` before the tests run), copied alone into an empty
 * folder outside the repository and run with an empty HOME.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { ALLOCATOR_CONF } from "../src/store/allocator.ts";
import { binaryWorkspace, removeWorkspaces, runBinary } from "./helpers/cli.ts";

afterAll(removeWorkspaces);

function cacheFiles(cache: string): string[] {
  if (!existsSync(cache)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p.slice(cache.length + 1));
    }
  };
  walk(cache);
  return out.sort();
}

interface Doctor {
  ok: boolean;
  checks: { name: string; ok: boolean; value: string }[];
}

const doctorOf = (stdout: string) => JSON.parse(stdout) as Doctor;
const check = (d: Doctor, name: string) => d.checks.find((c) => c.name === name);

describe("the compiled binary", () => {
  test("prints its version; --help and --version leave the cache empty", async () => {
    const ws = binaryWorkspace();
    const version = await runBinary(ws, ["--version"]);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await runBinary(ws, ["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("finops doctor");
    expect(cacheFiles(ws.cache)).toEqual([]);
    expect(existsSync(ws.cache)).toBe(false);
  });

  test("doctor reports a working DuckDB; the first start extracts the library once, the second extracts nothing", async () => {
    const ws = binaryWorkspace();
    const first = await runBinary(ws, ["doctor", "--json"]);
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    const d1 = doctorOf(first.stdout);
    expect(d1.ok).toBe(true);
    expect(check(d1, "duckdb")?.value).toMatch(/^v1\.\d+\.\d+ \(opened a database file and ran a query: ok\)$/);
    expect(check(d1, "native library")?.value).toContain("embedded, extracted now");
    expect(check(d1, "native library")?.value).toContain(join(ws.cache, "finops", "native"));
    expect(check(d1, "database")?.value).toContain(join(ws.dir, "data", "finops.duckdb"));
    const files = cacheFiles(ws.cache);
    expect(files.filter((f) => f.endsWith("duckdb.node") || f.endsWith("libduckdb.so"))).toHaveLength(2);
    expect(files.some((f) => f.includes(".tmp"))).toBe(false);
    const mtimes = files.map((f) => statSync(join(ws.cache, f)).mtimeMs);

    const second = await runBinary(ws, ["doctor", "--json"]);
    expect(second.exitCode).toBe(0);
    const d2 = doctorOf(second.stdout);
    expect(check(d2, "native library")?.value).not.toContain("extracted now");
    expect(check(d2, "native library")?.value).toContain("SHA-256 of both files matches");
    expect(cacheFiles(ws.cache)).toEqual(files);
    expect(files.map((f) => statSync(join(ws.cache, f)).mtimeMs)).toEqual(mtimes);
    // The scratch database doctor opened is gone, and doctor created no database.
    expect(readdirSync(ws.dir).sort()).toEqual(["finops", "home"]);
  });

  test("DuckDB's allocator starts with finops' options, or with the user's from DUCKDB_JE_MALLOC_CONF", async () => {
    // What the import's peak RSS depends on (src/store/allocator.ts; the effect is measured by scripts/bench.ts).
    const ws = binaryWorkspace();
    const ours = await runBinary(ws, ["doctor", "--json"]);
    expect(ours.exitCode).toBe(0);
    expect(check(doctorOf(ours.stdout), "duckdb allocator")?.value).toBe(
      `jemalloc ${ALLOCATOR_CONF} (finops' default; DUCKDB_JE_MALLOC_CONF chooses others)`,
    );
    const theirs = await runBinary(ws, ["doctor", "--json"], { env: { DUCKDB_JE_MALLOC_CONF: "dirty_decay_ms:5000" } });
    expect(theirs.exitCode).toBe(0);
    expect(check(doctorOf(theirs.stdout), "duckdb allocator")?.value).toBe("jemalloc dirty_decay_ms:5000 (from DUCKDB_JE_MALLOC_CONF)");
    // A value jemalloc cannot read: jemalloc warns on stderr and keeps its defaults; doctor fails the check and says why.
    const garbled = await runBinary(ws, ["doctor", "--json"], { env: { DUCKDB_JE_MALLOC_CONF: "garbage" } });
    expect(garbled.exitCode).toBe(1);
    const failed = check(doctorOf(garbled.stdout), "duckdb allocator");
    expect(failed?.ok).toBe(false);
    expect(failed?.value).toBe('DUCKDB_JE_MALLOC_CONF="garbage" is not jemalloc options: DuckDB\'s allocator keeps its own defaults');
    expect(garbled.stderr).toContain("duckdb allocator: DUCKDB_JE_MALLOC_CONF=\"garbage\" is not jemalloc options");
    expect(garbled.stderr).toContain("write name:value pairs separated by commas");
  });

  test("two first starts at the same moment both succeed", async () => {
    const ws = binaryWorkspace();
    const results = await Promise.all([1, 2, 3].map(() => runBinary(ws, ["doctor", "--json"])));
    for (const r of results) {
      expect(r.exitCode).toBe(0);
      expect(check(doctorOf(r.stdout), "duckdb")?.ok).toBe(true);
    }
    const files = cacheFiles(ws.cache);
    expect(files.filter((f) => f.endsWith("duckdb.node") || f.endsWith("libduckdb.so"))).toHaveLength(2);
    expect(files.some((f) => f.includes(".tmp"))).toBe(false);
  });

  test("a damaged (truncated) cached library is extracted again", async () => {
    const ws = binaryWorkspace();
    expect((await runBinary(ws, ["doctor", "--json"])).exitCode).toBe(0);
    const lib = cacheFiles(ws.cache).find((f) => f.endsWith("libduckdb.so"));
    expect(lib).toBeDefined();
    const full = statSync(join(ws.cache, lib!)).size;
    truncateSync(join(ws.cache, lib!), 1000);
    const again = await runBinary(ws, ["doctor", "--json"]);
    expect(again.exitCode).toBe(0);
    expect(check(doctorOf(again.stdout), "native library")?.value).toContain("extracted now");
    expect(statSync(join(ws.cache, lib!)).size).toBe(full);
  });

  test("uses a library installed beside the binary (packaged layout) and extracts nothing", async () => {
    const ws = binaryWorkspace();
    // ../lib/finops/ next to the binary, as the .deb lays it out.
    const { cpSync, mkdirSync } = await import("node:fs");
    const { repoRoot } = await import("./helpers/cli.ts");
    const bindings = join(repoRoot, "node_modules", "@duckdb", `node-bindings-${process.platform}-${process.arch}`);
    mkdirSync(join(ws.dir, "bin"));
    mkdirSync(join(ws.dir, "lib", "finops"), { recursive: true });
    cpSync(ws.bin, join(ws.dir, "bin", "finops")); // a real copy: the packaged binary
    for (const f of ["duckdb.node", "libduckdb.so"]) cpSync(join(bindings, f), join(ws.dir, "lib", "finops", f));
    const r = await runBinary({ ...ws, bin: join(ws.dir, "bin", "finops") }, ["doctor", "--json"]);
    expect(r.exitCode).toBe(0);
    const d = doctorOf(r.stdout);
    expect(check(d, "duckdb")?.ok).toBe(true);
    expect(check(d, "native library")?.value).toContain(`${join(ws.dir, "bin", "..", "lib", "finops")} (packaged`);
    expect(existsSync(ws.cache)).toBe(false);
  });

  test("an unknown flag exits 2, message on stderr, nothing on stdout", async () => {
    const ws = binaryWorkspace({ copy: false });
    const r = await runBinary(ws, ["doctor", "--frob"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('finops: Unsupported option name ("--frob")');
  });
});
