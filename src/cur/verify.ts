/**
 * Whole-file checks DuckDB does not make: it reads a truncated gzip file up to where it breaks without an error, so a
 * short file would lose rows silently. Every gzip file is decompressed once (output discarded; CRC and length
 * checked by zlib) while DuckDB loads the period, and the period commits only if every file is whole.
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AppError } from "../errors.ts";

export async function verifyGzipFile(path: string, source: string): Promise<void> {
  const sink = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), createGunzip(), sink);
  } catch (err) {
    throw new AppError(`${source}: the gzip data is damaged or cut short (${(err as Error).message}); the file in S3 is not whole`);
  }
}

/** Check every gzip file, one after another (one core is DuckDB's, the other is enough for this). */
export async function verifyGzipFiles(files: { path: string; source: string; gzip: boolean }[]): Promise<void> {
  for (const f of files) if (f.gzip) await verifyGzipFile(f.path, f.source);
}
