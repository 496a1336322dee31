/** The config file: where it is, its TOML, and its shape (valibot). Errors name the file, the line or the field. */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { ConfigError } from "../errors.ts";
import { describeIssue } from "../validation.ts";

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"));
export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const month = v.pipe(v.string(), v.regex(MONTH, "must be YYYY-MM"));
const seconds = v.pipe(v.number("must be a number of seconds"), v.gtValue(0, "must be greater than 0"));
export const MEMORY = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** The fields that say how to reach an export's bucket, in [aws] (defaults) or on one export. */
export const AwsFieldsSchema = v.object({
  region: v.optional(nonEmpty),
  profile: v.optional(nonEmpty),
  role_arn: v.optional(v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN"))),
  external_id: v.optional(nonEmpty),
  endpoint_url: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
});

export const ExportSchema = v.object({
  ...AwsFieldsSchema.entries,
  name: nonEmpty,
  bucket: nonEmpty,
  prefix: v.optional(v.string(), ""),
  cur_version: v.optional(v.picklist(["v1", "v2"], "must be v1 or v2")),
  start_date: v.optional(month),
  end_date: v.optional(month),
  /** Which export a billing period counts from in focus.costs when two hold it (higher wins). */
  priority: v.optional(v.pipe(v.number("must be a whole number"), v.integer("must be a whole number"))),
});

/** Where `finops lake export` writes: `s3://bucket/prefix/` or a local folder (bucket names as S3 allows them). */
export const LAKE_S3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/;
const lakeTo = v.pipe(
  nonEmpty,
  v.check((s) => !s.startsWith("s3://") || LAKE_S3.test(s), "must be s3://bucket/prefix/ (a valid bucket name) or a folder"),
);

/** [lake]: the Parquet lake's root and how to reach its bucket (the [aws] defaults apply under it). */
export const LakeSchema = v.object({
  ...AwsFieldsSchema.entries,
  to: v.optional(lakeTo),
});

export const ConfigFileSchema = v.object({
  database: v.optional(
    v.object({
      path: v.optional(nonEmpty),
      memory_limit: v.optional(v.pipe(v.string(), v.regex(MEMORY, "must be a size like 2GB"))),
    }),
  ),
  aws: v.optional(
    v.object({
      ...AwsFieldsSchema.entries,
      connect_timeout: v.optional(seconds),
      read_timeout: v.optional(seconds),
      max_attempts: v.optional(v.pipe(v.number("must be a number"), v.integer("must be a whole number"), v.minValue(1, "must be at least 1"), v.maxValue(10, "must be at most 10"))),
      exports: v.optional(v.array(ExportSchema), []),
    }),
  ),
  lake: v.optional(LakeSchema),
});

export type AwsFields = v.InferOutput<typeof AwsFieldsSchema>;
export type ExportConfig = v.InferOutput<typeof ExportSchema>;
export type ConfigFile = v.InferOutput<typeof ConfigFileSchema>;
export type LakeConfig = v.InferOutput<typeof LakeSchema>;

export interface LookupInput {
  cwd: string;
  env: Record<string, string | undefined>;
  flags: { config?: string };
}

/** Which config file applies: -c, else FINOPS_CONFIG, else ./finops.toml, else $XDG_CONFIG_HOME/finops/config.toml. */
export function findConfigFile(input: LookupInput): { path?: string; explicit: boolean } {
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
    throw new ConfigError(`${file}: ${describeIssue(result.issues)}`, {
      hint: "Fix the config file; `finops config init` writes a commented example.",
    });
  }
  const names = new Set<string>();
  for (const [i, exp] of (result.output.aws?.exports ?? []).entries()) {
    if (names.has(exp.name)) throw new ConfigError(`${file}: aws.exports[${i}].name: export "${exp.name}" is defined twice`);
    names.add(exp.name);
    if (exp.start_date && exp.end_date && exp.start_date > exp.end_date) {
      throw new ConfigError(`${file}: aws.exports[${i}].start_date: ${exp.start_date} is after end_date ${exp.end_date}`);
    }
  }
  return result.output;
}

/** Read the config file that applies (none is fine unless it was named explicitly). */
export function readConfigFile(input: LookupInput): { path?: string; file: ConfigFile } {
  const found = findConfigFile(input);
  if (!found.path) return { file: {} };
  if (!existsSync(found.path)) {
    if (found.explicit) throw new ConfigError(`config file not found: ${found.path}`);
    return { file: {} };
  }
  let text: string;
  try {
    text = readFileSync(found.path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${found.path}: ${(err as Error).message}`);
  }
  return { path: found.path, file: parseConfigText(text, found.path) };
}
