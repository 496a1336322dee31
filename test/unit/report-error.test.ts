/**
 * What a failed command prints on stderr (src/cli.ts, reportError): Ctrl-C is not a bug, so even --verbose prints
 * only "interrupted" (it printed a stack trace of finops' own bundle); a bug keeps its stack trace under --verbose.
 */
import { expect, test } from "bun:test";
import { reportError } from "../../src/cli.ts";
import { ExitCode, InterruptedError } from "../../src/errors.ts";

function capture(err: unknown, verbose: boolean): { text: string; code: number } {
  let text = "";
  const code = reportError({ stderr: { write: (s: string) => ((text += s), true) } as never }, err, verbose);
  return { text, code };
}

test("Ctrl-C with --verbose: one line, exit 130, no stack trace", () => {
  for (const err of [new InterruptedError(), Object.assign(new Error("The operation was aborted"), { name: "AbortError" })]) {
    const r = capture(err, true);
    expect(r.code).toBe(ExitCode.interrupted);
    expect(r.text).toBe("finops: interrupted\n");
  }
});

test("a bug with --verbose still prints its stack trace after the message and the hint", () => {
  const r = capture(new TypeError("x is undefined"), true);
  expect(r.code).toBe(ExitCode.runtime);
  expect(r.text.split("\n")[0]).toBe("finops: x is undefined");
  expect(r.text).toContain("This is a bug in finops");
  expect(r.text).toMatch(/TypeError: x is undefined\n\s+at /);
});
