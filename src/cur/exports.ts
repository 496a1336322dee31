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

function fromConfig(e: ExportConfig, s: Settings): ExportSource {
  return {
    name: e.name,
    bucket: e.bucket,
    prefix: e.prefix ?? "",
    curVersion: e.cur_version,
    region: e.region ?? s.aws.region,
    profile: e.profile ?? s.aws.profile,
    roleArn: e.role_arn ?? s.aws.role_arn,
    externalId: e.external_id ?? s.aws.external_id,
    endpointUrl: e.endpoint_url ?? s.aws.endpoint_url,
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

export function resolveExports(flags: SourceFlags, settings: Settings): ExportSource[] {
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
    return settings.exports.map((e) => overrides(fromConfig(e, settings)));
  }
  const configured = flags.exportName ? settings.exports.find((e) => e.name === flags.exportName) : settings.exports.length === 1 && !flags.bucket ? settings.exports[0] : undefined;
  if (configured) return [overrides(fromConfig(configured, settings))];
  if (!flags.exportName) {
    throw new UsageError(
      settings.exports.length > 1
        ? `the config file lists ${settings.exports.length} exports: name one with --export-name, or use --all`
        : "name the export: --export-name (and --bucket), or an [[aws.exports]] entry in the config file",
    );
  }
  if (!flags.bucket) throw new UsageError(`export "${flags.exportName}" is not in the config file: give its --bucket`);
  return [
    overrides({
      name: flags.exportName,
      bucket: flags.bucket,
      prefix: "",
      region: settings.aws.region,
      profile: settings.aws.profile,
      roleArn: settings.aws.role_arn,
      externalId: settings.aws.external_id,
      endpointUrl: settings.aws.endpoint_url,
    }),
  ];
}
