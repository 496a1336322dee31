import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { StderrProgress } from "../../src/output/progress.ts";

function capture() {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

test("download progress names its own period while another period loads (overlapped pipeline)", () => {
  const out = capture();
  const p = new StderrProgress(out.stream, true);
  p.phase("exp 2025-08: loading 3 file(s) into DuckDB");
  p.bytes("exp 2025-09: downloading", 1024, 2048, 1, 3);
  expect(out.text()).toContain("\r\x1b[Kexp 2025-09: downloading: 1/3 files, 1.0 KB of 2.0 KB");
  expect(out.text()).not.toContain("into DuckDB: 1/3 files");
});

test("without a terminal: plain lines, progress at most every few seconds, nothing redrawn", () => {
  const out = capture();
  const p = new StderrProgress(out.stream, false, 60_000);
  p.phase("exp 2025-08: downloading 3 file(s)");
  for (let i = 0; i < 100; i++) p.bytes("exp 2025-08: downloading", i, 100, 0, 3);
  p.percent(50);
  expect(out.text()).toBe("exp 2025-08: downloading 3 file(s)\n");
  expect(out.text()).not.toContain("\r");
});
