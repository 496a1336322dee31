import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, test } from "bun:test";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { Readable } from "node:stream";
import { onlyDataFiles, randomFaults, startFaultProxy, type FaultProxy } from "./helpers/fault-proxy.ts";
import { useFixtureS3 } from "./helpers/s3.ts";

let proxy: FaultProxy;
const clients: S3Client[] = [];

function clientFor(endpoint: string, maxAttempts: number): S3Client {
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts,
    credentials: { accessKeyId: server.s3.accessKeyId, secretAccessKey: server.s3.secretAccessKey },
  });
  clients.push(client);
  return client;
}

/** Read a body to the end or to its first error; never throws. */
async function drain(body: unknown): Promise<{ bytes: number; text: string; error?: Error }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body as Readable) {
      chunks.push(Buffer.from(chunk as Uint8Array));
      bytes += (chunk as Uint8Array).length;
    }
    return { bytes, text: Buffer.concat(chunks).toString() };
  } catch (error) {
    return { bytes, text: Buffer.concat(chunks).toString(), error: error as Error };
  }
}

const BUCKET = "fault-proxy";
const DATA = "0123456789".repeat(100); // 1000 bytes

const server = useFixtureS3({
  trees: [],
  setup: async (s3) => {
    proxy = await startFaultProxy(s3);
    await s3.put(BUCKET, "data/part-1.csv", DATA);
  },
  teardown: async () => {
    for (const c of clients) c.destroy();
    await proxy?.close();
  },
});

