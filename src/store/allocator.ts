/**
 * How soon DuckDB's allocator gives freed memory back to the system.
 *
 * On Linux DuckDB allocates through its own copy of jemalloc, which keeps freed pages for seconds before returning
 * them (its dirty and muzzy decay), so a load that keeps DuckDB at its memory limit holds, beside the limit, the pages
 * it freed in the last seconds: the process's RSS runs well over the limit. With dirty pages returned after 100 ms and
 * no muzzy stage, measured on this project's 2-core machine in one process with DuckDB alone (peak anonymous RSS while
 * loading; README, Performance has the whole import):
 *   - a 10,000,000-row legacy CSV (one 939 MB gzip file), 2 threads at 230 MB: 385–403 MiB → 257–271 MiB, as fast;
 *   - a 1,000,000-row one (4 files), 2 threads at 230 MB: 285–292 MiB → 278–286 MiB, 4.8–4.9 s either way;
 *   - returning them at once (0 ms) was leaner still (260 MiB on the small one) but 15–20 % slower.
 * jemalloc reads its options from `DUCKDB_JE_MALLOC_CONF` (its MALLOC_CONF, under DuckDB's prefix) in the C
 * environment when it starts, at DuckDB's first allocation. Bun's `process.env` is not the C environment, so the value
 * is set with libc's setenv, before DuckDB's library loads (store/duckdb.ts). A value the user set is kept.
 */

/** finops' jemalloc options for DuckDB (see above). */
export const ALLOCATOR_CONF = "dirty_decay_ms:100,muzzy_decay_ms:0";
export const ALLOCATOR_VARIABLE = "DUCKDB_JE_MALLOC_CONF";
/** DuckDB bundles jemalloc on Linux only; elsewhere it uses the system's allocator and the variable is not read. */
const USES_JEMALLOC = process.platform === "linux";

export interface AllocatorState {
  /** finops: this module set the options; user: the environment had them; none: not on this platform, or setenv failed. */
  origin: "finops" | "user" | "none";
}

/** Set by the entry (main.ts) from the environment before DuckDB loads; applied once by applyAllocatorConf. */
export const allocator: { userConf?: string; wanted: boolean; state?: AllocatorState } = { wanted: false };

/** libc's setenv and getenv, the C environment DuckDB's library reads; undefined where they cannot be reached. */
async function withLibc<T>(use: (libc: { setenv(name: string, value: string): boolean; getenv(name: string): string | undefined }) => T): Promise<T | undefined> {
  if (!USES_JEMALLOC) return undefined;
  try {
    const { dlopen, FFIType, CString } = await import("bun:ffi");
    const lib = dlopen("libc.so.6", {
      setenv: { args: [FFIType.cstring, FFIType.cstring, FFIType.i32], returns: FFIType.i32 },
      getenv: { args: [FFIType.cstring], returns: FFIType.ptr },
    });
    const c = (text: string) => Buffer.from(`${text}\0`);
    try {
      return use({
        setenv: (name, value) => lib.symbols.setenv(c(name), c(value), 1) === 0,
        getenv: (name) => {
          const ptr = lib.symbols.getenv(c(name));
          return ptr ? new CString(ptr).toString() : undefined;
        },
      });
    } finally {
      lib.close();
    }
  } catch {
    // Not glibc (musl's libc has another name), or no FFI: DuckDB keeps jemalloc's defaults.
    return undefined;
  }
}

/** Put the options into the C environment, once, before DuckDB's library loads. Never throws: memory, not results. */
export async function applyAllocatorConf(): Promise<AllocatorState> {
  if (allocator.state) return allocator.state;
  if (!allocator.wanted) return (allocator.state = { origin: "none" });
  if (allocator.userConf !== undefined) return (allocator.state = { origin: "user" });
  const set = await withLibc((libc) => libc.setenv(ALLOCATOR_VARIABLE, ALLOCATOR_CONF));
  return (allocator.state = { origin: set ? "finops" : "none" });
}

/**
 * Whether `conf` is written as jemalloc reads its options: `name:value` pairs separated by commas, a name of letters,
 * digits and underscores (jemalloc's malloc_conf grammar; a value may hold colons, as in `bin_shards:1-160:16`).
 * jemalloc itself only warns on stderr about a string it cannot read and keeps its defaults, so doctor says so.
 * Whether a well-written name is one jemalloc knows is not checked here.
 */
export function allocatorConfIsWellFormed(conf: string): boolean {
  return conf.split(",").every((pair) => /^[A-Za-z0-9_]+:[^,]+$/.test(pair));
}

/**
 * What an import says once, before it loads, when the user's DUCKDB_JE_MALLOC_CONF is not jemalloc options: jemalloc
 * then keeps its defaults, the import may hold 100–140 MiB more than its memory limit (README, Performance), and
 * jemalloc's own two lines on stderr do not say which variable to mend. undefined when there is nothing to say.
 */
export function allocatorWarning(): string | undefined {
  const conf = allocator.userConf;
  if (!USES_JEMALLOC || conf === undefined || allocatorConfIsWellFormed(conf)) return undefined;
  return `${notOptions(conf)}, so the import may hold more memory — ${MEND}`;
}

const notOptions = (conf: string) => `${ALLOCATOR_VARIABLE}=${JSON.stringify(conf)} is not jemalloc options: DuckDB's allocator keeps its own defaults`;
const MEND = `write name:value pairs separated by commas (finops' default is ${ALLOCATOR_CONF}), or unset ${ALLOCATOR_VARIABLE}`;

/** For `finops doctor`: the options DuckDB's allocator started with, read back from the C environment, and whence. */
export async function describeAllocator(): Promise<{ ok: boolean; value: string; fix?: string }> {
  const origin = allocator.state?.origin ?? "none";
  const seen = await withLibc((libc) => libc.getenv(ALLOCATOR_VARIABLE));
  if (origin === "none" || seen === undefined) return { ok: true, value: "DuckDB's own defaults" };
  const from = origin === "finops" ? `finops' default; ${ALLOCATOR_VARIABLE} chooses others` : `from ${ALLOCATOR_VARIABLE}`;
  if (!allocatorConfIsWellFormed(seen)) {
    return { ok: false, value: notOptions(seen), fix: MEND };
  }
  return { ok: true, value: `jemalloc ${seen} (${from})` };
}
