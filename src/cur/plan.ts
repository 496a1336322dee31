/**
 * The plan of an export: for each billing period in range, its manifest read and compared with the state. A period is
 * imported (new, changed, or forced), skipped (unchanged), or failed (its manifest could not be read). Costs one
 * small GET per period; no data file is read. The import, the --pick prompt and list-manifests all start here.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { CurVersion, ExportSource } from "../config/exports.ts";
import { getText } from "../aws/s3.ts";
import { InterruptedError, errorMessage } from "../errors.ts";
import type { Flavour } from "../flavour.ts";
import { cleanExportName, type Period } from "../store/naming.ts";
import type { AttemptStart, CurrentPeriod } from "../store/state.ts";
import { discoverPeriods, inRange, type DiscoveredPeriod } from "./discovery.ts";
import { parseCur2Manifest, parseLegacyManifest, type ParsedManifest } from "./manifest.ts";

interface PlanBase {
  export: ExportSource;
  tablePrefix: string;
  curVersion: CurVersion;
  discovered: DiscoveredPeriod;
  /** What the database holds of this period. */
  current?: CurrentPeriod;
}

interface WithManifest {
  manifest: ParsedManifest;
  manifestEtag: string;
  manifestLastModified?: Date;
}

export type ImportReason = "new" | "changed" | "forced";
export type PeriodPlan =
  | (PlanBase & WithManifest & { action: "import"; reason: ImportReason })
  | (PlanBase & WithManifest & { action: "skip"; reason: "unchanged" })
  | (PlanBase & { action: "failed"; error: string });
export type ImportPlan = Extract<PeriodPlan, { action: "import" }>;

/** How a planned period reads in the picker, list-manifests and a dry run's summary. */
export type PlanLabel = ImportReason | "up to date" | "error";
export function planLabel(p: PeriodPlan): PlanLabel {
  return p.action === "failed" ? "error" : p.action === "skip" ? "up to date" : p.reason;
}

/** The load attempt recorded for a plan (finops.loads); files and bytes default to the manifest's count and 0. */
export function attemptOf(p: PeriodPlan, startedAt: Date, spooled?: { files: number; bytes: number }): AttemptStart {
  const manifest = p.action === "failed" ? undefined : p.manifest;
  return {
    export: p.export.name,
    period: p.discovered.period,
    version: manifest?.version ?? "",
    manifestKey: p.discovered.manifestKey,
    manifestEtag: p.action === "failed" ? "" : p.manifestEtag,
    files: spooled?.files ?? manifest?.files.length ?? 0,
    bytes: spooled?.bytes ?? 0,
    startedAt,
  };
}

/** `export/period`: how the picker names a period. */
export function planKey(p: PeriodPlan): string {
  return `${p.export.name}/${p.discovered.period}`;
}

/** The flavour a manifest's columns show: FOCUS columns, CUR 2.0 columns, or a legacy CUR. */
export function flavourOf(curVersion: CurVersion, manifest: ParsedManifest): Flavour {
  if (curVersion === "v1") return "legacy";
  return manifest.columns.some((c) => c.header === "BilledCost" || c.header === "ChargePeriodStart") ? "focus" : "cur2";
}

/** The export's flavour, from the first manifest that could be read. */
export function exportFlavour(plans: PeriodPlan[]): Flavour {
  for (const p of plans) if (p.action !== "failed") return flavourOf(p.curVersion, p.manifest);
  return plans[0]?.curVersion === "v1" ? "legacy" : "cur2";
}

export interface PlanOptions {
  client: S3Client;
  /** The versions the database holds, by period. */
  state: Map<Period, CurrentPeriod>;
  force: boolean;
  signal: AbortSignal;
  log?: (message: string) => void;
}

export async function planExport(exp: ExportSource, o: PlanOptions): Promise<PeriodPlan[]> {
  const tablePrefix = cleanExportName(exp.name);
  const { curVersion, periods } = await discoverPeriods({
    client: o.client,
    bucket: exp.bucket,
    prefix: exp.prefix,
    name: exp.name,
    curVersion: exp.curVersion,
    signal: o.signal,
  });
  const selected = periods.filter((p) => inRange(p.period, exp.start, exp.end));
  o.log?.(`${exp.name}: ${periods.length} billing period(s) in s3://${exp.bucket}/${exp.prefix}, ${selected.length} selected`);
  const plans: PeriodPlan[] = [];
  for (const discovered of selected) {
    if (o.signal.aborted) throw new InterruptedError();
    const base: PlanBase = { export: exp, tablePrefix, curVersion, discovered, current: o.state.get(discovered.period) };
    let got: WithManifest;
    try {
      const obj = await getText(o.client, exp.bucket, discovered.manifestKey, o.signal);
      const manifest =
        curVersion === "v1"
          ? parseLegacyManifest(obj.text, discovered.manifestKey, exp.bucket)
          : parseCur2Manifest(obj.text, discovered.manifestKey, exp.bucket, obj.etag);
      got = { manifest, manifestEtag: obj.etag, manifestLastModified: obj.lastModified };
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      plans.push({ ...base, action: "failed", error: errorMessage(err) });
      continue;
    }
    const held = base.current?.version;
    if (held === undefined) plans.push({ ...base, ...got, action: "import", reason: "new" });
    else if (held !== got.manifest.version) plans.push({ ...base, ...got, action: "import", reason: "changed" });
    else if (o.force) plans.push({ ...base, ...got, action: "import", reason: "forced" });
    else plans.push({ ...base, ...got, action: "skip", reason: "unchanged" });
  }
  return plans;
}

/** Periods the user picked are imported whatever their state; the others are left out. */
export function keepPicked(plans: PeriodPlan[], picked: Set<string>): PeriodPlan[] {
  return plans
    .filter((p) => picked.has(planKey(p)))
    .map((p) => (p.action === "skip" ? { ...p, action: "import" as const, reason: "forced" as const } : p));
}
