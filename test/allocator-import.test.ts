/**
 * A DUCKDB_JE_MALLOC_CONF that is not jemalloc options: jemalloc keeps its defaults and prints two lines of its own that
 * do not say which variable to mend; the compiled binary's import says so once, in one line, and imports all the same.
 * Before, only `finops doctor` explained it (test/binary.test.ts), and an import printed jemalloc's lines alone.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryWorkspace, removeWorkspaces, runBinary } from "./helpers/cli.ts";
import { periodTotals } from "./helpers/db.ts";
import { putTwoRowLegacyPeriod } from "./helpers/exports.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    await putTwoRowLegacyPeriod(s3, { bucket: "alloc", prefix: "cur", name: "alloc" });
  },
  teardown: removeWorkspaces,
});

const WARNING = 'DUCKDB_JE_MALLOC_CONF="garbage" is not jemalloc options: DuckDB\'s allocator keeps its own defaults, so the import may hold more memory';

describe("the import and DuckDB's allocator options", () => {
  test("a malformed DUCKDB_JE_MALLOC_CONF: one warning naming the variable and the mend, and the period imports", async () => {
    const ws = binaryWorkspace();
    const db = join(ws.dir, "f.duckdb");
    const args = ["aws", "import-cur", "-b", "alloc", "-p", "cur", "-e", "alloc", "-d", db];
    const r = await runBinary(ws, args, { env: { ...server.s3.env, DUCKDB_JE_MALLOC_CONF: "garbage" } });
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split(WARNING)).toHaveLength(2); // exactly once
    expect(r.stderr).toContain("write name:value pairs separated by commas (finops' default is dirty_decay_ms:100,muzzy_decay_ms:0), or unset DUCKDB_JE_MALLOC_CONF");
    expect(await periodTotals(db, "alloc", "lineItem_UnblendedCost")).toEqual({ "2025-08": { rows: 2, cost: 4 } });

    // Well-formed options the user chose, and finops' own: no warning.
    const theirs = await runBinary(ws, [...args, "--force"], { env: { ...server.s3.env, DUCKDB_JE_MALLOC_CONF: "dirty_decay_ms:5000" } });
    expect(theirs.exitCode).toBe(0);
    expect(theirs.stderr).not.toContain("jemalloc");
    const ours = await runBinary(ws, [...args, "--force"], { env: server.s3.env });
    expect(ours.exitCode).toBe(0);
    expect(ours.stderr).not.toContain("jemalloc");
    expect(ours.stderr).toContain("imported 2 rows");
  }, 60_000);
});
