/**
 * A real S3-compatible server (s3rver) on 127.0.0.1, on a free port, backed by a temporary folder, reached through
 * the real AWS SDK. Every request it serves is recorded, so tests can count GETs of data files.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
// @ts-expect-error s3rver has no types
import S3rver from "s3rver";

export interface RequestRecord {
  method: string;
  bucket?: string;
  key?: string;
  url: string;
  range?: string;
}

export interface S3Harness {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment for a finops process (or the in-process CLI) pointed at this server. */
  env: Record<string, string>;
  client: S3Client;
  requests: RequestRecord[];
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  /** Upload a folder laid out as <dir>/<bucket>/<key>, creating the buckets. */
  uploadTree(dir: string, only?: (bucket: string, key: string) => boolean): Promise<number>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

export interface StartS3Options {
  /** Serve HTTPS with this certificate and key (PEM), at https://localhost:<port>; the harness's own client trusts it. */
  tls?: { cert: string; key: string };
}

export async function startS3(options: StartS3Options = {}): Promise<S3Harness> {
  const directory = mkdtempSync(join(tmpdir(), "finops-s3rver-"));
  const requests: RequestRecord[] = [];
  const port = await freePort();
  const server = new S3rver({ address: "127.0.0.1", port, directory, silent: true, resetOnClose: true, ...(options.tls ?? {}) });
  // Record each request before s3rver handles it (path-style: /bucket/key).
  const app = server as { middleware: unknown[] };
  app.middleware.unshift(async (ctx: { method: string; path: string; url: string; get(h: string): string }, next: () => Promise<void>) => {
    const [, bucket, ...rest] = decodeURIComponent(ctx.path).split("/");
    requests.push({ method: ctx.method, bucket: bucket || undefined, key: rest.length ? rest.join("/") : undefined, url: ctx.url, range: ctx.get("range") || undefined });
    await next();
  });
  await server.run();
  const endpoint = options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const requestHandler = options.tls ? { httpsAgent: new HttpsAgent({ keepAlive: true, ca: options.tls.cert }) } : undefined;
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials, requestHandler });
  const buckets = new Set<string>();
  const harness: S3Harness = {
    endpoint,
    region: "us-east-1",
    ...credentials,
    env: {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
      // finops follows HTTPS_PROXY / HTTP_PROXY as the AWS CLI does, loopback included: a shell behind a proxy still
      // reaches this server directly (both spellings: the lower-case one wins when both are set).
      no_proxy: "127.0.0.1,localhost",
      NO_PROXY: "127.0.0.1,localhost",
    },
    client,
    requests,
    async createBucket(name) {
      if (buckets.has(name)) return;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      buckets.add(name);
    },
    async put(bucket, key, body) {
      await harness.createBucket(bucket);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async uploadTree(dir, only) {
      let n = 0;
      for (const file of listFiles(dir)) {
        const rel = relative(dir, file).split("/");
        if (rel.length < 2) continue; // files beside the bucket folders (truth.json)
        const [bucket, ...key] = rel;
        if (only && !only(bucket, key.join("/"))) continue;
        await harness.put(bucket, key.join("/"), readFileSync(file));
        n += 1;
      }
      return n;
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return harness;
}
