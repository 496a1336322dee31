#!/usr/bin/env bun
/**
 * `npm test`: builds dist/finops (the end-to-end tests run it), runs every test with `bun test`, and ends with one
 * line `N passed, N failed` counted from bun's JUnit report. Extra arguments go to `bun test` (e.g. a file filter).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const bun = process.execPath;

const build = Bun.spawnSync([bun, join(root, "scripts", "build.ts")], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const reportDir = mkdtempSync(join(tmpdir(), "finops-junit-"));
const report = join(reportDir, "junit.xml");
const proc = Bun.spawn([bun, "test", "--timeout=120000", "--reporter=junit", `--reporter-outfile=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
  env: { ...process.env, FINOPS_TEST_RUN: "1" },
});
const code = await proc.exited;

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const xml = readFileSync(report, "utf8");
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? "";
    if (/<(failure|error)\b/.test(body)) failed += 1;
    else if (/<skipped\b/.test(body)) skipped += 1;
    else passed += 1;
  }
} catch {
  failed += 1; // no report: the runner itself broke
}
rmSync(reportDir, { recursive: true, force: true });
if (code !== 0 && failed === 0) failed = 1; // e.g. an error outside any test
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
