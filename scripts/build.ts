#!/usr/bin/env bun
/**
 * Builds the single `finops` binary with `bun build --compile`, DuckDB's native addon and library embedded.
 *
 *   bun scripts/build.ts            dist/finops for this machine
 *
 * `@duckdb/node-bindings` picks its platform package with per-platform `require`s that cannot be bundled, and its
 * addon needs `libduckdb` beside it. A build plugin replaces that module by a generated one that embeds the target
 * platform's `duckdb.node` and library (`with { type: "file" }`) and hands them to `loadEmbeddedDuckDB`
 * (src/store/native.ts), which places them in a versioned cache folder at first use.
 */
import type { BunPlugin } from "bun";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

export interface Target {
  /** Bun's compile target, e.g. bun-linux-x64-baseline. */
  bun: string;
  /** Suffix of the @duckdb/node-bindings-<platform> package. */
  duckdb: string;
  libName: string;
}

export function hostTarget(): Target {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  if (process.platform === "darwin") return { bun: `bun-darwin-${arch}`, duckdb: `darwin-${arch}`, libName: "libduckdb.dylib" };
  return {
    bun: arch === "x64" ? "bun-linux-x64-baseline" : "bun-linux-arm64",
    duckdb: `linux-${arch}`,
    libName: "libduckdb.so",
  };
}

function describe(path: string, name: string) {
  const bytes = readFileSync(path);
  return { path, name, size: statSync(path).size, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** The plugin that swaps `@duckdb/node-bindings` for an embedding loader of the given bindings folder. */
export function embeddedDuckDBPlugin(bindingsDir: string, libName: string, platform: string): BunPlugin {
  const addon = describe(join(bindingsDir, "duckdb.node"), "duckdb.node");
  const lib = describe(join(bindingsDir, libName), libName);
  const bindingsVersion = JSON.parse(readFileSync(join(bindingsDir, "package.json"), "utf8")).version as string;
  const key = `${pkg.version}-duckdb-${bindingsVersion}-${platform}-${createHash("sha256").update(addon.sha256 + lib.sha256).digest("hex").slice(0, 12)}`;
  const loader = join(root, "src", "store", "native.ts");
  const source = `
import addonPath from ${JSON.stringify(addon.path)} with { type: "file" };
import libPath from ${JSON.stringify(lib.path)} with { type: "file" };
import { loadEmbeddedDuckDB } from ${JSON.stringify(loader)};
const binding = loadEmbeddedDuckDB({
  key: ${JSON.stringify(key)},
  addon: { path: addonPath, name: "duckdb.node", size: ${addon.size}, sha256: ${JSON.stringify(addon.sha256)} },
  lib: { path: libPath, name: ${JSON.stringify(libName)}, size: ${lib.size}, sha256: ${JSON.stringify(lib.sha256)} },
});
module.exports = binding;
`;
  return {
    name: "finops-embedded-duckdb",
    setup(build) {
      build.onResolve({ filter: /^@duckdb\/node-bindings$/ }, () => ({ path: "duckdb-bindings", namespace: "finops-native" }));
      build.onLoad({ filter: /.*/, namespace: "finops-native" }, () => ({ contents: source, loader: "js" }));
    },
  };
}

export async function buildBinary(opts: { target: Target; outfile: string; bindingsDir: string }): Promise<void> {
  mkdirSync(dirname(opts.outfile), { recursive: true });
  const result = await Bun.build({
    entrypoints: [join(root, "main.ts")],
    compile: {
      target: opts.target.bun as Bun.Build.CompileTarget,
      outfile: opts.outfile,
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    minify: true,
    sourcemap: "none",
    plugins: [embeddedDuckDBPlugin(opts.bindingsDir, opts.target.libName, opts.target.duckdb)],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build failed for ${opts.target.bun}`);
  }
}

if (import.meta.main) {
  const target = hostTarget();
  const bindingsDir = join(root, "node_modules", "@duckdb", `node-bindings-${target.duckdb}`);
  if (!existsSync(bindingsDir)) {
    console.error(`missing ${bindingsDir}: run npm ci first`);
    process.exit(1);
  }
  const outfile = join(root, "dist", "finops");
  const started = performance.now();
  await buildBinary({ target, outfile, bindingsDir });
  const mb = (statSync(outfile).size / 1024 / 1024).toFixed(1);
  console.error(`built dist/finops (${target.bun}, ${mb} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
