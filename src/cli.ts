import { Builtins, Cli, Command, UsageError as ClipanionUsageError, type CommandClass } from "clipanion";
import { BaseCommand } from "./command.ts";
import type { FinopsContext } from "./context.ts";
import { AppError, ExitCode, InternalError, InterruptedError, errorMessage } from "./errors.ts";
import { VERSION } from "./version.ts";

export type FinopsCommandClass = CommandClass<FinopsContext>;

export function createCli(commands: FinopsCommandClass[], colored = false): Cli<FinopsContext> {
  const cli = new Cli<FinopsContext>({
    enableColors: colored,
    binaryLabel: "finops — AWS billing exports (CUR, CUR 2.0, FOCUS) into DuckDB",
    binaryName: "finops",
    binaryVersion: VERSION,
    enableCapture: false,
  });
  for (const command of commands) cli.register(command);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  return cli;
}

/**
 * Parse, run, and map every outcome to an exit code. This is the only place that prints errors: one line on stderr
 * (plus a hint line), a stack trace only with --verbose. clipanion's own `run()` would print errors to stdout.
 */
export async function runCli(
  commands: FinopsCommandClass[],
  argv: string[],
  ctx: FinopsContext,
): Promise<number> {
  const colored = ctx.stdoutIsTTY && !ctx.env.NO_COLOR;
  const cli = createCli(commands, colored);

  let command: Command<FinopsContext>;
  try {
    command = cli.process(argv, ctx);
  } catch (err) {
    let first = (errorMessage(err).split("\n").find((l) => l.trim() !== "") ?? "invalid usage").trim();
    if (first.startsWith("Command not found")) {
      const words = argv.filter((a) => !a.startsWith("-"));
      first = `unknown command: finops ${words.join(" ")}`.trim();
    }
    ctx.stderr.write(`finops: ${first}\n`);
    ctx.stderr.write("Run 'finops --help' to see the commands, or 'finops <command> --help' for one command.\n");
    return ExitCode.usage;
  }

  const code = await cli.run(command, { ...ctx, colorDepth: colored ? 8 : 1 });
  if (!(command instanceof BaseCommand) || command.failure === undefined) return code;
  return reportError(ctx, command.failure, command.verbose);
}

export function reportError(ctx: Pick<FinopsContext, "stderr">, err: unknown, verbose: boolean): number {
  let error = err;
  if (error instanceof ClipanionUsageError) {
    ctx.stderr.write(`finops: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (!(error instanceof AppError)) {
    if (error instanceof Error && error.name === "AbortError") error = new InterruptedError();
    else error = new InternalError(errorMessage(error), error);
  }
  const appError = error as AppError;
  ctx.stderr.write(`finops: ${appError.message.split("\n")[0]}\n`);
  if (appError.hint) ctx.stderr.write(`  ${appError.hint}\n`);
  // Ctrl-C is the user's doing, not a failure to trace: its stack would only show finops' own bundle.
  if (verbose && appError.exitCode !== ExitCode.usage && !(appError instanceof InterruptedError)) {
    const cause = appError instanceof InternalError ? appError.cause : appError;
    if (cause instanceof Error && cause.stack) ctx.stderr.write(`${cause.stack}\n`);
  }
  return appError.exitCode;
}
