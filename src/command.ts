/**
 * The base of every finops command: the options all of them have, settings resolved once, the logger, and the
 * failure handed to src/cli.ts (which prints it and picks the exit code — clipanion's own handler would print it to
 * stdout). A command class holds options and help; its `run()` calls the core and renders the result.
 */
import { Command, Option } from "clipanion";
import type { ConsolaInstance } from "consola";
import type { Settings } from "./config/index.ts";
import type { TuningFlags } from "./config/tuning.ts";
import { createLogger, type FinopsContext, type LogLevel } from "./context.ts";
import { UsageError } from "./errors.ts";

export abstract class BaseCommand extends Command<FinopsContext> {
  config = Option.String("-c,--config", {
    description: "Config file (TOML). Default: $FINOPS_CONFIG, ./finops.toml, $XDG_CONFIG_HOME/finops/config.toml",
  });
  database = Option.String("-d,--database", {
    description: "DuckDB database file. Default: $FINOPS_DATABASE, the config file's [database] path, ./data/finops.duckdb",
  });
  json = Option.Boolean("--json", false, { description: "Machine-readable JSON on stdout" });
  verbose = Option.Boolean("-v,--verbose", false, { description: "More detail on stderr (never secrets)" });
  quiet = Option.Boolean("-q,--quiet", false, { description: "Only warnings and errors on stderr" });

  /** The error the command failed with, for src/cli.ts to report. */
  failure?: unknown;
  #logger?: ConsolaInstance;
  #settings?: Settings;

  get logLevel(): LogLevel {
    return this.quiet ? "quiet" : this.verbose ? "verbose" : "normal";
  }

  get logger(): ConsolaInstance {
    this.#logger ??= createLogger(this.context, this.logLevel);
    return this.#logger;
  }

  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    if (this.quiet && this.verbose) throw new UsageError("--quiet and --verbose cannot be used together");
    const code = await this.run();
    return code ?? 0;
  }

  override async catch(error: unknown): Promise<void> {
    this.failure = error;
  }

  /** Flags a command adds to the settings (e.g. --memory-limit). */
  protected settingFlags(): TuningFlags {
    return {};
  }

  /** Flags, environment, config file and defaults, resolved once for this command. */
  async settings(): Promise<Settings> {
    if (!this.#settings) {
      const { loadSettings } = await import("./config/index.ts");
      this.#settings = loadSettings({ cwd: this.context.cwd, env: this.context.env, flags: { config: this.config, database: this.database, ...this.settingFlags() } });
    }
    return this.#settings;
  }

  /** Colours on stdout only on a terminal, and never with NO_COLOR set. */
  get color(): boolean {
    return this.context.stdoutIsTTY && !this.context.env.NO_COLOR;
  }

  /** For read-only commands: while an import holds the database, wait for its commit and say so on stderr. */
  waitOptions(): { onWait: (message: string) => void; signal: AbortSignal } {
    return { onWait: (m) => this.logger.info(m), signal: this.context.signal };
  }

  out(text: string): void {
    this.context.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}
