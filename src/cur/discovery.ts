/**
 * Finding billing periods with delimiter listings (never a recursive listing of the bucket).
 *
 * Legacy CUR:  <prefix>/<report>/<yyyymmdd>-<yyyymmdd>/<report>-Manifest.json
 * CUR 2.0/FOCUS: <prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json
 * A prefix written with a trailing "/" gives keys with "//": AWS writes them so, and they are used as they are.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { AppError } from "../errors.ts";
import { listFolders, s3Url } from "../aws/s3.ts";
import type { CurVersion } from "../config/exports.ts";
import type { Period } from "../store/naming.ts";
import { periodFromLegacyFolder, periodFromPartition } from "./naming.ts";

export type { CurVersion } from "../config/exports.ts";

export interface DiscoveredPeriod {
  period: Period;
  /** The billing-period (top-level) manifest. */
  manifestKey: string;
}

/** `<prefix>/<name>/` exactly as AWS builds it (an empty prefix means the export sits at the bucket root). */
export function exportRoot(prefix: string, name: string): string {
  return prefix === "" ? `${name}/` : `${prefix}/${name}/`;
}

function lastSegment(folder: string): string {
  const trimmed = folder.endsWith("/") ? folder.slice(0, -1) : folder;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Legacy period folders → periods and their top-level manifest keys. */
export function legacyPeriods(folders: string[], name: string): DiscoveredPeriod[] {
  const out: DiscoveredPeriod[] = [];
  for (const folder of folders) {
    const period = periodFromLegacyFolder(lastSegment(folder));
    if (period) out.push({ period, manifestKey: `${folder}${name}-Manifest.json` });
  }
  return out.sort((a, b) => a.period.localeCompare(b.period));
}

/** CUR 2.0 metadata partitions → periods and their partition-level manifest keys. */
export function cur2Periods(folders: string[], name: string): DiscoveredPeriod[] {
  const byPeriod = new Map<Period, DiscoveredPeriod>();
  for (const folder of folders) {
    const period = periodFromPartition(lastSegment(folder));
    if (period && !byPeriod.has(period)) byPeriod.set(period, { period, manifestKey: `${folder}${name}-Manifest.json` });
  }
  return [...byPeriod.values()].sort((a, b) => a.period.localeCompare(b.period));
}

/** Which flavour sits at `<prefix>/<name>/`: `metadata/` + `data/` → v2, period folders → v1. */
export function detectFromFolders(folders: string[]): CurVersion | undefined {
  const names = folders.map(lastSegment);
  if (names.includes("metadata")) return "v2";
  if (names.some((n) => periodFromLegacyFolder(n))) return "v1";
  return undefined;
}

export interface DiscoverInput {
  client: S3Client;
  bucket: string;
  prefix: string;
  name: string;
  curVersion?: CurVersion;
  signal?: AbortSignal;
}

export async function discoverPeriods(input: DiscoverInput): Promise<{ curVersion: CurVersion; periods: DiscoveredPeriod[] }> {
  const root = exportRoot(input.prefix, input.name);
  let curVersion = input.curVersion;
  let rootFolders: string[] | undefined;
  if (!curVersion) {
    rootFolders = await listFolders(input.client, input.bucket, root, input.signal);
    curVersion = detectFromFolders(rootFolders);
  }
  if (curVersion === "v1") {
    const folders = rootFolders ?? (await listFolders(input.client, input.bucket, root, input.signal));
    return { curVersion, periods: legacyPeriods(folders, input.name) };
  }
  // CUR 2.0 / FOCUS; or nothing recognisable at the root, where the metadata/ listing settles it. (Some S3-compatible
  // servers do not report a common prefix that holds only deeper folders, so the root listing can miss metadata/.)
  const folders = await listFolders(input.client, input.bucket, `${root}metadata/`, input.signal);
  const periods = cur2Periods(folders, input.name);
  if (!curVersion && periods.length === 0) {
    throw new AppError(`no billing export found at ${s3Url(input.bucket, root)}${await whatIsBeside(input)}`, {
      hint: "Check --bucket, --prefix and --export-name: the export's folder holds period folders (legacy CUR) or metadata/ and data/ (CUR 2.0, FOCUS).",
    });
  }
  return { curVersion: "v2", periods };
}

/** How many folder names the error names, at most. */
const BESIDE_SHOWN = 10;

/**
 * For the error when no export sits at `<prefix>/<name>/`: the folders one more delimiter listing finds in the
 * prefix (a mistyped export name or a missing --prefix is the usual cause); nothing when it finds none or fails. An
 * empty answer is not said to mean an empty prefix: some S3-compatible servers (s3rver) list only folders that hold
 * an object themselves.
 */
async function whatIsBeside(input: DiscoverInput): Promise<string> {
  const parent = input.prefix === "" ? "" : `${input.prefix}/`;
  let folders: string[];
  try {
    folders = await listFolders(input.client, input.bucket, parent, input.signal, BESIDE_SHOWN + 1);
  } catch {
    return "";
  }
  if (folders.length === 0) return "";
  const names = folders.slice(0, BESIDE_SHOWN).map(lastSegment).map((n) => JSON.stringify(n));
  return `; folders in ${s3Url(input.bucket, parent)}: ${names.join(", ")}${folders.length > BESIDE_SHOWN ? ", …" : ""}`;
}

export function inRange(period: Period, start?: Period, end?: Period): boolean {
  return (!start || period >= start) && (!end || period <= end);
}
