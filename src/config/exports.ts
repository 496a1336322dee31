/** Which exports a command works on: flags for one export, an entry of the config file, or all of them (--all). */
import { UsageError } from "../errors.ts";
import { fromFileFields, resolveAwsSource, type AwsFlags, type AwsSource } from "./aws.ts";
import { MONTH, type ExportConfig } from "./file.ts";
import type { Settings } from "./index.ts";

export type CurVersion = "v1" | "v2";

/** One export to read: where it is, how to reach it, and which billing periods (inclusive months) to consider. */
export interface ExportSource {
  name: string;
  bucket: string;
  prefix: string;
  curVersion?: CurVersion;
  aws: AwsSource;
  /** First and last billing period, YYYY-MM (flags win over the export's start_date / end_date). */
  start?: string;
  end?: string;
  /**
   * `priority = N`: which export a period counts from in focus.costs when two hold it (higher wins). Only the config
   * sets it: null for a config entry without one, undefined (keep what the database holds) for an export from flags.
   */
  priority?: number | null;
}

export interface SourceFlags extends AwsFlags {
  bucket?: string;
  prefix?: string;
  exportName?: string;
  curVersion?: string;
  startDate?: string;
  endDate?: string;
  all?: boolean;
}

function checkCurVersion(v: string | undefined): CurVersion | undefined {
  if (v === undefined) return undefined;
  if (v !== "v1" && v !== "v2") throw new UsageError(`--cur-version must be v1 or v2, got "${v}"`);
  return v;
}

/** A month flag (YYYY-MM), or a usage error naming the flag. */
export function parseMonth(value: string, flag: string): string {
  if (!MONTH.test(value)) throw new UsageError(`${flag} must be a month as YYYY-MM, got "${value}"`);
  return value;
}

/** A prefix keeps what the user wrote except a leading "/" (S3 keys never start with one). */
function cleanPrefix(prefix: string): string {
  return prefix.replace(/^\/+/, "");
}

export function resolveExports(flags: SourceFlags, settings: Settings): ExportSource[] {
  const curVersion = checkCurVersion(flags.curVersion);
  const start = flags.startDate ? parseMonth(flags.startDate, "--start-date") : undefined;
  const end = flags.endDate ? parseMonth(flags.endDate, "--end-date") : undefined;
  if (start && end && start > end) throw new UsageError(`--start-date ${start} is after --end-date ${end}`);
  const { region, profile, endpointUrl, roleArn, externalId } = flags;
  const awsFlags: AwsFlags = { region, profile, endpointUrl, roleArn, externalId };
  const make = (e: Partial<ExportConfig> & { name: string; bucket: string }, from: "config" | "flags" = "config"): ExportSource => {
    const [first, last] = [start ?? e.start_date, end ?? e.end_date];
    if (first && last && first > last) {
      const said = (flag: string | undefined, name: string) => (flag ? name : `the config file's ${name.slice(2).replace("-", "_")}`);
      throw new UsageError(`export "${e.name}": ${said(start, "--start-date")} ${first} is after ${said(end, "--end-date")} ${last}`);
    }
    return {
      name: e.name,
      bucket: flags.bucket ?? e.bucket,
      prefix: cleanPrefix(flags.prefix ?? e.prefix ?? ""),
      curVersion: curVersion ?? e.cur_version,
      aws: resolveAwsSource({
        ...settings.awsLayers,
        flags: awsFlags,
        exportEntry: fromFileFields(e),
        exportName: e.name,
      }),
      start: first,
      end: last,
      ...(from === "config" ? { priority: e.priority ?? null } : {}),
    };
  };
  if (flags.all) {
    if (flags.exportName || flags.bucket || flags.prefix) throw new UsageError("--all takes every export of the config file: drop --export-name, --bucket and --prefix");
    if (settings.exports.length === 0) {
      throw new UsageError(`--all: the config file ${settings.configFile ?? "(none found)"} lists no [[aws.exports]]`, {
        hint: "Write one with `finops config init`, or name one export with --bucket and --export-name.",
      });
    }
    return settings.exports.map((e) => make(e));
  }
  const configured = flags.exportName
    ? settings.exports.find((e) => e.name === flags.exportName)
    : settings.exports.length === 1 && !flags.bucket
      ? settings.exports[0]
      : undefined;
  if (configured) return [make(configured)];
  if (!flags.exportName) {
    throw new UsageError(
      settings.exports.length > 1
        ? `the config file lists ${settings.exports.length} exports: name one with --export-name, or use --all`
        : "name the export: --export-name (and --bucket), or an [[aws.exports]] entry in the config file",
    );
  }
  if (!flags.bucket) throw new UsageError(`export "${flags.exportName}" is not in the config file: give its --bucket`);
  return [make({ name: flags.exportName, bucket: flags.bucket }, "flags")];
}
