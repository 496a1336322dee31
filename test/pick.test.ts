/**
 * `import-cur --pick` in a real pseudo-terminal (util-linux `script`), driven with the keyboard: exactly the periods
 * picked are imported; Ctrl-C in the picker exits 130 and leaves the database unchanged; without a terminal --pick is
 * refused with exit 2.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { binaryWorkspace, removeWorkspaces, runBinary, type BinaryWorkspace } from "./helpers/cli.ts";
import { query } from "./helpers/db.ts";
import { useFixtureS3 } from "./helpers/s3.ts";
import { FIXTURES } from "./helpers/truth.ts";

let ws: BinaryWorkspace;
let db: string;
const SRC = ["-b", "billing-fixtures", "-p", "focus", "-e", "focus"];

const server = useFixtureS3({
  trees: [{ dir: FIXTURES, only: (_b, key) => key.startsWith("focus/") }],
  setup: () => {
    ws = binaryWorkspace({ copy: false });
    db = join(ws.dir, "pick.duckdb");
  },
  teardown: removeWorkspaces,
});

const plain = (t: string) => t.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** Run finops in a pseudo-terminal; `keys` are typed once the picker is on screen, a step at a time. */
async function inTerminal(args: string[], keys: string[]): Promise<{ exitCode: number; screen: string }> {
  const quoted = [ws.bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const proc = Bun.spawn(["script", "-qfec", `stty cols 120 rows 40; ${quoted}`, "/dev/null"], {
    cwd: ws.dir,
    env: { ...ws.env, ...server.s3.env, TERM: "xterm-256color" },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of proc.stdout) out += decoder.decode(chunk);
  })();
  for (let i = 0; i < 200 && !plain(out).includes("Billing periods of focus"); i++) await Bun.sleep(50);
  expect(plain(out)).toContain("Billing periods of focus to import");
  for (const key of keys) {
    proc.stdin.write(key);
    proc.stdin.flush();
    await Bun.sleep(150);
  }
  const exitCode = await proc.exited;
  await reading;
  return { exitCode, screen: plain(out) };
}

const UP_TO_DATE = "up to date";
const DOWN = "\x1b[B";

test("two periods picked with the keyboard: exactly those two are imported", async () => {
  // Everything is imported once, so nothing is pre-selected in the picker.
  expect((await runBinary(ws, ["aws", "import-cur", ...SRC, "-d", db], { env: server.s3.env })).exitCode).toBe(0);
  const { exitCode, screen } = await inTerminal(["aws", "import-cur", ...SRC, "-d", db, "--pick"], [" ", DOWN, DOWN, " ", "\r"]);
  expect(exitCode).toBe(0);
  expect(screen).toContain(UP_TO_DATE);
  const loads = await query(db, "SELECT billing_period, count(*)::INT AS n FROM finops.loads WHERE outcome = 'imported' GROUP BY 1 ORDER BY 1");
  expect(loads.map((l) => [l.billing_period, l.n])).toEqual([
    ["2025-08", 2],
    ["2025-09", 1],
    ["2025-10", 2],
  ]);
  expect(screen).toMatch(/│ focus\s+│ 2025-08 │.*│ imported\s+│/);
  expect(screen).toMatch(/│ focus\s+│ 2025-10 │.*│ imported\s+│/);
  expect(screen).not.toMatch(/│ focus\s+│ 2025-09 │/);
});

test("Ctrl-C in the picker exits 130 and leaves the database unchanged", async () => {
  const before = [await query(db, "SELECT * FROM finops.loads ORDER BY id"), await query(db, "SELECT * FROM finops.periods ORDER BY billing_period")];
  const { exitCode } = await inTerminal(["aws", "import-cur", ...SRC, "-d", db, "--pick"], [" ", "\x03"]);
  expect(exitCode).toBe(130);
  expect([await query(db, "SELECT * FROM finops.loads ORDER BY id"), await query(db, "SELECT * FROM finops.periods ORDER BY billing_period")]).toEqual(before);
});

test("--pick without a terminal is refused with exit 2", async () => {
  const r = await runBinary(ws, ["aws", "import-cur", ...SRC, "-d", db, "--pick"], { env: server.s3.env });
  expect(r.exitCode).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain("finops: --pick needs a terminal to ask on");
});