describe("without a rule", () => {
  test("signed PUT, GET, delimiter listing and ranged GET pass through the proxy", async () => {
    proxy.setRule(undefined);
    const client = clientFor(proxy.endpoint, 1);
    expect(proxy.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proxy.endpoint).not.toBe(server.s3.endpoint);
    expect(proxy.env.AWS_ENDPOINT_URL_S3).toBe(proxy.endpoint);
    expect(proxy.env.AWS_ACCESS_KEY_ID).toBe(server.s3.env.AWS_ACCESS_KEY_ID);

    const before = server.s3.requests.length;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "cur/x/20250801-20250901/x-Manifest.json", Body: "{}" }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "cur/x/20250901-20251001/x-Manifest.json", Body: "{}" }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "cur/x/20250901-20251001/v1/data file.csv", Body: "0123456789abcdef" }));

    const listing = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "cur/x/", Delimiter: "/" }));
    expect((listing.CommonPrefixes ?? []).map((p) => p.Prefix).sort()).toEqual(["cur/x/20250801-20250901/", "cur/x/20250901-20251001/"]);
    expect(listing.Contents ?? []).toHaveLength(0);

    const whole = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "cur/x/20250901-20251001/v1/data file.csv" }));
    expect(await whole.Body?.transformToString()).toBe("0123456789abcdef");

    const ranged = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "cur/x/20250901-20251001/v1/data file.csv", Range: "bytes=4-9" }));
    expect(ranged.$metadata.httpStatusCode).toBe(206);
    expect(ranged.ContentRange).toBe("bytes 4-9/16");
    expect(await ranged.Body?.transformToString()).toBe("456789");

    // The requests reached the real server, with the key decoded and the Range header intact.
    const seen = server.s3.requests.slice(before);
    expect(seen.filter((r) => r.method === "PUT")).toHaveLength(3);
    expect(seen.find((r) => r.method === "GET" && r.range === "bytes=4-9")?.key).toBe("cur/x/20250901-20251001/v1/data file.csv");

    // The proxy's log parsed bucket and key from the path-style URL, and nothing was faulted.
    const mine = proxy.log.filter((e) => e.req.key === "cur/x/20250901-20251001/v1/data file.csv");
    expect(mine.map((e) => [e.req.method, e.req.bucket, e.req.range, e.fault, e.status])).toEqual([
      ["PUT", BUCKET, undefined, undefined, 200],
      ["GET", BUCKET, undefined, undefined, 200],
      ["GET", BUCKET, "bytes=4-9", undefined, 206],
    ]);
    const ns = proxy.log.map((e) => e.req.n);
    expect(ns).toEqual(ns.map((_, i) => i + 1));
  });

  test("If-Match: a matching ETag gets 200/206, another gets 412 PreconditionFailed (emulated: s3rver ignores If-Match)", async () => {
    proxy.setRule(undefined);
    const client = clientFor(proxy.endpoint, 1);
    const first = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" }));
    await first.Body?.transformToString();
    const etag = first.ETag!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    const matching = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv", IfMatch: etag }));
    expect(matching.$metadata.httpStatusCode).toBe(200);
    expect(await matching.Body?.transformToString()).toBe(DATA);

    const resumed = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv", IfMatch: etag, Range: "bytes=990-" }));
    expect(resumed.$metadata.httpStatusCode).toBe(206);
    expect(await resumed.Body?.transformToString()).toBe("0123456789");

    const other = '"00000000000000000000000000000000"';
    const refused = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv", IfMatch: other, Range: "bytes=990-" })).catch((e) => e);
    expect(refused.name).toBe("PreconditionFailed");
    expect(refused.$metadata.httpStatusCode).toBe(412);
    expect(proxy.log.at(-1)).toMatchObject({ req: { ifMatch: other, range: "bytes=990-" }, status: 412 });

    // s3rver on its own ignores If-Match: this is why the proxy emulates it.
    const direct = await server.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv", IfMatch: other }));
    expect(direct.$metadata.httpStatusCode).toBe(200);
    await direct.Body?.transformToString();
    const plain = await startFaultProxy(server.s3, undefined, { emulateIfMatch: false });
    try {
      const through = await clientFor(plain.endpoint, 1).send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv", IfMatch: other }));
      expect(through.$metadata.httpStatusCode).toBe(200);
      await through.Body?.transformToString();
    } finally {
      await plain.close();
    }
  });

  test("method, path and query, the signed Host header and the body are forwarded as sent; bodies are streamed", async () => {
    let seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string } = { headers: {}, body: "" };
    let release: () => void = () => {};
    const released = new Promise<void>((r) => (release = r));
    const echo: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() };
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first;");
        await released; // the rest only after the client has seen the first part: nothing is buffered whole
        res.end("rest");
      });
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    const port = (echo.address() as { port: number }).port;
    const via = await startFaultProxy({ endpoint: `http://127.0.0.1:${port}`, env: {} });
    try {
      const url = `${via.endpoint}/bkt/a%20b/c%2Bd.csv?x-id=PutObject&tagging`;
      const res = await fetch(url, { method: "PUT", body: "payload", headers: { "x-amz-date": "20250101T000000Z", authorization: "AWS4-HMAC-SHA256 test" } });
      const reader = res.body!.getReader();
      let text = "";
      while (!text.includes("first;")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toBe("first;");
      release();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toBe("first;rest");
      expect(seen.method).toBe("PUT");
      expect(seen.url).toBe("/bkt/a%20b/c%2Bd.csv?x-id=PutObject&tagging");
      expect(seen.headers.host).toBe(new URL(via.endpoint).host); // the Host the client signed, not the upstream's
      expect(seen.headers.authorization).toBe("AWS4-HMAC-SHA256 test");
      expect(seen.headers["x-amz-date"]).toBe("20250101T000000Z");
      expect(seen.body).toBe("payload");
      expect(via.log[0].req).toEqual({ method: "PUT", bucket: "bkt", key: "a b/c+d.csv", range: undefined, ifMatch: undefined, n: 1 });
    } finally {
      release();
      await via.close();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});

