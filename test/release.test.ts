/**
 * Release artefacts (scripts/build.ts --release, which .ci/run runs before the tests; built here when missing):
 * tarballs and checksums, the binaries' formats, the Homebrew formula, the .deb installed and removed with dpkg,
 * and install.sh served from a local HTTP server, refusing a tampered tarball.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync as makeTemp, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { readChecksums, sha256File } from "../scripts/packaging.ts";
import { repoRoot } from "./helpers/cli.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { FIXTURES } from "./helpers/truth.ts";

const release = join(repoRoot, "dist", "release");

// Every temporary folder here may hold a 170 MB binary: remove them all at the end.
const temps: string[] = [];
function mkdtempSync(prefix: string): string {
  const dir = makeTemp(prefix);
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
const version = pkg.version;
const TARBALLS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"].map((t) => `finops-${version}-${t}.tar.gz`);
const DEBS = [`finops_${version}_amd64.deb`, `finops_${version}_arm64.deb`];

/** Run a command without blocking this process (the S3 and HTTP servers the command talks to live here). */
async function spawn(cmd: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(cmd, { ...opts, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

function releaseIsComplete(): boolean {
  const sums = join(release, "sha256sums.txt");
  if (!existsSync(sums)) return false;
  const listed = readChecksums(sums);
  return [...TARBALLS, ...DEBS].every((f) => listed.has(f) && existsSync(join(release, f))) && existsSync(join(release, "Formula", "finops.rb"));
}

beforeAll(() => {
  if (releaseIsComplete()) return;
  const r = Bun.spawnSync([process.execPath, join(repoRoot, "scripts", "build.ts"), "--release"], { cwd: repoRoot, stdout: "inherit", stderr: "inherit" });
  expect(r.exitCode).toBe(0);
}, 900_000);

/** Format and CPU of an executable, read from its header (what `file` reports). */
function executableKind(path: string): string {
  const b = readFileSync(path).subarray(0, 64);
  if (b[0] === 0x7f && b.toString("latin1", 1, 4) === "ELF") {
    const machine = b.readUInt16LE(18);
    return `ELF ${b[4] === 2 ? "64-bit" : "32-bit"} ${machine === 62 ? "x86-64" : machine === 183 ? "aarch64" : `machine ${machine}`}`;
  }
  if (b.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = b.readUInt32LE(4);
    return `Mach-O 64-bit ${cpu === 0x01000007 ? "x86_64" : cpu === 0x0100000c ? "arm64" : `cpu ${cpu}`}`;
  }
  return "unknown";
}

describe("release artefacts", () => {
  test("a tarball per platform and two .debs, each listed in sha256sums.txt with its real checksum", () => {
    const sums = readChecksums(join(release, "sha256sums.txt"));
    expect([...sums.keys()].sort()).toEqual([...TARBALLS, ...DEBS].sort());
    for (const [file, sha] of sums) expect(sha256File(join(release, file))).toBe(sha);
  });

  test("each tarball holds the binary, LICENSE and README; the binaries are of the right format and architecture", () => {
    const expected: Record<string, string> = {
      "linux-x64": "ELF 64-bit x86-64",
      "linux-arm64": "ELF 64-bit aarch64",
      "darwin-x64": "Mach-O 64-bit x86_64",
      "darwin-arm64": "Mach-O 64-bit arm64",
    };
    for (const [target, kind] of Object.entries(expected)) {
      const dir = mkdtempSync(join(tmpdir(), "finops-tar-"));
      const name = `finops-${version}-${target}`;
      expect(Bun.spawnSync(["tar", "xzf", join(release, `${name}.tar.gz`), "-C", dir]).exitCode).toBe(0);
      expect(readdirSync(join(dir, name)).sort()).toEqual(["LICENSE", "README.md", "finops"]);
      const bin = join(dir, name, "finops");
      expect(statSync(bin).mode & 0o111).toBe(0o111);
      expect(executableKind(bin)).toBe(kind);
      // The binary embeds its platform's DuckDB library (~60-120 MB): far bigger than the Bun runtime alone.
      expect(statSync(bin).size).toBeGreaterThan(140 * 1024 * 1024);
    }
  });

  test("the linux-x64 binary from its tarball runs and prints the package version", () => {
    const dir = mkdtempSync(join(tmpdir(), "finops-tar-"));
    expect(Bun.spawnSync(["tar", "xzf", join(release, `finops-${version}-linux-x64.tar.gz`), "-C", dir]).exitCode).toBe(0);
    const r = Bun.spawnSync([join(dir, `finops-${version}-linux-x64`, "finops"), "--version"], { env: { HOME: dir } });
    expect(r.stdout.toString().trim()).toBe(version);
  });

  test("the Homebrew formula's URLs and checksums match the artefacts", () => {
    const rb = readFileSync(join(release, "Formula", "finops.rb"), "utf8");
    const sums = readChecksums(join(release, "sha256sums.txt"));
    const pairs = [...rb.matchAll(/url "([^"]+)"\s+sha256 "([0-9a-f]{64})"/g)].map((m) => [m[1], m[2]]);
    expect(pairs).toHaveLength(4);
    for (const [url, sha] of pairs) {
      const file = url.slice(url.lastIndexOf("/") + 1);
      expect(TARBALLS).toContain(file);
      expect(sha).toBe(sums.get(file)!);
      expect(url).toContain(`/v${version}/`);
    }
    expect(rb).toContain(`version "${version}"`);
    expect(rb).toContain('bin.install "finops"');
    expect(rb).toMatch(/test do[\s\S]*finops --version[\s\S]*"doctor"/);
  });
});

const isRoot = process.getuid?.() === 0;
const hasDpkg = Boolean(Bun.which("dpkg"));

describe.skipIf(!isRoot || !hasDpkg)("the .deb (root and dpkg: always so in CI)", () => {
  const server = useFixtureS3({
    trees: [{ dir: FIXTURES, only: (_b, key) => key.startsWith("focus/") }],
    teardown: () => Bun.spawnSync(["dpkg", "-r", "finops"]),
  });

  test("dpkg -i installs /usr/bin/finops using /usr/lib/finops: version, doctor and an import work, nothing is extracted; dpkg -r removes it", async () => {
    const deb = join(release, `finops_${version}_amd64.deb`);
    const install = Bun.spawnSync(["dpkg", "-i", deb], { stdout: "pipe", stderr: "pipe" });
    expect(install.stderr.toString()).not.toContain("error");
    expect(install.exitCode).toBe(0);
    expect(readdirSync("/usr/lib/finops").sort()).toEqual(["duckdb.node", "libduckdb.so"]);
    const home = mkdtempSync(join(tmpdir(), "finops-deb-"));
    const env = { PATH: "/usr/bin:/bin", HOME: home, ...server.s3.env };
    const run = (args: string[]) => spawn(["/usr/bin/finops", ...args], { cwd: home, env });
    expect((await run(["--version"])).out.trim()).toBe(version);
    const doctor = await run(["doctor", "--json"]);
    expect(doctor.code).toBe(0);
    const native = JSON.parse(doctor.out).checks.find((c: { name: string }) => c.name === "native library");
    expect(native.value).toStartWith("/usr/lib/finops (packaged");
    const imported = await run(["aws", "import-cur", "-b", "billing-fixtures", "-p", "focus", "-e", "focus", "-d", join(home, "f.duckdb"), "--json"]);
    expect(imported.err).not.toContain("[error]");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.out).periods.map((p: { outcome: string }) => p.outcome)).toEqual(["imported", "imported", "imported"]);
    expect(existsSync(join(home, ".cache"))).toBe(false);

    const remove = Bun.spawnSync(["dpkg", "-r", "finops"], { stdout: "pipe", stderr: "pipe" });
    expect(remove.exitCode).toBe(0);
    expect(existsSync("/usr/bin/finops")).toBe(false);
    expect(existsSync("/usr/lib/finops")).toBe(false);
    const status = Bun.spawnSync(["dpkg-query", "-W", "-f=${Status}", "finops"], { stdout: "pipe", stderr: "pipe" });
    expect(status.stdout.toString()).not.toContain("installed");
  });
});

describe("install.sh from a local HTTP server", () => {
  let server: ReturnType<typeof Bun.serve>;
  let tamper = false;
  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const name = new URL(req.url).pathname.slice(1);
        const path = join(release, name);
        if (name.includes("/") || !existsSync(path)) return new Response("not found", { status: 404 });
        if (tamper && name.endsWith(".tar.gz")) {
          const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
          bytes[bytes.length - 100] ^= 0xff;
          return new Response(bytes);
        }
        return new Response(Bun.file(path));
      },
    });
  });
  afterAll(() => server.stop(true));

  const install = (prefix: string) =>
    spawn(["sh", join(repoRoot, "install.sh"), "--base-url", `http://127.0.0.1:${server.port}`, "--prefix", prefix], { env: { PATH: "/usr/bin:/bin", HOME: prefix } });

  test("installs the checked binary into PREFIX/bin and says how to put it on PATH", async () => {
    tamper = false;
    const prefix = mkdtempSync(join(tmpdir(), "finops-inst-"));
    const r = await install(prefix);
    const err = r.err;
    expect(r.code).toBe(0);
    expect(err).toContain(`installed ${version} to ${prefix}/bin/finops`);
    expect(err).toContain(`export PATH="${prefix}/bin:$PATH"`);
    expect(Bun.spawnSync([join(prefix, "bin", "finops"), "--version"], { env: { HOME: prefix } }).stdout.toString().trim()).toBe(version);
  });

  test("refuses a tampered tarball and installs nothing", async () => {
    tamper = true;
    const prefix = mkdtempSync(join(tmpdir(), "finops-inst-"));
    const r = await install(prefix);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`install.sh: checksum mismatch for finops-${version}-linux-x64\\.tar\\.gz \\(expected [0-9a-f]{64}, got [0-9a-f]{64}\\): refusing to install`));
    expect(existsSync(join(prefix, "bin", "finops"))).toBe(false);
    tamper = false;
  });
});
