/** `aws list-manifests`: what the bucket holds per billing period against what the database holds — the plan alone. */
import type { ConsolaInstance } from "consola";
import { createS3Client } from "../aws/client.ts";
import type { ExportSource } from "../config/exports.ts";
import type { NetworkBounds } from "../config/tuning.ts";
import type { Period } from "../store/naming.ts";
import { withReadOnly } from "../store/query.ts";
import { currentPeriods } from "../store/state.ts";
import { planExport, planLabel, type PlanLabel } from "./plan.ts";

export interface ManifestRow {
  export: string;
  period: Period;
  version: string | null;
  files: number | null;
  manifestKey: string;
  manifestLastModified: string | null;
  state: Exclude<PlanLabel, "forced">;
  rowsHeld: number | null;
  versionHeld: string | null;
  error: string | null;
}

export interface ListManifestsRequest {
  exports: ExportSource[];
  database: string;
  env: Record<string, string | undefined>;
  network: NetworkBounds;
  signal: AbortSignal;
  logger: ConsolaInstance;
}

export async function listManifests(req: ListManifestsRequest): Promise<ManifestRow[]> {
  const rows: ManifestRow[] = [];
  for (const exp of req.exports) {
    const client = await createS3Client(exp.aws, req.env, req.network);
    try {
      const state = await withReadOnly(req.database, new Map(), (con) => currentPeriods(con, exp.name));
      const plans = await planExport(exp, { client, state, force: false, signal: req.signal, log: (m) => req.logger.debug(m) });
      for (const p of plans) {
        const manifest = p.action === "failed" ? undefined : p.manifest;
        rows.push({
          export: exp.name,
          period: p.discovered.period,
          version: manifest?.version ?? null,
          files: manifest?.files.length ?? null,
          manifestKey: p.discovered.manifestKey,
          manifestLastModified: (p.action === "failed" ? undefined : p.manifestLastModified)?.toISOString() ?? null,
          state: planLabel(p) as ManifestRow["state"],
          rowsHeld: p.current?.rows ?? null,
          versionHeld: p.current?.version ?? null,
          error: p.action === "failed" ? p.error : null,
        });
      }
    } finally {
      client.destroy();
    }
  }
  return rows;
}
