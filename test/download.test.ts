/**
 * downloadObject against the local S3 server (behind the fault proxy): large objects in ranged parts several at once,
 * each pinned to the ETag; a part whose body breaks resumes from its last byte; the file is byte-identical.
 */
import { expect, test } from "bun:test";
import { S3Client } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadObject, headObject } from "../src/aws/s3.ts";
import { startFaultProxy, type FaultProxy } from "./helpers/fault-proxy.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

let proxy: FaultProxy;
let client: S3Client;
const body = randomBytes(5 * 1024 * 1024 + 123);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    proxy = await startFaultProxy(s3);
    await s3.put("downloads", "big/object.bin", body);
    client = new S3Client({ endpoint: proxy.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  },
  teardown: async () => {
    client.destroy();
    await proxy.close();
  },
});

test("a large object downloads in ranged parts, four at once, each pinned to the ETag, byte-identical", async () => {
  const info = await headObject(client, "downloads", "big/object.bin");
  const dest = join(mkdtempSync(join(tmpdir(), "finops-dl-")), "object.bin");
  const from = proxy.log.length;
  let seen = 0;
  const r = await downloadObject(client, "downloads", "big/object.bin", dest, { etag: info.etag, size: info.size, partThreshold: 1024 * 1024, partSize: 1024 * 1024, onBytes: (n) => (seen += n) });
  expect(r.bytes).toBe(body.length);
  expect(seen).toBe(body.length);
  expect(sha(readFileSync(dest))).toBe(sha(body));
  const gets = proxy.log.slice(from).filter((l) => l.req.method === "GET");
  expect(gets.map((g) => g.req.range).sort()).toEqual(
    Array.from({ length: 6 }, (_, i) => `bytes=${i * 1048576}-${Math.min(body.length, (i + 1) * 1048576) - 1}`).sort(),
  );
  for (const g of gets) expect(g.req.ifMatch).toBe(info.etag);
});

test("a part whose body breaks resumes from its last byte; the others are untouched", async () => {
  const info = await headObject(client, "downloads", "big/object.bin");
  const dest = join(mkdtempSync(join(tmpdir(), "finops-dl-")), "object.bin");
  let broke = false;
  proxy.setRule((req) => {
    if (req.method === "GET" && req.range === "bytes=2097152-3145727" && !broke) {
      broke = true;
      return { kind: "reset", afterBytes: 300_000 };
    }
    return undefined;
  });
  const from = proxy.log.length;
  try {
    const r = await downloadObject(client, "downloads", "big/object.bin", dest, { etag: info.etag, size: info.size, partThreshold: 1024 * 1024, partSize: 1024 * 1024 });
    expect(r.resumes).toBe(1);
    expect(sha(readFileSync(dest))).toBe(sha(body));
    const resumed = proxy.log.slice(from).filter((l) => l.req.range?.endsWith("-3145727")).map((l) => l.req.range);
    expect(resumed[0]).toBe("bytes=2097152-3145727");
    expect(Number(/bytes=(\d+)-/.exec(resumed[1]!)![1])).toBeGreaterThan(2097152);
  } finally {
    proxy.setRule(undefined);
  }
});
