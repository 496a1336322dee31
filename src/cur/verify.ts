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
  // The inflated text is thrown away as it comes; collect it every 32 MB, or it piles up beside DuckDB's memory.
  let sinceGc = 0;
  const sink = new Writable({
    write(chunk: Uint8Array, _enc, cb) {
      sinceGc += chunk.length;
      if (sinceGc > 32 * 1024 * 1024) {
        sinceGc = 0;
        Bun.gc(false);
      }
      cb();
    },
  });
  try {
    await pipeline(createReadStream(path, { highWaterMark: 256 * 1024 }), createGunzip({ chunkSize: 64 * 1024 }), sink);
  } catch (err) {
    throw new AppError(`${source}: the gzip data is damaged or cut short (${(err as Error).message}); the file in S3 is not whole`);
  }
}

/**
 * Check every gzip file, one after another (DuckDB has the other cores). zlib here inflates about 3.5 times as fast
 * as `gzip -t` (measured: 0.36 s against 1.33 s for a 49 MB file), so it takes less CPU from the load beside it.
 */
export async function verifyGzipFiles(files: { path: string; source: string; gzip: boolean }[]): Promise<void> {
  for (const f of files) if (f.gzip) await verifyGzipFile(f.path, f.source);
}
