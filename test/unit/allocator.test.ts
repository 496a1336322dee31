import { describe, expect, test } from "bun:test";
import { ALLOCATOR_CONF, allocator, allocatorConfIsWellFormed, allocatorWarning } from "../../src/store/allocator.ts";

describe("DUCKDB_JE_MALLOC_CONF as jemalloc reads it (name:value pairs, commas between)", () => {
  test("finops' own options and values that hold colons are well formed", () => {
    expect(allocatorConfIsWellFormed(ALLOCATOR_CONF)).toBe(true);
    expect(allocatorConfIsWellFormed("dirty_decay_ms:5000")).toBe(true);
    expect(allocatorConfIsWellFormed("narenas:4,bin_shards:1-160:16")).toBe(true);
  });

  test("a name without a value, an empty pair, a trailing comma or an empty string are not", () => {
    for (const conf of ["garbage", "", "dirty_decay_ms:100,", ",dirty_decay_ms:100", "dirty_decay_ms:", ":100", "dirty decay:100"]) {
      expect({ conf, ok: allocatorConfIsWellFormed(conf) }).toEqual({ conf, ok: false });
    }
  });
});

describe("the import's warning about DUCKDB_JE_MALLOC_CONF", () => {
  test("only for a value the user set that jemalloc cannot read, and only where DuckDB uses jemalloc (Linux)", () => {
    const saved = allocator.userConf;
    try {
      allocator.userConf = "garbage";
      expect(allocatorWarning()).toBe(
        process.platform === "linux"
          ? `DUCKDB_JE_MALLOC_CONF="garbage" is not jemalloc options: DuckDB's allocator keeps its own defaults, so the import may hold more memory — write name:value pairs separated by commas (finops' default is ${ALLOCATOR_CONF}), or unset DUCKDB_JE_MALLOC_CONF`
          : undefined,
      );
      allocator.userConf = "dirty_decay_ms:5000";
      expect(allocatorWarning()).toBeUndefined();
      allocator.userConf = undefined;
      expect(allocatorWarning()).toBeUndefined();
    } finally {
      allocator.userConf = saved;
    }
  });
});
