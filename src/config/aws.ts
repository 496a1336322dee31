/**
 * Where an export's bucket is reached from: region, profile, endpoint, role and external id, each with where it came
 * from. The one rule, for every command: flag > the export's own entry in the config file > the standard AWS
 * variables > the file's [aws] defaults > default. A setting written on the export itself (its bucket's region, the
 * role to read it with) is part of that export and wins over the environment; the [aws] defaults yield to it.
 */
import type { AwsFields } from "./file.ts";

export const DEFAULT_REGION = "us-east-1";

export type AwsField = "region" | "profile" | "endpointUrl" | "roleArn" | "externalId";

/** Where a value came from: a flag, the export's entry, the environment, the file's [aws] table, or the default. */
export interface Origin {
  kind: "flag" | "export" | "env" | "file" | "default";
  /** The flag, variable or file that set it, for `config show`. */
  name: string;
}

/** One AWS source, resolved: what the S3 client of one export is built from. */
export interface AwsSource {
  region: string;
  profile?: string;
  endpointUrl?: string;
  roleArn?: string;
  externalId?: string;
  from: Partial<Record<AwsField, Origin>> & { region: Origin };
}

export type AwsFlags = Partial<Record<AwsField, string>>;

/** The standard AWS variables that set a source field (read once, by loadSettings). */
export function awsEnvLayer(env: Record<string, string | undefined>): { values: AwsFlags; names: Partial<Record<AwsField, string>> } {
  const pick = (...names: string[]) => names.find((n) => env[n]);
  const region = pick("AWS_REGION", "AWS_DEFAULT_REGION");
  const endpoint = pick("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
  const profile = pick("AWS_PROFILE");
  const values: AwsFlags = {};
  const names: Partial<Record<AwsField, string>> = {};
  if (region) [values.region, names.region] = [env[region], region];
  if (endpoint) [values.endpointUrl, names.endpointUrl] = [env[endpoint], endpoint];
  if (profile) [values.profile, names.profile] = [env[profile], profile];
  return { values, names };
}

export function fromFileFields(f: Partial<AwsFields> | undefined): AwsFlags {
  return { region: f?.region, profile: f?.profile, endpointUrl: f?.endpoint_url, roleArn: f?.role_arn, externalId: f?.external_id };
}

export interface AwsLayers {
  flags?: AwsFlags;
  /** The export's own entry in the config file. */
  exportEntry?: AwsFlags;
  env: ReturnType<typeof awsEnvLayer>;
  /** The file's [aws] defaults. */
  defaults: AwsFlags;
  file?: string;
  exportName?: string;
  /** How the entry is named in origins, when it is not an export's (e.g. the file's [lake] table). */
  entryName?: string;
}

const FIELDS: AwsField[] = ["region", "profile", "endpointUrl", "roleArn", "externalId"];
const FLAG: Record<AwsField, string> = { region: "--region", profile: "--profile", endpointUrl: "--endpoint-url", roleArn: "--role-arn", externalId: "--external-id" };

export function resolveAwsSource(l: AwsLayers): AwsSource {
  const file = l.file ?? "config file";
  const out: Partial<Record<AwsField, string>> = {};
  const from: Partial<Record<AwsField, Origin>> = {};
  for (const f of FIELDS) {
    const layers: [string | undefined, Origin][] = [
      [l.flags?.[f], { kind: "flag", name: FLAG[f] }],
      [l.exportEntry?.[f], { kind: "export", name: l.entryName ?? `${file} (export ${l.exportName ?? ""})` }],
      [l.env.values[f], { kind: "env", name: l.env.names[f] ?? "environment" }],
      [l.defaults[f], { kind: "file", name: `${file} [aws]` }],
    ];
    const hit = layers.find(([value]) => value !== undefined && value !== "");
    if (hit) [out[f], from[f]] = [hit[0], hit[1]];
  }
  return {
    region: out.region ?? DEFAULT_REGION,
    profile: out.profile,
    endpointUrl: out.endpointUrl,
    roleArn: out.roleArn,
    externalId: out.externalId,
    from: { ...from, region: from.region ?? { kind: "default", name: "default" } },
  };
}
