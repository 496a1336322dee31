/**
 * Release artefacts from compiled binaries: tarballs and sha256sums.txt, Debian packages (dpkg-deb), the Homebrew
 * formula. Used by `scripts/build.ts --release`. Tarballs are reproducible (sorted, fixed mtime and owner, gzip -n).
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export interface ReleaseTarget {
  /** linux-x64, linux-arm64, darwin-x64, darwin-arm64 */
  id: string;
  os: "linux" | "darwin";
  arch: "x64" | "arm64";
}

export const DESCRIPTION = "Import AWS Cost and Usage Reports (CUR, CUR 2.0, FOCUS) from S3 into DuckDB";
export const HOMEPAGE = "https://github.com/finops-cli/finops";
/** Where install.sh and the formula download from; RELEASE_BASE_URL overrides it when building. */
export function releaseBaseUrl(version: string, env: Record<string, string | undefined> = process.env): string {
  return (env.RELEASE_BASE_URL ?? `${HOMEPAGE}/releases/download/v${version}`).replace(/\/+$/, "");
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function run(cmd: string[], cwd?: string): void {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
}

export function tarballName(version: string, t: ReleaseTarget): string {
  return `finops-${version}-${t.os}-${t.arch}.tar.gz`;
}

/** finops-<version>-<os>-<arch>.tar.gz holding finops-<version>-<os>-<arch>/{finops, LICENSE, README.md}. */
export function writeTarball(opts: { root: string; out: string; version: string; target: ReleaseTarget; binary: string }): string {
  const name = tarballName(opts.version, opts.target).replace(/\.tar\.gz$/, "");
  const stage = join(opts.out, `.stage-${name}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, name), { recursive: true });
  copyFileSync(opts.binary, join(stage, name, "finops"));
  chmodSync(join(stage, name, "finops"), 0o755);
  copyFileSync(join(opts.root, "LICENSE"), join(stage, name, "LICENSE"));
  copyFileSync(join(opts.root, "README.md"), join(stage, name, "README.md"));
  const tarball = join(opts.out, `${name}.tar.gz`);
  const sh = `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - ${name} | gzip -n -6 > ${JSON.stringify(tarball)}`;
  run(["sh", "-c", sh], stage);
  rmSync(stage, { recursive: true, force: true });
  return tarball;
}

export function writeChecksums(out: string, files: string[]): string {
  const lines = files.map((f) => `${sha256File(f)}  ${basename(f)}`).sort((a, b) => a.slice(66).localeCompare(b.slice(66)));
  const path = join(out, "sha256sums.txt");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

export function readChecksums(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m) out.set(m[2], m[1]);
  }
  return out;
}

/**
 * A Debian package: /usr/bin/finops, and DuckDB's addon and library in /usr/lib/finops/, which the binary uses as
 * they are (nothing is extracted into a cache in a packaged install).
 */
export function writeDeb(opts: { root: string; out: string; version: string; arch: "amd64" | "arm64"; binary: string; bindingsDir: string; libName: string }): string {
  const stage = join(opts.out, `.stage-deb-${opts.arch}`);
  rmSync(stage, { recursive: true, force: true });
  for (const dir of ["DEBIAN", "usr/bin", "usr/lib/finops", "usr/share/doc/finops"]) mkdirSync(join(stage, dir), { recursive: true, mode: 0o755 });
  copyFileSync(opts.binary, join(stage, "usr/bin/finops"));
  chmodSync(join(stage, "usr/bin/finops"), 0o755);
  for (const f of ["duckdb.node", opts.libName]) {
    copyFileSync(join(opts.bindingsDir, f), join(stage, "usr/lib/finops", f));
    chmodSync(join(stage, "usr/lib/finops", f), 0o644);
  }
  const license = readFileSync(join(opts.root, "LICENSE"), "utf8");
  writeFileSync(
    join(stage, "usr/share/doc/finops/copyright"),
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: finops\nSource: ${HOMEPAGE}\n\nFiles: *\nLicense: MIT\n ${license.trim().split("\n").map((l) => l || ".").join("\n ")}\n`,
  );
  const installedKiB = Math.ceil(
    [join(stage, "usr/bin/finops"), join(stage, "usr/lib/finops/duckdb.node"), join(stage, "usr/lib/finops", opts.libName)].reduce((a, f) => a + readFileSync(f).length, 0) / 1024,
  );
  writeFileSync(
    join(stage, "DEBIAN/control"),
    [
      "Package: finops",
      `Version: ${opts.version}`,
      `Architecture: ${opts.arch}`,
      "Maintainer: finops maintainers <maintainers@finops.invalid>",
      `Installed-Size: ${installedKiB}`,
      // libduckdb needs GLIBC_2.25 and GLIBCXX_3.4.22 (gcc 6); the Bun runtime GLIBC_2.17.
      "Depends: libc6 (>= 2.25), libstdc++6 (>= 6), libgcc-s1 | libgcc1",
      "Section: utils",
      "Priority: optional",
      `Homepage: ${HOMEPAGE}`,
      `Description: ${DESCRIPTION}`,
      " finops imports legacy Cost and Usage Reports and CUR 2.0 / FOCUS exports from",
      " S3 into a DuckDB file, one whole billing period at a time, and answers",
      " questions about the data.",
      "",
    ].join("\n"),
  );
  const deb = join(opts.out, `finops_${opts.version}_${opts.arch}.deb`);
  run(["dpkg-deb", "-Zgzip", "--root-owner-group", "--build", stage, deb]);
  rmSync(stage, { recursive: true, force: true });
  return deb;
}

/** Formula/finops.rb for a Homebrew tap, from the release checksums. */
export function formula(version: string, baseUrl: string, sums: Map<string, string>): string {
  const entry = (os: "darwin" | "linux", arch: "arm64" | "x64") => {
    const file = tarballName(version, { id: `${os}-${arch}`, os, arch });
    const sha = sums.get(file);
    if (!sha) throw new Error(`no checksum for ${file}`);
    return `      url "${baseUrl}/${file}"\n      sha256 "${sha}"`;
  };
  return `# Generated by scripts/build.ts --release from sha256sums.txt: do not edit by hand.
class Finops < Formula
  desc "${DESCRIPTION}"
  homepage "${HOMEPAGE}"
  version "${version}"
  license "MIT"

  on_macos do
    on_arm do
${entry("darwin", "arm64")}
    end
    on_intel do
${entry("darwin", "x64")}
    end
  end

  on_linux do
    on_arm do
${entry("linux", "arm64")}
    end
    on_intel do
${entry("linux", "x64")}
    end
  end

  def install
    bin.install "finops"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/finops --version")
    system bin/"finops", "doctor", "--database", testpath/"finops.duckdb"
  end
end
`;
}
