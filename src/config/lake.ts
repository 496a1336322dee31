/**
 * Where `finops lake export` writes, resolved once: `--to` > the config file's `[lake] to`, as an S3 root
 * (`s3://bucket/prefix/`) or a local folder; and how to reach the bucket, by the one rule of config/aws.ts with the
 * `[lake]` table in the place of an export's entry: flag > `[lake]` > AWS variables > `[aws]` > default.
 */
import { isAbsolute, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { fromFileFields, resolveAwsSource, type AwsFlags, type AwsSource } from "./aws.ts";
import { LAKE_S3 } from "./file.ts";
import type { Settings } from "./index.ts";

/** The lake's root. `url` is how it is named everywhere (state, messages): `s3://bucket/prefix/` or an absolute folder. */
export type LakeLocation = { kind: "s3"; bucket: string; prefix: string; url: string } | { kind: "dir"; path: string; url: string };

export interface LakeTarget {
  location: LakeLocation;
  /** The S3 source (unused for a folder). */
  aws: AwsSource;
  /** Where the root came from, for messages. */
  from: "flag" | "file";
}

/** `s3://bucket/prefix` → bucket and a prefix that is empty or ends with "/"; anything else is a folder (from `cwd`). */
export function parseLakeLocation(to: string, cwd: string, what = "--to"): LakeLocation {
  const text = to.trim();
  if (text.startsWith("s3://")) {
    const m = LAKE_S3.exec(text);
    if (!m) throw new UsageError(`${what} must be s3://bucket/prefix/ (a valid bucket name) or a folder, got "${to}"`);
    const bucket = m[1];
    const parts = (m[2] ?? "").split("/").filter((p) => p !== "");
    const prefix = parts.length ? `${parts.join("/")}/` : "";
    return { kind: "s3", bucket, prefix, url: `s3://${bucket}/${prefix}` };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new UsageError(`${what}: only s3:// URLs and local folders are supported, got "${to}"`);
  const path = isAbsolute(text) ? resolve(text) : resolve(cwd, text);
  return { kind: "dir", path, url: path };
}

export interface LakeFlags extends AwsFlags {
  to?: string;
}

/** The lake a command writes to; a usage error (exit 2) when neither `--to` nor `[lake] to` names one. */
export function resolveLake(flags: LakeFlags, settings: Settings, cwd: string, toFlag = "--to"): LakeTarget {
  const configured = settings.lake?.to;
  const to = flags.to ?? configured;
  if (!to) {
    throw new UsageError(`no lake to write to: give ${toFlag} s3://bucket/prefix/ (or a folder), or set [lake] to = "s3://…" in the config file`);
  }
  const location = parseLakeLocation(to, cwd, flags.to !== undefined ? toFlag : `${settings.configFile ?? "config file"}: lake.to`);
  const { region, profile, endpointUrl, roleArn, externalId } = flags;
  const aws = resolveAwsSource({
    ...settings.awsLayers,
    flags: { region, profile, endpointUrl, roleArn, externalId },
    exportEntry: fromFileFields(settings.lake),
    entryName: `${settings.configFile ?? "config file"} [lake]`,
  });
  return { location, aws, from: flags.to !== undefined ? "flag" : "file" };
}
