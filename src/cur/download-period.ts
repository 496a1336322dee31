/**
 * Downloading one period: HEAD every file (sizes for the disk check, ETags that pin every byte), then download exactly
 * the manifest's files into a fresh spool folder, several at once, ZIPs unpacked as they arrive; finally read the
 * manifest again — an overwrite-mode delivery rewritten meanwhile would mix two versions.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { downloadObject, getText, headObject, s3Url } from "../aws/s3.ts";
import type { PausePoint } from "../config/tuning.ts";
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import type { ProgressSink } from "../output/progress.ts";
import { formatBytes } from "../output/table.ts";
import { forEachConcurrent, mapConcurrent } from "../pool.ts";
import type { ImportPlan } from "./plan.ts";
import type { LocalFile } from "./select.ts";
import { checkDiskSpace, makeSpoolDir, type SpoolBudget, type SpooledPeriod } from "./spool.ts";
import { unzipSingleCsv } from "./unzip.ts";

export interface DownloadPeriodOptions {
  client: S3Client;
  budget: SpoolBudget;
  spoolRoot: string;
  progress: ProgressSink;
  signal: AbortSignal;
  /** How many files download at once (default 4). */
  concurrency?: number;
  /** A body that sends nothing for this long fails and resumes. */
  idleTimeoutMs?: number;
  pause?: (point: PausePoint) => Promise<void>;
  log?: (message: string) => void;
}

function safeName(key: string): string {
  return basename(key).replace(/[^A-Za-z0-9._-]/g, "_");
}

export async function downloadPeriod(plan: ImportPlan, o: DownloadPeriodOptions): Promise<SpooledPeriod> {
  const { manifest } = plan;
  const began = performance.now();
  const infos = await mapConcurrent(manifest.files, 8, (f) => headObject(o.client, f.bucket, f.key, o.signal));
  const periodBytes = infos.reduce((a, b) => a + b.size, 0);
  mkdirSync(o.spoolRoot, { recursive: true });
  checkDiskSpace(o.spoolRoot, periodBytes, manifest.compression === "zip");
  const dir = makeSpoolDir(o.spoolRoot);
  o.budget.enter(periodBytes);
  let reserved = 0;
  try {
    const files: LocalFile[] = manifest.files.map((f, i) => ({
      path: join(dir, `${String(i + 1).padStart(5, "0")}-${safeName(f.key)}`),
      source: s3Url(f.bucket, f.key),
      format: manifest.format,
      gzip: manifest.compression === "gzip" || f.key.endsWith(".gz"),
    }));
    let done = 0;
    let filesDone = 0;
    const label = `${plan.export.name} ${plan.discovered.period}: downloading`;
    o.progress.phase(`${label} ${files.length} file(s)`);
    const report = () => o.progress.bytes(label, done, Math.max(periodBytes, done), filesDone, files.length);
    await forEachConcurrent(manifest.files, o.concurrency ?? 4, async (ref, i) => {
      await o.budget.reserve(infos[i].size, o.signal);
      reserved += infos[i].size;
      await downloadObject(o.client, ref.bucket, ref.key, files[i].path, {
        signal: o.signal,
        etag: infos[i].etag,
        size: infos[i].size,
        idleTimeoutMs: o.idleTimeoutMs,
        onBytes: (n) => {
          done += n;
          report();
        },
      });
      filesDone += 1;
      if (filesDone === 1) await o.pause?.("download");
      if (o.signal.aborted) throw new InterruptedError();
      if (manifest.compression === "zip") files[i] = await unzipped(files[i]);
      report();
    });
    // The download's buffers are garbage now: collect them before DuckDB needs the memory.
    Bun.gc(true);
    o.log?.(`${plan.export.name} ${plan.discovered.period}: downloaded ${files.length} file(s), ${formatBytes(done)}, in ${((performance.now() - began) / 1000).toFixed(2)} s (spool peak so far ${formatBytes(o.budget.peak)})`);
    // Overwrite mode rewrites files in place: if the manifest changed while we read, the files may mix deliveries.
    const again = await getText(o.client, plan.export.bucket, plan.discovered.manifestKey, o.signal);
    if (plan.manifestEtag && again.etag !== plan.manifestEtag) {
      throw new AppError(`${s3Url(plan.export.bucket, plan.discovered.manifestKey)} changed while the period was downloading; run the import again`);
    }
    return { dir, files, bytes: done, reserved, periodBytes };
  } catch (err) {
    o.budget.drop({ dir, periodBytes, reserved });
    throw err;
  }
}

/** A downloaded `.csv.zip` → the CSV beside it; the ZIP is removed. */
async function unzipped(file: LocalFile): Promise<LocalFile> {
  const csv = file.path.replace(/\.zip$/i, "");
  try {
    await unzipSingleCsv(file.path, csv);
  } catch (err) {
    throw new AppError(`${file.source}: cannot unpack the ZIP file: ${errorMessage(err)}`);
  }
  rmSync(file.path, { force: true });
  return { ...file, path: csv, gzip: false };
}
