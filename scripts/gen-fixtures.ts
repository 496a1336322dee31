#!/usr/bin/env bun
/**
 * Deterministic generator of AWS billing export trees (legacy CUR v1, CUR 2.0, FOCUS), written onto the local
 * filesystem in the shape they have in S3: `<outDir>/<bucket>/<key>`. Next to the tree it writes `truth.json`:
 * what an importer must find (current version per billing period, files, row counts, exact cost sums).
 *
 * Rows never pass through JavaScript: every data file is produced by one DuckDB `COPY (SELECT … FROM range(n))`,
 * whose values are pseudo-random functions of (seed, file salt, row index) built from `hash()`. The same seed gives
 * byte-identical CSV/gzip/zip files and an identical truth. Column sets and realistic values come from
 * `fixtures/seeds/` (see its README for their origin); this script never reads anything outside the repository
 * unless asked to re-extract the seeds with `--extract-seeds <dir>`.
 *
 *   bun scripts/gen-fixtures.ts [--out fixtures/exports] [--seed 42] [--rows-per-file N] [--files N]
 *                               [--exports a,b] [--periods 2025-08,2025-09]
 *   bun scripts/gen-fixtures.ts --bench ROWS [--out DIR] [--files N]      big legacy CSV + big CUR 2.0 period
 *   bun scripts/gen-fixtures.ts --many EXPORTS,PERIODS [--out DIR]         many tiny exports x periods
 *   bun scripts/gen-fixtures.ts --extract-seeds <dir with cur-v1-sample-anonymized.csv and cur2-columns.json>
 *
 * The code lives in scripts/fixtures/, one concern per file: seeds.ts (reading fixtures/seeds), rng.ts, period.ts,
 * profiles.ts and base-query.ts (the row generator), legacy-columns.ts / cur2-columns.ts / focus-columns.ts (the
 * column values of each flavour), data-file.ts (CSV, gzip, ZIP, Parquet), manifests.ts, legacy-layout.ts and
 * data-exports-layout.ts (the S3 layouts), truth.ts (the ground truth), specs.ts, generate.ts, bench-exports.ts,
 * nise-like.ts (a delivery shaped as nise, koku's generator, writes them: manifest columns a subset of the CSV's),
 * commitments.ts with commitments-bill.ts and commitments-flavours.ts (one small bill with an EDP discount, a Savings
 * Plan, Reserved Instances, credits, refunds and tax, as five exports of every flavour plus a member-account report,
 * with a ground truth computed from its line-item model; not in the default tree),
 * extract-seeds.ts and cli.ts. This file is the entry point and the API the tests and the benchmark import.
 */
import { runCli } from "./fixtures/cli.ts";

export { generateBenchExports, generateManyPeriods } from "./fixtures/bench-exports.ts";
export { extractSeeds } from "./fixtures/extract-seeds.ts";
export {
  COMMITMENTS_BUCKET,
  COMMITMENTS_EXPORTS,
  COMMITMENTS_PERIODS,
  COMMITMENTS_TRUTH_FILE,
  generateCommitmentsBill,
  NO_COMMITMENTS_PERIOD,
  type CommitmentsExportKey,
  type CommitmentsExportTruth,
  type CommitmentsGroup,
  type CommitmentsLineTruth,
  type CommitmentsPeriodTruth,
  type CommitmentsSums,
  type CommitmentsTruth,
  type Money,
} from "./fixtures/commitments.ts";
export { generateFixtures, type GenOptions } from "./fixtures/generate.ts";
export { athenaName } from "./fixtures/headers.ts";
export { generateNiseLikeExport, NISE_BUCKET, NISE_NAME, NISE_PERIOD, NISE_PREFIX, type NiseLikeTruth } from "./fixtures/nise-like.ts";
export { BENCH_BUCKET, DEFAULT_BUCKET, DEFAULT_PERIODS, EXPORT_NAMES, MANY_BUCKET } from "./fixtures/specs.ts";
export type {
  Compression,
  CurVersion,
  DataFormat,
  Flavour,
  Truth,
  TruthExport,
  TruthFile,
  TruthPeriod,
  TruthTraps,
  TruthVersion,
} from "./fixtures/truth.ts";

if (import.meta.main) runCli(process.argv.slice(2));
