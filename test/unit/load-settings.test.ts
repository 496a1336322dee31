import { describe, expect, test } from "bun:test";
import { parseMemorySize } from "../../src/config/tuning.ts";
import { FIRST_ATTEMPT_CEILING, loadAttempts, loadNeed, memorySizeText } from "../../src/cur/load-settings.ts";

const GiB = 1024 ** 3;
const base = { threads: 2, memoryLimitBytes: 224e6, memoryLimitFromUser: false, totalMemoryBytes: 24 * GiB };

describe("load settings chosen from the period's columns", () => {
  test("a narrow period (94 or 125 columns) loads on every thread with the limit those threads need", () => {
    // a noisy 125-column CUR 2.0 CSV period (4 MAP columns from JSON text) ran out of memory on two threads at 224,
    // 240 and 262 MB and once in five runs at 313 MB; never at 350 MB
    expect(loadAttempts({ ...base, columns: 125, shape: { format: "csv", mapColumns: 4 } })[0]).toEqual({ threads: 2, memoryLimitBytes: 350e6 });
    // the MAP columns are what it needs more for than a legacy CSV of as many columns
    expect(loadAttempts({ ...base, columns: 125 })[0]).toEqual({ threads: 2, memoryLimitBytes: 262e6 });
    // a 97-column legacy CSV loaded on two threads at 230 MB
    expect(loadAttempts({ ...base, columns: 97 })[0]).toEqual({ threads: 2, memoryLimitBytes: 230e6 });
    const [first, ...rest] = loadAttempts({ ...base, columns: 94 });
    expect(first).toEqual({ threads: 2, memoryLimitBytes: 226e6 });
    expect(loadNeed(94, 2)).toBeLessThan(FIRST_ATTEMPT_CEILING);
    // then as many threads with a quarter more, then one thread with the first limit, then doubling up to 4 GiB
    expect(rest[0]).toEqual({ threads: 2, memoryLimitBytes: 283e6 });
    expect(rest[1]).toEqual({ threads: 1, memoryLimitBytes: first.memoryLimitBytes });
    expect(rest.at(-1)!.memoryLimitBytes).toBe(4 * GiB);
  });

  test("out of memory on two threads: again on two with a quarter more, never past the first attempt's ceiling", () => {
    // a 10,000,000-row legacy CSV ran out of memory at 230 MB on two threads beside a 3 GB write, loaded at 250 and 260
    expect(loadAttempts({ ...base, columns: 97 }).slice(0, 3)).toEqual([
      { threads: 2, memoryLimitBytes: 230e6 },
      { threads: 2, memoryLimitBytes: 288e6 },
      { threads: 1, memoryLimitBytes: 230e6 },
    ]);
    // the CUR 2.0 CSV's 350 MB would become 437.5: capped at 400 MB
    expect(loadAttempts({ ...base, columns: 125, shape: { format: "csv", mapColumns: 4 } })[1]).toEqual({ threads: 2, memoryLimitBytes: FIRST_ATTEMPT_CEILING });
    // a first attempt already at the ceiling goes straight to one thread
    const atCeiling = loadAttempts({ ...base, columns: 97, memoryLimitBytes: FIRST_ATTEMPT_CEILING });
    expect(atCeiling.slice(0, 2)).toEqual([
      { threads: 2, memoryLimitBytes: FIRST_ATTEMPT_CEILING },
      { threads: 1, memoryLimitBytes: FIRST_ATTEMPT_CEILING },
    ]);
  });

  test("a tiny period keeps the configured limit", () => {
    expect(loadAttempts({ ...base, columns: 10 })[0]).toEqual({ threads: 2, memoryLimitBytes: 224e6 });
  });

  test("a 400-column period (300 tags) starts on one thread, with what one thread needs", () => {
    // measured: out of memory at once at 400 MB on two threads and at 250 MB on one; loaded on one at 300 MB as fast
    // as at 400 MB, 125 MiB leaner
    expect(loadNeed(397, 2)).toBeGreaterThan(FIRST_ATTEMPT_CEILING);
    const attempts = loadAttempts({ ...base, columns: 397 });
    expect(attempts[0]).toEqual({ threads: 1, memoryLimitBytes: 313e6 });
    expect(attempts.slice(1).map((a) => a.memoryLimitBytes)).toEqual([626e6, 1252e6, 2504e6, 4 * GiB]);
    expect(attempts.every((a) => a.threads === 1)).toBe(true);
  });

  test("escalation stops at a quarter of the machine's memory", () => {
    const attempts = loadAttempts({ ...base, columns: 397, totalMemoryBytes: 2 * GiB });
    expect(attempts.map((a) => a.memoryLimitBytes)).toEqual([313e6, 512 * 1024 ** 2]);
  });

  test("a limit the user chose is never raised; several threads still fall back to one", () => {
    expect(loadAttempts({ ...base, columns: 397, memoryLimitFromUser: true })).toEqual([
      { threads: 2, memoryLimitBytes: 224e6 },
      { threads: 1, memoryLimitBytes: 224e6 },
    ]);
    expect(loadAttempts({ ...base, threads: 1, columns: 397, memoryLimitFromUser: true })).toEqual([{ threads: 1, memoryLimitBytes: 224e6 }]);
  });

  test("a large configured limit is kept as it is when it already covers the need", () => {
    expect(loadAttempts({ ...base, columns: 397, memoryLimitBytes: 2e9 })[0]).toEqual({ threads: 2, memoryLimitBytes: 2e9 });
  });
});

