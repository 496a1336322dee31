/** Which exports a command works on: flags for one export, an entry of the config file, or all of them (--all). */
import type { ExportConfig, Settings } from "../config/index.ts";
import { UsageError } from "../errors.ts";
import type { CurVersion } from "./discovery.ts";
import type { ExportSource } from "./import.ts";

export interface SourceFlags {
  bucket?: string;
  prefix?: string;
  exportName?: string;
  curVersion?: string;
  region?: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  endpointUrl?: string;
  all?: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * Precedence: flag > environment > config file > default. A setting written on the export itself in the file is
 * part of that export (its bucket's region, the role to read it with) and wins over the environment; the file's
 * [aws] defaults yield to the standard AWS variables.
 */
function awsDefaults(s: Settings, env: Env) {
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION ? undefined : s.aws.region,
    profile: env.AWS_PROFILE ? undefined : s.aws.profile,
    endpointUrl: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? undefined : s.aws.endpoint_url,
    roleArn: s.aws.role_arn,
    externalId: s.aws.external_id,
  };
}

function fromConfig(e: ExportConfig, s: Settings, env: Env): ExportSource {
  const d = awsDefaults(s, env);
  return {
    name: e.name,
    bucket: e.bucket,
    prefix: e.prefix ?? "",
    curVersion: e.cur_version,
    region: e.region ?? d.region,
    profile: e.profile ?? d.profile,
    roleArn: e.role_arn ?? d.roleArn,
    externalId: e.external_id ?? d.externalId,
    endpointUrl: e.endpoint_url ?? d.endpointUrl,
  };
}

function checkCurVersion(v: string | undefined): CurVersion | undefined {
  if (v === undefined) return undefined;
  if (v !== "v1" && v !== "v2") throw new UsageError(`--cur-version must be v1 or v2, got "${v}"`);
  return v;
}

/** A prefix keeps what the user wrote except a leading "/" (S3 keys never start with one). */
function cleanPrefix(prefix: string): string {
  return prefix.replace(/^\/+/, "");
}

export function resolveExports(flags: SourceFlags, settings: Settings, env: Env): ExportSource[] {
  const curVersion = checkCurVersion(flags.curVersion);
  const overrides = (e: ExportSource): ExportSource => ({
    ...e,
    bucket: flags.bucket ?? e.bucket,
    prefix: cleanPrefix(flags.prefix ?? e.prefix),
    curVersion: curVersion ?? e.curVersion,
    region: flags.region ?? e.region,
    profile: flags.profile ?? e.profile,
    roleArn: flags.roleArn ?? e.roleArn,
    externalId: flags.externalId ?? e.externalId,
    endpointUrl: flags.endpointUrl ?? e.endpointUrl,
  });
  if (flags.all) {
    if (flags.exportName || flags.bucket || flags.prefix) throw new UsageError("--all takes every export of the config file: drop --export-name, --bucket and --prefix");
    if (settings.exports.length === 0) {
      throw new UsageError(`--all: the config file ${settings.configFile ?? "(none found)"} lists no [[aws.exports]]`, {
        hint: "Write one with `finops config init`, or name one export with --bucket and --export-name.",
      });
    }
    return settings.exports.map((e) => overrides(fromConfig(e, settings, env)));
  }
  const configured = flags.exportName ? settings.exports.find((e) => e.name === flags.exportName) : settings.exports.length === 1 && !flags.bucket ? settings.exports[0] : undefined;
  if (configured) return [overrides(fromConfig(configured, settings, env))];
  if (!flags.exportName) {
    throw new UsageError(
      settings.exports.length > 1
        ? `the config file lists ${settings.exports.length} exports: name one with --export-name, or use --all`
        : "name the export: --export-name (and --bucket), or an [[aws.exports]] entry in the config file",
    );
  }
  if (!flags.bucket) throw new UsageError(`export "${flags.exportName}" is not in the config file: give its --bucket`);
  return [overrides({ name: flags.exportName, bucket: flags.bucket, prefix: "", ...awsDefaults(settings, env) })];
}
