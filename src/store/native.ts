/**
 * Loading DuckDB's native addon in the compiled binary.
 *
 * `@duckdb/node-bindings` ships `duckdb.node`, which needs `libduckdb.so` (or `.dylib`) beside it (its RUNPATH is
 * `$ORIGIN`). `bun build --compile` can embed files but loads an embedded addon from a temporary path without the
 * library, so the build replaces `@duckdb/node-bindings` by a small generated module that embeds both files and calls
 * `loadEmbeddedDuckDB` below. At run time that:
 *   1. uses the files installed beside the binary when a package put them there (`../lib/finops/` or the binary's own
 *      folder), extracting nothing;
 *   2. else places both files once in a versioned cache folder (`$XDG_CACHE_HOME/finops/native/<key>/`, default
 *      `~/.cache/finops/…`; config/tuning.ts resolves it), each written to a unique temporary name, checked against its SHA-256 and renamed into
 *      place, so two first starts at the same moment both succeed; every later start only compares sizes and the
 *      marker written after a verified extraction (`finops doctor` re-hashes the files);
 *   3. loads the addon with `process.dlopen` from there.
 * In development (bun run / bun test) the ordinary package is used and `nativeInfo` says so.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface NativeInfo {
  /** embedded: extracted from the binary into the cache; packaged: installed beside the binary; node_modules: development. */
  source: "embedded" | "packaged" | "node_modules";
  dir: string;
  /** True when this start wrote the files (first start, or a damaged cache was repaired). */
  extracted: boolean;
}

export interface EmbeddedFile {
  /** Path of the embedded file inside the binary. */
  path: string;
  name: string;
  size: number;
  sha256: string;
}

export interface EmbeddedSpec {
  /** Names the cache folder: finops version, DuckDB bindings version, platform, content hash. */
  key: string;
  addon: EmbeddedFile;
  lib: EmbeddedFile;
}

/** `cacheRoot` is set by the entry (main.ts) from config/tuning.ts's `nativeCacheRoot` before DuckDB is loaded. */
export const native: { info?: NativeInfo; spec?: EmbeddedSpec; cacheRoot?: string } = {};

const MARKER = "verified.json";

export function packagedDirs(execPath: string = process.execPath): string[] {
  const exeDir = dirname(execPath);
  return [join(exeDir, "..", "lib", "finops"), exeDir];
}

function dlopen(path: string): unknown {
  const mod = { exports: {} as unknown };
  process.dlopen(mod as { exports: unknown }, path);
  return mod.exports;
}

function sizeMatches(path: string, size: number): boolean {
  try {
    return statSync(path).size === size;
  } catch {
    return false;
  }
}

function isPlaced(dir: string, spec: EmbeddedSpec): boolean {
  return (
    existsSync(join(dir, MARKER)) &&
    sizeMatches(join(dir, spec.addon.name), spec.addon.size) &&
    sizeMatches(join(dir, spec.lib.name), spec.lib.size)
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function placeFile(dir: string, file: EmbeddedFile): void {
  const bytes = readFileSync(file.path);
  if (bytes.length !== file.size || sha256(bytes) !== file.sha256) {
    throw new Error(`the DuckDB library embedded in this finops binary is damaged (${file.name}); download finops again`);
  }
  const tmp = join(dir, `.${file.name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, bytes, { mode: 0o755 });
    renameSync(tmp, join(dir, file.name));
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Extract (when needed) and load the embedded addon. Called once, by the generated replacement of the bindings. */
export function loadEmbeddedDuckDB(spec: EmbeddedSpec): unknown {
  native.spec = spec;
  for (const dir of packagedDirs()) {
    if (existsSync(join(dir, spec.addon.name)) && existsSync(join(dir, spec.lib.name))) {
      native.info = { source: "packaged", dir, extracted: false };
      return dlopen(join(dir, spec.addon.name));
    }
  }
  const dir = join(native.cacheRoot ?? join(homedir(), ".cache", "finops"), "native", spec.key);
  let extracted = false;
  if (!isPlaced(dir, spec)) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      rmSync(join(dir, MARKER), { force: true });
      placeFile(dir, spec.lib);
      placeFile(dir, spec.addon);
      const marker = join(dir, `.${MARKER}.${process.pid}.tmp`);
      writeFileSync(marker, JSON.stringify({ addon: spec.addon.sha256, lib: spec.lib.sha256 }));
      renameSync(marker, join(dir, MARKER));
      extracted = true;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot place DuckDB's native library in ${dir}: ${reason} (set XDG_CACHE_HOME to a writable folder)`);
    }
  }
  native.info = { source: "embedded", dir, extracted };
  return dlopen(join(dir, spec.addon.name));
}

/** Re-hash the files in use against what the binary embeds (for `finops doctor`). */
export function verifyNativeFiles(): { ok: boolean; detail: string } {
  const { info, spec } = native;
  if (!info || !spec || info.source !== "embedded") return { ok: true, detail: "not extracted (nothing to verify)" };
  for (const file of [spec.addon, spec.lib]) {
    const path = join(info.dir, file.name);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch {
      return { ok: false, detail: `${path} is missing` };
    }
    if (bytes.length !== file.size || sha256(bytes) !== file.sha256) {
      return { ok: false, detail: `${path} is damaged (size or SHA-256 differs from the embedded copy)` };
    }
  }
  return { ok: true, detail: "SHA-256 of both files matches the embedded copy" };
}
