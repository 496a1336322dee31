import type { BaseContext } from "clipanion";
import { createConsola, LogLevels, type ConsolaInstance } from "consola";

/**
 * What every command gets. Commands never touch `process` directly, so the same command runs in-process in tests
 * (with captured streams and a fake environment) and in the compiled binary.
 */
export interface FinopsContext extends BaseContext {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whether stdout / stderr are terminals (tables get colours and readable numbers, progress is redrawn in place). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: long work checks it and stops cleanly. */
  signal: AbortSignal;
  now: () => Date;
}

export type LogLevel = "quiet" | "normal" | "verbose";

/**
 * A consola logger that writes everything to stderr: stdout is data only. consola sends info/success to stdout by
 * default, so both of its streams point at stderr here.
 */
export function createLogger(ctx: Pick<FinopsContext, "stderr" | "stderrIsTTY" | "env">, level: LogLevel): ConsolaInstance {
  const stream = ctx.stderr as unknown as NodeJS.WriteStream;
  const options = {
    level: level === "quiet" ? LogLevels.warn : level === "verbose" ? LogLevels.debug : LogLevels.info,
    stdout: stream,
    stderr: stream,
    fancy: ctx.stderrIsTTY && !ctx.env.CI,
    formatOptions: { date: false, colors: ctx.stderrIsTTY && !ctx.env.NO_COLOR, compact: true },
  };
  return createConsola(options as Parameters<typeof createConsola>[0]);
}
