/** The header line of a (possibly gzip-compressed) CSV file, read without reading the file. */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";

/** Split one CSV line (RFC 4180 quoting). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export async function readCsvHeader(path: string, gzip: boolean): Promise<string[]> {
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  let text = "";
  try {
    for await (const chunk of stream) {
      text += Buffer.from(chunk as Uint8Array).toString("utf8");
      const nl = text.indexOf("\n");
      if (nl >= 0) {
        text = text.slice(0, nl);
        break;
      }
      if (text.length > 4 * 1024 * 1024) throw new Error("no line break in the first 4 MiB");
    }
  } finally {
    raw.destroy();
    stream.destroy();
  }
  text = text.replace(/\r$/, "").replace(/^\uFEFF/, "");
  if (text.trim() === "") throw new Error("the file is empty (no header line)");
  return splitCsvLine(text);
}