describe("each fault kind is observable by the SDK", () => {
  test("status: 503 SlowDown and 500 InternalError, without reaching the server", async () => {
    const client = clientFor(proxy.endpoint, 1);
    const before = server.s3.requests.length;
    proxy.setRule(() => ({ kind: "status", status: 503 }));
    const slow = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" })).catch((e) => e);
    expect(slow.name).toBe("SlowDown");
    expect(slow.Code).toBe("SlowDown");
    expect(slow.$metadata.httpStatusCode).toBe(503);

    proxy.setRule(() => ({ kind: "status", status: 500 }));
    const internal = await client.send(new ListObjectsV2Command({ Bucket: BUCKET })).catch((e) => e);
    expect(internal.name).toBe("InternalError");
    expect(internal.$metadata.httpStatusCode).toBe(500);

    proxy.setRule(() => ({ kind: "status", status: 503, code: "ServiceUnavailable" }));
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "never.txt", Body: "x" })).catch((e) => e);
    expect(put.name).toBe("ServiceUnavailable");
    proxy.setRule(undefined);

    expect(server.s3.requests.length).toBe(before);
    expect(proxy.log.slice(-3).map((e) => [e.fault, e.status])).toEqual([
      ["status", 503],
      ["status", 500],
      ["status", 503],
    ]);
  });

  test("a rule that throws answers 500 FaultProxyRuleError rather than passing silently", async () => {
    const client = clientFor(proxy.endpoint, 1);
    proxy.setRule(() => {
      throw new Error("bug in a rule");
    });
    const err = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" })).catch((e) => e);
    proxy.setRule(undefined);
    expect(err.name).toBe("FaultProxyRuleError");
    expect(err.$metadata.httpStatusCode).toBe(500);
  });

  test("reset: headers and half the body, then the body read fails", async () => {
    const client = clientFor(proxy.endpoint, 1);
    proxy.setRule(() => ({ kind: "reset" }));
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" }));
    proxy.setRule(undefined);
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.ContentLength).toBe(1000);
    const got = await drain(res.Body);
    expect(got.error).toBeInstanceOf(Error);
    expect(got.bytes).toBe(500);
    expect(got.text).toBe(DATA.slice(0, 500));
    expect(proxy.log.at(-1)).toMatchObject({ fault: "reset", status: 200, req: { method: "GET", key: "data/part-1.csv" } });
  });

  test("stall: no bytes arrive during the stall, then the connection drops", async () => {
    const client = clientFor(proxy.endpoint, 1);
    const ms = 300;
    proxy.setRule(() => ({ kind: "stall", afterBytes: 100, ms }));
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" }));
    proxy.setRule(undefined);
    let bytes = 0;
    let ended = false;
    const body = res.Body as Readable;
    const finished = new Promise<Error | undefined>((resolve) => {
      body.on("data", (c: Uint8Array) => (bytes += c.length));
      body.on("error", (e) => {
        ended = true;
        resolve(e);
      });
      body.on("end", () => {
        ended = true;
        resolve(undefined);
      });
    });
    const start = Date.now();
    while (bytes < 100 && !ended) await new Promise((r) => setTimeout(r, 5));
    const atStall = bytes;
    await new Promise((r) => setTimeout(r, ms / 2));
    const midStall = bytes;
    const error = await finished;
    expect(atStall).toBe(100);
    expect(midStall).toBe(100);
    expect(bytes).toBe(100);
    expect(error).toBeInstanceOf(Error);
    // The drop comes from the proxy's timer, which cannot fire early (a lower bound only, with slack).
    expect(Date.now() - start).toBeGreaterThanOrEqual(ms - 50);
    expect(proxy.log.at(-1)).toMatchObject({ fault: "stall", status: 200 });
  });

  test("truncate: the full Content-Length is announced, fewer bytes arrive", async () => {
    const client = clientFor(proxy.endpoint, 1);
    proxy.setRule(() => ({ kind: "truncate", afterBytes: 300 }));
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" }));
    proxy.setRule(undefined);
    expect(res.ContentLength).toBe(1000);
    const got = await drain(res.Body);
    expect(got.bytes).toBe(300);
    expect(got.bytes).toBeLessThan(res.ContentLength!);
    expect(got.text).toBe(DATA.slice(0, 300));
    expect(proxy.log.at(-1)).toMatchObject({ fault: "truncate", status: 200 });
  });

  test("body faults on a listing are retried by the SDK (maxAttempts 5)", async () => {
    const client = clientFor(proxy.endpoint, 5);
    const kinds = ["reset", "truncate", "stall"] as const;
    for (const kind of kinds) {
      let faulted = 0;
      proxy.setRule((r) => (r.key === undefined && faulted++ < 2 ? (kind === "stall" ? { kind, ms: 50 } : { kind }) : undefined));
      const listing = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "data/" }));
      expect(listing.$metadata.attempts).toBe(3);
      expect((listing.Contents ?? []).map((o) => o.Key)).toEqual(["data/part-1.csv"]);
      expect(proxy.log.slice(-3).map((e) => e.fault)).toEqual([kind, kind, undefined]);
    }
    proxy.setRule(undefined);
  });
});

