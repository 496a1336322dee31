/**
 * Settings: flags > environment > config file > defaults, validated with valibot into one object, with where each
 * value came from (for `finops config show` and `finops doctor`). This folder is the only place (with the entry,
 * main.ts) that reads environment variables: everything below gets resolved values.
 */
import { isAbsolute, resolve } from "node:path";
import { awsEnvLayer, fromFileFields, resolveAwsSource, type AwsLayers, type AwsSource } from "./aws.ts";
import { readConfigFile, type ExportConfig, type LakeConfig } from "./file.ts";
import { resolveTuning, type Tuning, type TuningFlags } from "./tuning.ts";

export { checkMemoryLimit } from "./tuning.ts";
export type { ExportConfig } from "./file.ts";

export const DEFAULT_DATABASE = "./data/finops.duckdb";

export interface Settings {
  configFile?: string;
  database: string;
  databaseFrom: "flag" | "env" | "file" | "default";
  tuning: Tuning;
  /** The AWS source with no export and no flag: the [aws] defaults under the environment (config show, doctor). */
  aws: AwsSource;
  /** The layers an export's source is resolved from (config/exports.ts). */
  awsLayers: AwsLayers;
  exports: ExportConfig[];
  /** The file's [lake] table (config/lake.ts resolves it with the flags). */
  lake?: LakeConfig;
}

export interface SettingsInput {
  cwd: string;
  env: Record<string, string | undefined>;
  flags: { config?: string; database?: string } & TuningFlags;
}

export function loadSettings(input: SettingsInput): Settings {
  const { path, file } = readConfigFile(input);
  let database = DEFAULT_DATABASE;
  let databaseFrom: Settings["databaseFrom"] = "default";
  if (input.flags.database) [database, databaseFrom] = [input.flags.database, "flag"];
  else if (input.env.FINOPS_DATABASE) [database, databaseFrom] = [input.env.FINOPS_DATABASE, "env"];
  else if (file.database?.path) [database, databaseFrom] = [file.database.path, "file"];
  const awsLayers: AwsLayers = { env: awsEnvLayer(input.env), defaults: fromFileFields(file.aws), file: path };
  return {
    configFile: path,
    database: isAbsolute(database) ? database : resolve(input.cwd, database),
    databaseFrom,
    tuning: resolveTuning(
      input.env,
      { memoryLimit: file.database?.memory_limit, connectTimeout: file.aws?.connect_timeout, readTimeout: file.aws?.read_timeout, maxAttempts: file.aws?.max_attempts },
      input.flags,
    ),
    aws: resolveAwsSource(awsLayers),
    awsLayers,
    exports: file.aws?.exports ?? [],
    lake: file.lake,
  };
}
