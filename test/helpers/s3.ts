/** The local S3 server for tests: see scripts/local-s3.ts (shared with the demo and the benchmark). */
import { afterAll, beforeAll } from "bun:test";
import { startS3, type S3Harness, type StartS3Options } from "../../scripts/local-s3.ts";

export { freePort, startS3, type RequestRecord, type S3Harness } from "../../scripts/local-s3.ts";

/** A folder laid out as <dir>/<bucket>/<key>, uploaded whole or only the objects `only` accepts. */
export type FixtureTree = string | { dir: string; only?: (bucket: string, key: string) => boolean };

export interface FixtureS3Options {
  /** Trees to upload once the server is up; default: the committed fixture tree (FIXTURES). `[]` uploads nothing. */
  trees?: FixtureTree[];
  /** The file's own setup once the trees are uploaded (more objects, a proxy in front, workspaces...). */
  setup?: (s3: S3Harness) => unknown;
  /** The file's own cleanup, run before the server closes. */
  teardown?: () => unknown;
  /** Start nothing (the file's tests are skipped); `.s3` then throws. */
  skip?: boolean;
  /** Serve HTTPS (scripts/local-s3.ts). */
  tls?: StartS3Options["tls"];
}

export interface FixtureS3 {
  /** The running server; only inside a hook or a test (it starts in beforeAll). */
  readonly s3: S3Harness;
}

/**
 * One local S3 server for the whole file (or the `describe` it is called in): registers the beforeAll that starts it,
 * uploads `trees` and runs `setup`, and the afterAll that runs `teardown` and closes it.
 */
export function useFixtureS3(options: FixtureS3Options = {}): FixtureS3 {
  let harness: S3Harness | undefined;
  beforeAll(async () => {
    if (options.skip) return;
    // Imported here, not at the top: truth.ts loads the CLI, which files that upload no tree do not need.
    const trees = options.trees ?? [(await import("./truth.ts")).FIXTURES];
    harness = await startS3({ tls: options.tls });
    for (const tree of trees) {
      if (typeof tree === "string") await harness.uploadTree(tree);
      else await harness.uploadTree(tree.dir, tree.only);
    }
    await options.setup?.(harness);
  });
  afterAll(async () => {
    try {
      await options.teardown?.();
    } finally {
      await harness?.close();
    }
  });
  return {
    get s3() {
      if (!harness) throw new Error(options.skip ? "the local S3 server is skipped in this file" : "the local S3 server starts in beforeAll: use .s3 inside a hook or a test");
      return harness;
    },
  };
}
