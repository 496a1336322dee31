/**
 * The few error classes finops uses. One place (src/cli.ts) turns them into a one-line message on stderr and an
 * exit code: usage/config 2, runtime 1, interrupted 130, anything else is a bug (1, with a hint to report it).
 */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  interrupted: 130,
} as const;

export interface AppErrorOptions {
  /** What the user can do about it; printed on a second line. */
  hint?: string;
  exitCode?: number;
  cause?: unknown;
}

/** An error whose message is meant for the user: it says what happened, to what, and what to do next. */
export class AppError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.runtime;
  }
}

/** Bad flags, arguments or environment: exit 2. */
export class UsageError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "exitCode"> = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
    this.name = "UsageError";
  }
}

/** A broken or inconsistent configuration file: exit 2. */
export class ConfigError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "exitCode"> = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
    this.name = "ConfigError";
  }
}

/** The user pressed Ctrl-C (or the process got SIGINT/SIGTERM): exit 130. */
export class InterruptedError extends AppError {
  constructor(message = "interrupted") {
    super(message, { exitCode: ExitCode.interrupted });
    this.name = "InterruptedError";
  }
}

/** Something went wrong that should not: a bug. */
export class InternalError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, {
      cause,
      hint: "This is a bug in finops. Please report it with the output of `finops doctor` and the command you ran (add --verbose for a stack trace).",
    });
    this.name = "InternalError";
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
