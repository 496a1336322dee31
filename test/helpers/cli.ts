/**
 * Running finops in tests: in-process (fast, same code as the binary) and as the compiled binary from a temporary
 * directory outside the repository with a fresh HOME and XDG_CACHE_HOME.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { commands } from "../../commands/index.ts";
import { runCli } from "../../src/cli.ts";
import type { FinopsContext } from "../../src/context.ts";

export const repoRoot = resolve(import.meta.dir, "..", "..");
export const binaryPath = join(repoRoot, "dist", "finops");

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = "";
  override _write(chunk: unknown, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
}

export interface InProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  stdoutIsTTY?: boolean;
}

/** A clean environment: nothing from the developer's shell (AWS_*, FINOPS_*) leaks into a test. */
export function cleanEnv(extra: Record<string, string | undefined> = {}, home?: string): Record<string, string | undefined> {
  const h = home ?? mkdtempSync(join(tmpdir(), "finops-home-"));
  return {
    PATH: process.env.PATH,
    HOME: h,
    XDG_CACHE_HOME: join(h, ".cache"),
    XDG_CONFIG_HOME: join(h, ".config"),
    AWS_EC2_METADATA_DISABLED: "true",
    TZ: "UTC",
    ...extra,
  };
}

export async function runInProcess(argv: string[], opts: InProcessOptions = {}): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const ctx: FinopsContext = {
    stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
    stdout,
    stderr,
    env: opts.env ?? cleanEnv(),
    colorDepth: 1,
    cwd: opts.cwd ?? mkdtempSync(join(tmpdir(), "finops-cwd-")),
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    signal: opts.signal ?? new AbortController().signal,
    now: () => new Date(),
  };
  const exitCode = await runCli(commands, argv, ctx);
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}

export function requireBinary(): string {
  if (!existsSync(binaryPath)) throw new Error(`${binaryPath} is missing: run 'npm run build' (npm test builds it)`);
  return binaryPath;
}

export interface BinaryWorkspace {
  dir: string;
  home: string;
  cache: string;
  bin: string;
  env: Record<string, string>;
}

const workspaces: string[] = [];

/** Remove every workspace made so far (call from afterAll: each holds a copy of a large binary). */
export function removeWorkspaces(): void {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An empty folder outside the repository with its own copy of the binary and an empty HOME. */
export function binaryWorkspace(opts: { copy?: boolean } = {}): BinaryWorkspace {
  const dir = mkdtempSync(join(tmpdir(), "finops-e2e-"));
  workspaces.push(dir);
  const home = join(dir, "home");
  mkdirSync(home);
  let bin = requireBinary();
  if (opts.copy !== false) {
    const copy = join(dir, "finops");
    try {
      linkSync(bin, copy); // same file, no 170 MB copy; falls back to a copy across file systems
    } catch {
      copyFileSync(bin, copy);
    }
    bin = copy;
  }
  const env = { PATH: "/usr/bin:/bin", HOME: home, XDG_CACHE_HOME: join(home, ".cache"), AWS_EC2_METADATA_DISABLED: "true", TZ: "UTC" };
  return { dir, home, cache: env.XDG_CACHE_HOME, bin, env };
}

export async function runBinary(
  ws: BinaryWorkspace,
  argv: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([ws.bin, ...argv], {
    cwd: opts.cwd ?? ws.dir,
    env: { ...ws.env, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout, stderr };
}
