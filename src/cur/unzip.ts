/** ZIP-compressed legacy CUR files (`.csv.zip`): unpacked with fflate's streaming Unzip, one chunk at a time. */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Unzip, UnzipInflate, type UnzipFile } from "fflate";

/** Extract the single CSV inside `zipPath` to `csvPath`; returns the bytes written. */
export async function unzipSingleCsv(zipPath: string, csvPath: string): Promise<number> {
  const out = await open(csvPath, "w", 0o600);
  let written = 0;
  let entries = 0;
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown;
  try {
    await new Promise<void>((resolve, reject) => {
      let ended = false;
      let fileDone = false;
      const finishIfDone = () => {
        if (ended && (fileDone || entries === 0)) pending.then(() => resolve(), reject);
      };
      const unzip = new Unzip((file: UnzipFile) => {
        if (file.name.endsWith("/")) return;
        entries += 1;
        if (entries > 1) {
          failure = new Error(`the ZIP holds more than one file (${file.name})`);
          return;
        }
        file.ondata = (err, chunk, final) => {
          if (err) {
            failure = err;
            reject(err);
            return;
          }
          const data = chunk;
          pending = pending.then(async () => {
            await out.write(data, 0, data.length, written);
            written += data.length;
          });
          if (final) {
            fileDone = true;
            finishIfDone();
          }
        };
        file.start();
      });
      unzip.register(UnzipInflate);
      const input = createReadStream(zipPath, { highWaterMark: 1024 * 1024 });
      input.on("data", (chunk) => {
        try {
          unzip.push(chunk as Uint8Array);
        } catch (err) {
          reject(err);
          input.destroy();
        }
      });
      input.on("error", reject);
      input.on("end", () => {
        try {
          unzip.push(new Uint8Array(0), true);
        } catch (err) {
          reject(err);
          return;
        }
        ended = true;
        finishIfDone();
      });
    });
    if (failure) throw failure;
    if (entries === 0) throw new Error("the ZIP holds no file");
    return written;
  } finally {
    await out.close();
  }
}
