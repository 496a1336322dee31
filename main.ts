#!/usr/bin/env bun
/**
 * The finops entry point: wires the command list (commands/) to the CLI core (src/cli.ts) and the real process. It
 * lives at the top level so that nothing in src/ imports commands/, and it is (with src/config/) the only code that
 * reads the process's environment.
 */
import { commands } from "./commands/index.ts";
import { runCli } from "./src/cli.ts";
import { nativeCacheRoot } from "./src/config/paths.ts";
import type { FinopsContext } from "./src/context.ts";
import { allocator, ALLOCATOR_VARIABLE } from "./src/store/allocator.ts";
import { native } from "./src/store/native.ts";

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  controller.abort(new Error(signal));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

native.cacheRoot = nativeCacheRoot(process.env);
// DuckDB's allocator gives freed memory back sooner than its default (src/store/allocator.ts), unless the user chose.
allocator.wanted = true;
allocator.userConf = process.env[ALLOCATOR_VARIABLE] || undefined;

const ctx: FinopsContext = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  colorDepth: process.stdout.isTTY ? 8 : 1,
  cwd: process.cwd(),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  signal: controller.signal,
  now: () => new Date(),
};

const code = await runCli(commands, process.argv.slice(2), ctx);
process.exitCode = controller.signal.aborted && code === 0 ? 130 : code;
