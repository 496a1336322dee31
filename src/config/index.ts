/**
 * Settings: flags > environment > config file > defaults, validated with valibot into one object, with where each
 * value came from (for `finops config show` and `finops doctor`).
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import * as v from "valibot";
import { ConfigError, UsageError } from "../errors.ts";

export const DEFAULT_DATABASE = "./data/finops.duckdb";

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"));
const month = v.pipe(v.string(), v.regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM"));

export const AwsSourceSchema = v.object({
  region: v.optional(nonEmpty),
  profile: v.optional(nonEmpty),
  role_arn: v.optional(v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN"))),
  external_id: v.optional(nonEmpty),
  endpoint_url: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
});

export const ExportSchema = v.object({
  ...AwsSourceSchema.entries,
  name: nonEmpty,
  bucket: nonEmpty,
  prefix: v.optional(v.string(), ""),
  cur_version: v.optional(v.picklist(["v1", "v2"], "must be v1 or v2")),
  start_date: v.optional(month),
  end_date: v.optional(month),
});

const MEMORY = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** A DuckDB memory size such as 512MB or 2GB, or a usage error. */
export function checkMemoryLimit(value: string): string {
  if (!MEMORY.test(value.trim())) throw new UsageError(`--memory-limit must be a size like 512MB or 2GB, got "${value}"`);
  return value.trim();
}

export const ConfigFileSchema = v.object({
  database: v.optional(
    v.object({
      path: v.optional(nonEmpty),
      memory_limit: v.optional(v.pipe(v.string(), v.regex(MEMORY, "must be a size like 2GB"))),
    }),
  ),
  aws: v.optional(
    v.object({
      ...AwsSourceSchema.entries,
      exports: v.optional(v.array(ExportSchema), []),
    }),
  ),
});

export type ExportConfig = v.InferOutput<typeof ExportSchema>;
export type ConfigFile = v.InferOutput<typeof ConfigFileSchema>;
export type Origin = "flag" | "env" | "file" | "default";

export interface Settings {
  configFile?: string;
  database: string;
  databaseOrigin: Origin;
  memoryLimit?: string;
  aws: v.InferOutput<typeof AwsSourceSchema>;
  exports: ExportConfig[];
}

export interface SettingsInput {
  cwd: string;
  env: Record<string, string | undefined>;
  flags: { config?: string; database?: string };
}

/** Which config file applies: -c, else FINOPS_CONFIG, else ./finops.toml, else $XDG_CONFIG_HOME/finops/config.toml. */
export function findConfigFile(input: SettingsInput): { path?: string; explicit: boolean } {
  const { cwd, env, flags } = input;
  if (flags.config) return { path: resolve(cwd, flags.config), explicit: true };
  if (env.FINOPS_CONFIG) return { path: resolve(cwd, env.FINOPS_CONFIG), explicit: true };
  const local = join(cwd, "finops.toml");
  if (existsSync(local)) return { path: local, explicit: false };
  const xdg = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, ".config") : undefined);
  if (xdg) {
    const user = join(xdg, "finops", "config.toml");
    if (existsSync(user)) return { path: user, explicit: false };
  }
  return { explicit: false };
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((p) => (typeof p.key === "number" ? `[${p.key}]` : `.${String(p.key)}`)).join("").replace(/^\./, "");
}

/**
 * The line a TOML syntax error is on. Bun's parser does not say (its error's line/column point into finops), so find
 * the longest prefix of whole lines that parses: the error is on the next line (or where the construct that is never
 * closed begins).
 */
export function tomlErrorLine(text: string): number {
  const lines = text.split("\n");
  let lastGood = 0;
  for (let k = 1; k <= lines.length; k++) {
    try {
      Bun.TOML.parse(lines.slice(0, k).join("\n"));
      lastGood = k;
    } catch {
      /* keep looking */
    }
  }
  return Math.min(lastGood + 1, lines.length);
}

export function parseConfigText(text: string, file: string): ConfigFile {
  let raw: unknown;
  try {
    raw = Bun.TOML.parse(text);
  } catch (err) {
    const message = ((err as Error).message ?? String(err)).replace(/^TOML Parse error: /, "");
    throw new ConfigError(`${file}:${tomlErrorLine(text)}: not valid TOML: ${message}`);
  }
  const result = v.safeParse(ConfigFileSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issuePath(issue);
    const message = issue.kind === "schema" && issue.received === "undefined" ? "is missing" : issue.message;
    throw new ConfigError(`${file}: ${path || "(top level)"}: ${message}`, {
      hint: "Fix the config file; `finops config init` writes a commented example.",
    });
  }
  const names = new Set<string>();
  for (const [i, exp] of (result.output.aws?.exports ?? []).entries()) {
    if (names.has(exp.name)) throw new ConfigError(`${file}: aws.exports[${i}].name: export "${exp.name}" is defined twice`);
    names.add(exp.name);
  }
  return result.output;
}

export function loadSettings(input: SettingsInput): Settings {
  const found = findConfigFile(input);
  let file: ConfigFile = {};
  if (found.path) {
    if (!existsSync(found.path)) {
      if (found.explicit) throw new ConfigError(`config file not found: ${found.path}`);
    } else {
      let text: string;
      try {
        text = readFileSync(found.path, "utf8");
      } catch (err) {
        throw new ConfigError(`cannot read config file ${found.path}: ${(err as Error).message}`);
      }
      file = parseConfigText(text, found.path);
    }
  }
  let database = DEFAULT_DATABASE;
  let databaseOrigin: Origin = "default";
  const base = input.cwd;
  if (input.flags.database) {
    database = input.flags.database;
    databaseOrigin = "flag";
  } else if (input.env.FINOPS_DATABASE) {
    database = input.env.FINOPS_DATABASE;
    databaseOrigin = "env";
  } else if (file.database?.path) {
    database = file.database.path;
    databaseOrigin = "file";
  }
  const { exports = [], ...aws } = file.aws ?? {};
  return {
    configFile: found.path && existsSync(found.path) ? found.path : undefined,
    database: isAbsolute(database) ? database : resolve(base, database),
    databaseOrigin,
    memoryLimit: file.database?.memory_limit,
    aws,
    exports,
  };
}
