/**
 * The layers of ARCHITECTURE.md, checked on the source itself: every import of every file under src/ (and commands/)
 * is read and resolved, and the rules below fail the suite when a change breaks them.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

interface Import {
  spec: string;
  /** Repository-relative path of a relative import, else the package name. */
  target: string;
  typeOnly: boolean;
}

/** Static imports and re-exports (`import … from`, `export … from`, side-effect imports) and dynamic `import()`. */
function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const target = spec.startsWith(".") ? relative(root, resolve(root, dirname(file), spec)) : spec;
    out.push({ spec, target, typeOnly });
  };
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\sfrom\s+["']([^"']+)["']/gms)) add(m[3], Boolean(m[2]));
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) add(m[1], false);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) add(m[1], false);
  return out;
}

/** Reads of the process environment, or of a FINOPS_* variable from any environment object. */
function envReads(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(/process\.env\b|\benv\s*(?:\.\s*FINOPS_\w+|\[\s*["'`]FINOPS_)/g)].map((m) => m[0]);
}

interface Violation {
  file: string;
  rule: string;
  detail: string;
}

/** The rules: what each part of src/ may import, and who may read the environment. */
function check(files: { file: string; text: string }[]): Violation[] {
  const v: Violation[] = [];
  const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
  for (const { file, text } of files) {
    for (const imp of importsOf(file, text)) {
      if (under(file, "src") && under(imp.target, "commands")) v.push({ file, rule: "src/ imports nothing from commands/", detail: imp.spec });
      if (under(file, "src/store") && under(imp.target, "src/cur")) v.push({ file, rule: "store/ imports nothing from cur/", detail: imp.spec });
      if (under(file, "src/store") && under(imp.target, "src/model")) v.push({ file, rule: "store/ imports nothing from model/", detail: imp.spec });
      if (under(file, "src/model") && under(imp.target, "src/cur")) v.push({ file, rule: "model/ imports nothing from cur/", detail: imp.spec });
      if (under(file, "src/report") && under(imp.target, "src/cur")) v.push({ file, rule: "report/ imports nothing from cur/", detail: imp.spec });
      if (under(file, "src/model") && under(imp.target, "src/report")) v.push({ file, rule: "model/ imports nothing from report/", detail: imp.spec });
      if (under(file, "src/lake") && under(imp.target, "src/cur")) v.push({ file, rule: "lake/ imports nothing from cur/", detail: imp.spec });
      for (const layer of ["src/cur", "src/store", "src/aws", "src/output"]) {
        if (under(file, "src/config") && under(imp.target, layer)) v.push({ file, rule: "config/ imports only the base modules", detail: imp.spec });
      }
      if (under(file, "src/aws") && (under(imp.target, "src/cur") || under(imp.target, "src/store"))) v.push({ file, rule: "aws/ imports nothing from cur/ or store/", detail: imp.spec });
    }
    if (!under(file, "src/config") && file !== "main.ts") {
      for (const read of envReads(text)) v.push({ file, rule: "only config/ and the entry read the environment's settings", detail: read });
    }
  }
  return v;
}

describe("the layers of ARCHITECTURE.md", () => {
  test("every file under src/ and commands/ keeps the import rules, and only config/ and main.ts read process.env or FINOPS_*", () => {
    const files = [...sources("src"), ...sources("commands"), "main.ts"].map((file) => ({ file, text: readFileSync(join(root, file), "utf8") }));
    expect(files.length).toBeGreaterThan(30);
    // Sanity: the reader finds the imports it must (this file list really was read).
    const imports = files.flatMap((f) => importsOf(f.file, f.text).map((i) => `${f.file} -> ${i.target}`));
    expect(imports).toContain("src/cur/import.ts -> src/store/state.ts");
    expect(imports).toContain("main.ts -> commands/index.ts");
    expect(check(files)).toEqual([]);
  });

  test("the checker catches each kind of violation (so the test above can fail)", () => {
    const bad = [
      { file: "src/store/x.ts", text: 'import { planExport } from "../cur/plan.ts";\n' },
      { file: "src/store/y.ts", text: 'const m = await import("../cur/select.ts");\n' },
      { file: "src/output/z.ts", text: 'export { commands } from "../../commands/index.ts";\n' },
      { file: "src/config/w.ts", text: 'import type { Connection } from "../store/duckdb.ts";\n' },
      { file: "src/aws/v.ts", text: 'import {\n  loadPeriod,\n} from "../store/load.ts";\n' },
      { file: "src/cur/u.ts", text: "const home = process.env.HOME;\n" },
      { file: "commands/t.ts", text: "const n = ctx.env.FINOPS_DUCKDB_THREADS;\nconst m = env['FINOPS_X'];\n" },
      { file: "src/config/ok.ts", text: "const n = env.FINOPS_DUCKDB_THREADS; const h = process.env.HOME;\n" },
      { file: "src/cur/comment.ts", text: "/** FINOPS_DEBUG_PAUSE is read by config/tuning.ts, not env.FINOPS_X here */\nexport {};\n" },
      { file: "src/lake/s.ts", text: 'import { makeSpoolDir } from "../cur/spool.ts";\n' },
    ];
    expect(check(bad).map((x) => `${x.file}: ${x.rule}: ${x.detail}`)).toEqual([
      'src/store/x.ts: store/ imports nothing from cur/: ../cur/plan.ts',
      'src/store/y.ts: store/ imports nothing from cur/: ../cur/select.ts',
      'src/output/z.ts: src/ imports nothing from commands/: ../../commands/index.ts',
      'src/config/w.ts: config/ imports only the base modules: ../store/duckdb.ts',
      'src/aws/v.ts: aws/ imports nothing from cur/ or store/: ../store/load.ts',
      "src/cur/u.ts: only config/ and the entry read the environment's settings: process.env",
      "commands/t.ts: only config/ and the entry read the environment's settings: env.FINOPS_DUCKDB_THREADS",
      "commands/t.ts: only config/ and the entry read the environment's settings: env['FINOPS_",
      "src/lake/s.ts: lake/ imports nothing from cur/: ../cur/spool.ts",
    ]);
  });
});