describe("load settings chosen from a Parquet period's row groups", () => {
  const parquet = (largestRowGroupBytes: number, rowGroups: number) => ({ format: "parquet" as const, largestRowGroupBytes, rowGroups });

  test("narrow Parquet with row groups of 122,880 rows keeps the configured limit on every thread", () => {
    // 94-125 columns, ~12 MB row groups: loaded on two threads at 200 MB as fast as at 313 MB and 60-120 MiB leaner
    const attempts = loadAttempts({ ...base, columns: 125, shape: parquet(12e6, 32) });
    expect(attempts[0]).toEqual({ threads: 2, memoryLimitBytes: 224e6 });
    expect(attempts[1]).toEqual({ threads: 2, memoryLimitBytes: 280e6 });
    expect(attempts[2]).toEqual({ threads: 1, memoryLimitBytes: 224e6 });
    expect(loadNeed(125, 2, parquet(12e6, 32))).toBeLessThan(loadNeed(125, 2));
  });

  test("one 1,000,000-row group (93 MB compressed) is read by one thread: the limit rises past 224 MB, not to CSV's 313 MB", () => {
    // measured: out of memory at 200 MB on two threads and on one, loaded at 224 MB
    const attempts = loadAttempts({ ...base, columns: 125, shape: parquet(93e6, 1) });
    expect(attempts[0].threads).toBe(2);
    expect(attempts[0].memoryLimitBytes).toBe(228e6);
    expect(loadNeed(125, 2, parquet(93e6, 1))).toBe(loadNeed(125, 1, parquet(93e6, 1)) + 125 * 0.5 * 1024 ** 2);
  });

  test("several large row groups count once per reading thread", () => {
    expect(loadNeed(125, 2, parquet(93e6, 4)) - loadNeed(125, 2, parquet(93e6, 1))).toBe(93e6 * 0.5);
  });

  test("a footer that could not be read falls back to the per-column estimate", () => {
    expect(loadNeed(125, 2, parquet(0, Number.POSITIVE_INFINITY))).toBe(48 * 1024 ** 2 + 125 * 2 * 0.5 * 1024 ** 2);
  });

  test("a limit the user chose is kept for Parquet too", () => {
    expect(loadAttempts({ ...base, columns: 125, memoryLimitBytes: 150e6, memoryLimitFromUser: true, shape: parquet(93e6, 1) })[0]).toEqual({
      threads: 2,
      memoryLimitBytes: 150e6,
    });
  });
});

describe("memory sizes in DuckDB's units", () => {
  test.each([
    ["224MB", 224e6],
    ["1GB", 1e9],
    ["1.5 GiB", 1.5 * GiB],
    ["512MiB", 512 * 1024 ** 2],
  ])("%s", (text, bytes) => expect(parseMemorySize(text as string)).toBe(bytes as number));
  test("bad text", () => expect(() => parseMemorySize("lots")).toThrow("not a memory size"));
  test("printed", () => {
    expect(memorySizeText(2e9)).toBe("2GB");
    expect(memorySizeText(400e6)).toBe("400MB");
  });
});