describe("streaming and shutdown", () => {
  test("a large object goes through whole (PUT and GET), and a reset deep into it cuts at the exact byte", async () => {
    proxy.setRule(undefined);
    const client = clientFor(proxy.endpoint, 1);
    const big = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 0xff;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "big/blob.bin", Body: big }));

    const whole = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big/blob.bin" }));
    const bytes = Buffer.from(await whole.Body!.transformToByteArray());
    expect(bytes.length).toBe(big.length);
    expect(bytes.equals(big)).toBe(true);

    const cut = 5_000_001;
    proxy.setRule(onlyDataFiles({ kind: "reset", afterBytes: cut }));
    const broken = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big/blob.bin" }));
    const got = await drain(broken.Body);
    expect(got.error).toBeInstanceOf(Error);
    expect(got.bytes).toBe(cut);
    // The rule faults each data file once: the resume goes through.
    const rest = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big/blob.bin", Range: `bytes=${cut}-`, IfMatch: broken.ETag }));
    const tail = Buffer.from(await rest.Body!.transformToByteArray());
    expect(tail.equals(big.subarray(cut))).toBe(true);
    proxy.setRule(undefined);
    expect(proxy.log.slice(-2).map((e) => [e.fault, e.status])).toEqual([
      ["reset", 200],
      [undefined, 206],
    ]);
  });

  test("close() ends a stalled connection at once, so tests never hang", async () => {
    const own = await startFaultProxy(server.s3, () => ({ kind: "stall", afterBytes: 10, ms: 60_000 }));
    const client = clientFor(own.endpoint, 1);
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "data/part-1.csv" }));
    const reading = drain(res.Body);
    await own.close();
    const got = await reading;
    expect(got.error).toBeInstanceOf(Error);
    expect(got.bytes).toBe(10);
    expect(own.log).toHaveLength(1);
    expect(own.log[0]).toMatchObject({ fault: "stall", status: 200 });
  });
});

