import { expect, test } from "bun:test";
import { checkDiskSpace } from "../../src/cur/spool.ts";

const fs = (freeBytes: number) => () => ({ bavail: freeBytes / 4096, bsize: 4096 });

test("the disk check fails early, before any download, with the sizes in the message", () => {
  expect(() => checkDiskSpace("/spool", 10 * 1024 * 1024, false, fs(4096 * 1000))).toThrow(
    "not enough free disk space in /spool for this period: 10.0 MB needed, 3.9 MB free",
  );
  expect(() => checkDiskSpace("/spool", 10 * 1024 * 1024, false, fs(4096 * 10_000))).not.toThrow();
  // ZIP files are unpacked beside themselves: room for the CSV text too.
  expect(() => checkDiskSpace("/spool", 10 * 1024 * 1024, true, fs(4096 * 10_000))).toThrow("110 MB needed, 39.1 MB free");
});

test("the real file system is asked when no stand-in is given", () => {
  expect(() => checkDiskSpace("/", 1, false)).not.toThrow();
  expect(() => checkDiskSpace("/", Number.MAX_SAFE_INTEGER, false)).toThrow("not enough free disk space in / for this period");
});
