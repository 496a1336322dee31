import { Command, Option } from "clipanion";
import type { ConsolaInstance } from "consola";
import { failure } from "../src/cli.ts";
import type { Settings } from "../src/config/index.ts";
import { createLogger, type FinopsContext, type LogLevel } from "../src/context.ts";
import { UsageError } from "../src/errors.ts";

/** Options every command has, and the plumbing shared by all of them. */
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

  #logger?: ConsolaInstance;

  get logLevel(): LogLevel {
    return this.quiet ? "quiet" : this.verbose ? "verbose" : "normal";
  }

  get logger(): ConsolaInstance {
    if (!this.#logger) this.#logger = createLogger(this.context, this.logLevel);
    return this.#logger;
  }

  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    if (this.quiet && this.verbose) throw new UsageError("--quiet and --verbose cannot be used together");
    const code = await this.run();
    return code ?? 0;
  }

  /** Hand the error to src/cli.ts, which prints it on stderr and picks the exit code. */
  override async catch(error: unknown): Promise<void> {
    (this as unknown as Record<symbol, unknown>)[failure] = error;
  }

  /** Flags, environment, config file and defaults, resolved once for this command. */
  async settings(): Promise<Settings> {
    const { loadSettings } = await import("../src/config/index.ts");
    return loadSettings({ cwd: this.context.cwd, env: this.context.env, flags: { config: this.config, database: this.database } });
  }

  /** Colours on stdout only on a terminal, and never with NO_COLOR set. */
  get color(): boolean {
    return this.context.stdoutIsTTY && !this.context.env.NO_COLOR;
  }

  out(text: string): void {
    this.context.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}
