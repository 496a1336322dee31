#!/usr/bin/env bun
/**
 * Builds the single `finops` binary with `bun build --compile`, DuckDB's native addon and library embedded.
 *
 *   bun scripts/build.ts            dist/finops for this machine
 *   bun scripts/build.ts --release  dist/release/: a tarball per platform (linux-x64 on Bun's baseline target,
 *                                   linux-arm64, darwin-x64, darwin-arm64), .deb packages for amd64 and arm64,
 *                                   sha256sums.txt, Formula/finops.rb and install.sh
 *                                   (--targets linux-x64,… picks platforms)
 *
 * `@duckdb/node-bindings` picks its platform package with per-platform `require`s that cannot be bundled, and its
 * addon needs `libduckdb` beside it. A build plugin replaces that module by a generated one that embeds the target
 * platform's `duckdb.node` and library (`with { type: "file" }`) and hands them to `loadEmbeddedDuckDB`
 * (src/store/native.ts), which places them in a versioned cache folder at first use.
 */
import type { BunPlugin } from "bun";
import type { ReleaseTarget } from "./packaging.ts";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

export const RELEASE_TARGETS: Record<string, Target & ReleaseTarget> = {
  "linux-x64": { id: "linux-x64", os: "linux", arch: "x64", bun: "bun-linux-x64-baseline", duckdb: "linux-x64", libName: "libduckdb.so" },
  "linux-arm64": { id: "linux-arm64", os: "linux", arch: "arm64", bun: "bun-linux-arm64", duckdb: "linux-arm64", libName: "libduckdb.so" },
  "darwin-x64": { id: "darwin-x64", os: "darwin", arch: "x64", bun: "bun-darwin-x64", duckdb: "darwin-x64", libName: "libduckdb.dylib" },
  "darwin-arm64": { id: "darwin-arm64", os: "darwin", arch: "arm64", bun: "bun-darwin-arm64", duckdb: "darwin-arm64", libName: "libduckdb.dylib" },
};

/** The DuckDB bindings of a platform: node_modules for this machine's, else `npm pack` from the registry (cached). */
export function bindingsFor(target: Target): string {
  const local = join(root, "node_modules", "@duckdb", `node-bindings-${target.duckdb}`);
  if (existsSync(join(local, target.libName))) return local;
  const version = JSON.parse(readFileSync(join(root, "node_modules", "@duckdb", "node-bindings", "package.json"), "utf8")).version as string;
  const dir = join(root, ".cache", "release", "bindings", `${target.duckdb}-${version}`);
  if (!existsSync(join(dir, "package", target.libName))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pack = Bun.spawnSync(["npm", "pack", `@duckdb/node-bindings-${target.duckdb}@${version}`, "--silent"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    if (pack.exitCode !== 0) throw new Error(`npm pack @duckdb/node-bindings-${target.duckdb}@${version} failed: ${pack.stderr}`);
    const tgz = pack.stdout.toString().trim().split("\n").pop()!;
    const untar = Bun.spawnSync(["tar", "xzf", tgz], { cwd: dir });
    if (untar.exitCode !== 0) throw new Error(`cannot unpack ${tgz}`);
    rmSync(join(dir, tgz));
  }
  return join(dir, "package");
}

async function release(ids: string[]): Promise<void> {
  const { formula, readChecksums, releaseBaseUrl, writeChecksums, writeDeb, writeTarball } = await import("./packaging.ts");
  const out = join(root, "dist", "release");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "bin"), { recursive: true });
  const targets = ids.map((id) => {
    const t = RELEASE_TARGETS[id];
    if (!t) throw new Error(`unknown target ${id} (known: ${Object.keys(RELEASE_TARGETS).join(", ")})`);
    return t;
  });
  const artefacts: string[] = [];
  for (const t of targets) {
    const started = performance.now();
    const bindingsDir = bindingsFor(t);
    const binary = join(out, "bin", `finops-${t.id}`);
    await buildBinary({ target: t, outfile: binary, bindingsDir });
    artefacts.push(writeTarball({ root, out, version: pkg.version, target: t, binary }));
    if (t.os === "linux") {
      artefacts.push(writeDeb({ root, out, version: pkg.version, arch: t.arch === "x64" ? "amd64" : "arm64", binary, bindingsDir, libName: t.libName }));
    }
    console.error(`${t.id}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const sums = writeChecksums(out, artefacts);
  if (targets.length === Object.keys(RELEASE_TARGETS).length) {
    mkdirSync(join(out, "Formula"), { recursive: true });
    writeFileSync(join(out, "Formula", "finops.rb"), formula(pkg.version, releaseBaseUrl(pkg.version), readChecksums(sums)));
  }
  copyFileSync(join(root, "install.sh"), join(out, "install.sh"));
  console.error(`release ${pkg.version} in dist/release: ${artefacts.map((a) => a.slice(out.length + 1)).join(", ")}`);
}

if (import.meta.main && process.argv.includes("--release")) {
  const i = process.argv.indexOf("--targets");
  await release(i >= 0 ? process.argv[i + 1].split(",") : Object.keys(RELEASE_TARGETS));
} else if (import.meta.main) {
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