describe("rule helpers", () => {
  test("onlyDataFiles faults the first GETs of each data file, never manifests or listings", () => {
    const rule = onlyDataFiles({ kind: "reset" }, { times: 2 });
    const req = (method: string, key: string | undefined, n: number) => ({ method, bucket: "b", key, n });
    expect(rule(req("GET", "cur/x/20250801-20250901/x-Manifest.json", 1))).toBeUndefined();
    expect(rule(req("GET", undefined, 2))).toBeUndefined();
    expect(rule(req("HEAD", "cur/x/data-1.csv.gz", 3))).toBeUndefined();
    expect(rule(req("GET", "cur/x/data-1.csv.gz", 4))).toEqual({ kind: "reset" });
    expect(rule(req("GET", "cur/x/data-2.csv.gz", 5))).toEqual({ kind: "reset" });
    expect(rule(req("GET", "cur/x/data-1.csv.gz", 6))).toEqual({ kind: "reset" });
    expect(rule(req("GET", "cur/x/data-1.csv.gz", 7))).toBeUndefined();
    expect(onlyDataFiles({ kind: "truncate" })(req("GET", "a.parquet", 1))).toEqual({ kind: "truncate" });
  });

  test("randomFaults is deterministic, uses all five kinds, and never faults a key more than 3 times in a row", () => {
    const sequence = (seed: number) => {
      const rule = randomFaults(0.5, seed);
      return Array.from({ length: 2000 }, (_, i) => rule({ method: "GET", bucket: "b", key: `k${i % 3}`, n: i + 1 }));
    };
    const a = sequence(7);
    expect(sequence(7)).toEqual(a);
    expect(sequence(8)).not.toEqual(a);
    const described = new Set(a.filter((f) => f).map((f) => (f!.kind === "status" ? `status ${f!.status}` : f!.kind)));
    expect([...described].sort()).toEqual(["reset", "stall", "status 500", "status 503", "truncate"]);
    const faulted = a.filter((f) => f).length / a.length;
    expect(faulted).toBeGreaterThan(0.35);
    expect(faulted).toBeLessThan(0.5);
    for (let k = 0; k < 3; k++) {
      const ofKey = a.filter((_, i) => i % 3 === k);
      let run = 0;
      for (const f of ofKey) {
        run = f ? run + 1 : 0;
        expect(run).toBeLessThanOrEqual(3);
      }
    }
    expect(Array.from({ length: 100 }, () => randomFaults(0, 1)({ method: "GET", n: 1 })).every((f) => f === undefined)).toBe(true);
  });

  test("with randomFaults(0.3, 42) and the SDK's retries, listing and resumed gets still return every object intact", async () => {
    const objects = new Map<string, string>();
    for (let i = 0; i < 10; i++) {
      const key = `random/part-${i}.csv`;
      const body = `${i}:`.padEnd(2000 + i * 37, String.fromCharCode(97 + i));
      objects.set(key, body);
      await server.s3.put(BUCKET, key, body);
    }
    const client = clientFor(proxy.endpoint, 5);
    const from = proxy.log.length;
    proxy.setRule(randomFaults(0.3, 42));
    try {
      const listing = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "random/" }));
      // s3rver lists objects in directory order, not sorted by key as S3 does.
      const listed = (listing.Contents ?? []).map((o) => [o.Key, o.Size]).sort();
      expect(listed).toEqual([...objects].map(([k, v]) => [k, v.length]));

      for (const [key, expected] of objects) {
        // What the importer does: a body that breaks is resumed from the last byte with the ETag pinned.
        let text = "";
        let etag: string | undefined;
        for (let attempt = 1; ; attempt++) {
          const res = await client.send(
            new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: text.length ? `bytes=${text.length}-` : undefined, IfMatch: etag }),
          );
          etag ??= res.ETag;
          const got = await drain(res.Body);
          text += got.text;
          if (!got.error && text.length === expected.length) break;
          expect(attempt).toBeLessThan(4);
        }
        expect(text).toBe(expected);
      }
    } finally {
      proxy.setRule(undefined);
    }
    const entries = proxy.log.slice(from);
    const kinds = new Set(entries.map((e) => e.fault).filter(Boolean));
    // Seed 42 over these requests: status (500, retried inside the SDK), reset, stall and truncate all occur.
    expect([...kinds].sort()).toEqual(["reset", "stall", "status", "truncate"]);
    expect(entries.length).toBeGreaterThan(objects.size + 1);
    // Every resumed request asked for the rest of the object, pinned to its ETag.
    const resumes = entries.filter((e) => e.req.range);
    expect(resumes.length).toBeGreaterThan(0);
    for (const e of resumes) expect(e.req.ifMatch).toMatch(/^"[0-9a-f]{32}"$/);
    // Never more than 3 faults in a row for one key.
    const streak = new Map<string, number>();
    for (const e of entries) {
      const id = e.req.key ?? "";
      streak.set(id, e.fault ? (streak.get(id) ?? 0) + 1 : 0);
      expect(streak.get(id)).toBeLessThanOrEqual(3);
    }
  });
});
