/**
 * S3 operations finops needs: delimiter listings, small GETs (manifests) and PUTs (the lake's state), deletes, and
 * downloads that resume a broken body from the last byte received (`Range`), guarded by the object's ETag (`If-Match`)
 * so two versions of a file are never mixed, with an idle timeout so a stalled body fails and resumes instead of
 * hanging. Large uploads: upload.ts.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { AppError, InterruptedError, errorMessage } from "../errors.ts";
import { clientInfo, type ClientInfo } from "./client.ts";
import { withoutCredentials } from "./network.ts";
import { forEachConcurrent } from "../pool.ts";

export class S3Error extends AppError {
  readonly status?: number;
  readonly permanent: boolean;
  constructor(message: string, status: number | undefined, permanent: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = "S3Error";
    this.status = status;
    this.permanent = permanent;
  }
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Network errors before any answer: nobody listens there, or the name does not resolve. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** TLS verification failures: the chain ends at a certificate authority finops was not told to trust. */
const UNTRUSTED_CERT = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
]);

const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)} s`;

/** The endpoint, and the proxy in between when there is one. */
const via = (info: ClientInfo) => (info.proxy ? `${info.endpoint} through the proxy ${info.proxy}` : info.endpoint);

/**
 * Turn an SDK error into one line that names the object and what to do. With the client's info, a request the SDK
 * gave up on for want of an answer (connect or response timeout, after its attempts) names the endpoint and how long
 * it waited, and is final: retrying it again here would only multiply the wait.
 */
export function describeS3Error(err: unknown, where: string, info?: ClientInfo): S3Error {
  if (err instanceof S3Error || err instanceof InterruptedError) return err as S3Error;
  const e = err as SdkError;
  const status = e?.$metadata?.httpStatusCode;
  const code = e?.Code ?? e?.name ?? "Error";
  const errno = (e as { code?: string })?.code ?? "";
  if (info && (e?.name === "TimeoutError" || errno === "ETIMEDOUT")) {
    const n = info.network;
    // The SDK's connect timeout says "did not establish a connection"; its request and socket timeouts do not.
    const waited = /did not establish a connection/.test(e.message ?? "") ? `could not connect within ${seconds(n.connectTimeoutMs)}` : `sent no answer within ${seconds(n.readTimeoutMs)}`;
    return new S3Error(
      `${where}: ${via(info)} ${waited}, ${n.maxAttempts} attempt(s) — check the network, ${info.proxy ? "the proxy" : "a proxy"} or the endpoint (the bound is --connect-timeout / --read-timeout, or [aws] connect_timeout / read_timeout)`,
      undefined,
      true,
      err,
    );
  }
  if (info && UNREACHABLE.has(errno)) {
    const check = info.proxy ? "check HTTPS_PROXY / HTTP_PROXY (or NO_PROXY for this endpoint) and the network" : "check --endpoint-url / endpoint_url, the region, the network or a proxy";
    return new S3Error(`${where}: cannot reach ${via(info)} (${errno}), ${info.network.maxAttempts} attempt(s) — ${check}`, undefined, true, err);
  }
  if (info && UNTRUSTED_CERT.has(errno)) {
    return new S3Error(
      `${where}: the TLS certificate of ${via(info)} is not trusted (${errno}) — behind a proxy that inspects TLS, set AWS_CA_BUNDLE to a PEM file of its certificate authority`,
      undefined,
      true,
      err,
    );
  }
  if (info && errno === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new S3Error(`${where}: the TLS certificate of ${via(info)} is for another host name (${errno}) — check --endpoint-url / endpoint_url`, undefined, true, err);
  }
  // A proxy's answer: to a plain request (http:// endpoints) as the response's status, to a CONNECT (https://) in the
  // error Bun raises ("Failed to establish tunnel to host:port via proxy: HTTP/1.1 407 ...").
  const tunnel = /Failed to establish tunnel .*HTTP\/1\.[01] (\d{3})\s*(.*)$/.exec(e?.message ?? "");
  const proxyStatus = status === 407 ? 407 : tunnel ? Number(tunnel[1]) : undefined;
  if (proxyStatus !== undefined) {
    const proxy = info?.proxy ? `the proxy ${info.proxy}` : "the proxy";
    if (proxyStatus === 407) {
      return new S3Error(`${where}: ${proxy} refused the request (407 Proxy Authentication Required) — check the user name and password in HTTPS_PROXY / HTTP_PROXY`, 407, true, err);
    }
    const reason = tunnel?.[2]?.trim();
    return new S3Error(`${where}: ${proxy} would not open a tunnel to ${info?.endpoint ?? "the endpoint"} (${proxyStatus}${reason ? ` ${reason}` : ""}) — check the proxy's rules for this host, or NO_PROXY`, proxyStatus, proxyStatus < 500, err);
  }
  if (code === "NoSuchKey" || (status === 404 && code !== "NoSuchBucket")) return new S3Error(`${where}: not found (404)`, 404, true, err);
  if (code === "NoSuchBucket") return new S3Error(`${where}: the bucket does not exist (NoSuchBucket)`, 404, true, err);
  if (e?.name === "CredentialsProviderError") {
    const why = (e.message ?? "").split("\n")[0].replace(/\.$/, "");
    return new S3Error(`${where}: no AWS credentials were found (${why}) — set AWS_PROFILE or the AWS_ACCESS_KEY_ID variables, or pass --profile (finops doctor shows what it sees)`, undefined, true, err);
  }
  if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired"].includes(code)) {
    return new S3Error(`${where}: the credentials were refused (${code}) — check AWS_PROFILE, --profile or the access keys`, status, true, err);
  }
  if (code === "AccessDenied" || status === 403) {
    return new S3Error(`${where}: access denied (403) — check the credentials and the bucket policy`, 403, true, err);
  }
  if (code === "PermanentRedirect" || status === 301) return new S3Error(`${where}: the bucket is in another region (${code})`, status, true, err);
  if (code === "PreconditionFailed" || status === 412) {
    return new S3Error(`${where}: the object changed while it was being read (ETag differs); run the import again`, 412, true, err);
  }
  // Never a password, whatever a library put in its message (a proxy URL with credentials).
  const message = withoutCredentials((e?.message ?? String(err)).split("\n")[0]);
  return new S3Error(`${where}: ${code}${status ? ` (${status})` : ""}: ${message}`, status, false, err);
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Every common prefix below `prefix` (which should end with "/"), across pages; no further page once `maxFolders` are in. */
export async function listFolders(client: S3Client, bucket: string, prefix: string, signal?: AbortSignal, maxFolders = Infinity): Promise<string[]> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const out: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }), { abortSignal: signal });
    } catch (err) {
      if (signal?.aborted) throw new InterruptedError();
      throw describeS3Error(err, s3Url(bucket, prefix), clientInfo(client));
    }
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    token = page.IsTruncated && out.length < maxFolders ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export interface SmallObject {
  text: string;
  etag: string;
  lastModified?: Date;
  size: number;
}

/** Run a small request again on a transient failure (bounded, with backoff); permanent S3 errors are final. */
async function withRetries<T>(client: S3Client, where: string, signal: AbortSignal | undefined, attempts: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (signal?.aborted) throw new InterruptedError();
      const described = describeS3Error(err, where, clientInfo(client));
      if (described.permanent || attempt >= attempts) throw described;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 3_000)));
    }
  }
}

/**
 * A small object (a manifest), read whole. The SDK retries a request that fails, not a body that breaks after the
 * headers arrived, so a broken body is fetched again here (bounded, with backoff).
 */
export async function getText(client: S3Client, bucket: string, key: string, signal?: AbortSignal, attempts = 5): Promise<SmallObject> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  return withRetries(client, s3Url(bucket, key), signal, attempts, async () => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const text = (await res.Body?.transformToString("utf-8")) ?? "";
    const size = Number(res.ContentLength ?? text.length);
    if (res.ContentLength !== undefined && Buffer.byteLength(text, "utf8") !== size) throw new Error(`body ended short of ${size} bytes`);
    return { text, etag: res.ETag ?? "", lastModified: res.LastModified, size };
  });
}

/** The object is not there (404), as opposed to its bucket (NoSuchBucket) or access to it. */
export function isMissingObject(err: unknown): boolean {
  if (!(err instanceof S3Error) || err.status !== 404) return false;
  const cause = err.cause as SdkError | undefined;
  return (cause?.Code ?? cause?.name) !== "NoSuchBucket";
}

/** Put a small object (a state file) whole: one PUT, retried on a transient failure. */
export async function putText(client: S3Client, bucket: string, key: string, text: string, opts: { signal?: AbortSignal; contentType?: string; attempts?: number } = {}): Promise<void> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  await withRetries(client, s3Url(bucket, key), opts.signal, opts.attempts ?? 5, async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: opts.contentType ?? "application/json" }), { abortSignal: opts.signal });
  });
}

/** Delete one object (S3 answers the same whether it was there or not). */
export async function deleteObject(client: S3Client, bucket: string, key: string, signal?: AbortSignal, attempts = 5): Promise<void> {
  const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  await withRetries(client, s3Url(bucket, key), signal, attempts, async () => {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  });
}

export interface ObjectInfo {
  size: number;
  etag: string;
}

export async function headObject(client: S3Client, bucket: string, key: string, signal?: AbortSignal, attempts = 5): Promise<ObjectInfo> {
  const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
  return withRetries(client, s3Url(bucket, key), signal, attempts, async () => {
    const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return { size: Number(res.ContentLength ?? 0), etag: res.ETag ?? "" };
  });
}

export interface DownloadOptions {
  /** Pin the download to this ETag from the first byte (taken from a HEAD before). */
  etag?: string;
  signal?: AbortSignal;
  /** Called with the number of new bytes written. */
  onBytes?: (n: number) => void;
  /** A body that delivers nothing for this long fails and resumes. */
  idleTimeoutMs?: number;
  /** How many times a broken or stalled body is resumed (per range). */
  maxResumes?: number;
  /** The object's size, from a HEAD: lets a large object download in ranged parts. */
  size?: number;
  /** How many ranged parts of one object download at once (default 4). */
  parallelParts?: number;
  /** Over this size an object downloads in parts of `partSize` (defaults PART_THRESHOLD, PART_SIZE). */
  partThreshold?: number;
  partSize?: number;
}

export interface DownloadResult {
  bytes: number;
  etag: string;
  resumes: number;
}

async function pump(body: Readable, write: (chunk: Uint8Array) => Promise<void>, idleMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => body.destroy(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  };
  arm();
  try {
    for await (const chunk of body) {
      arm();
      await write(chunk as Uint8Array);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Objects larger than this are downloaded in ranged parts, several at once. */
export const PART_THRESHOLD = 32 * 1024 * 1024;
export const PART_SIZE = 16 * 1024 * 1024;

interface RangeJob {
  start: number;
  /** Inclusive; undefined: to the end of the object (size unknown). */
  end?: number;
  /** The whole object: the first request asks for it without a Range. */
  whole?: boolean;
}

/**
 * Download one object to `dest`. With its size known (from a HEAD) and over PART_THRESHOLD, in PART_SIZE ranges,
 * `parallelParts` at once, each written at its offset. Every request is pinned to the ETag (If-Match); a broken or
 * stalled range resumes from its last byte received.
 */
export async function downloadObject(client: S3Client, bucket: string, key: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const where = s3Url(bucket, key);
  const idle = opts.idleTimeoutMs ?? 30_000;
  const maxResumes = opts.maxResumes ?? 5;
  const file = await open(dest, "w", 0o600);
  let etag: string | undefined = opts.etag || undefined;
  let resumes = 0;
  let bytes = 0;

  /** Fetch [job.start, job.end] (or to the end), resuming from the last byte written. */
  const fetchRange = async (job: RangeJob): Promise<void> => {
    let offset = job.start;
    let end = job.end;
    let tries = 0;
    for (;;) {
      if (opts.signal?.aborted) throw new InterruptedError();
      let body: Readable | undefined;
      try {
        const whole = Boolean(job.whole) && offset === 0;
        const res = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: whole ? undefined : `bytes=${offset}-${end ?? ""}`, IfMatch: etag }),
          { abortSignal: opts.signal },
        );
        body = res.Body as Readable;
        etag ??= res.ETag ?? "";
        if (end === undefined && res.ContentLength !== undefined) end = offset + Number(res.ContentLength) - 1;
        await pump(body, async (chunk) => {
          await file.write(chunk, 0, chunk.length, offset);
          offset += chunk.length;
          bytes += chunk.length;
          opts.onBytes?.(chunk.length);
        }, idle);
        if (end !== undefined && offset <= end) throw new Error(`body ended after ${offset - job.start} of ${end - job.start + 1} bytes`);
        return;
      } catch (err) {
        body?.destroy();
        if (opts.signal?.aborted) throw new InterruptedError();
        // Before the response: the SDK's bounded attempts are spent. After it: a broken or stalled body, resumed.
        const described = describeS3Error(body ? new Error(errorMessage(err)) : err, where, clientInfo(client));
        if (described.permanent) throw described;
        if (tries >= maxResumes) throw new S3Error(`${where}: download failed after ${tries} resumes: ${described.message}`, described.status, false, err);
        tries += 1;
        resumes += 1;
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** tries, 5_000)));
      }
    }
  };

  try {
    const size = opts.size;
    const partSize = opts.partSize ?? PART_SIZE;
    if (size === undefined || size <= (opts.partThreshold ?? PART_THRESHOLD) || (opts.parallelParts ?? 4) <= 1) {
      await fetchRange({ start: 0, end: size === undefined || size === 0 ? undefined : size - 1, whole: true });
    } else {
      const jobs: RangeJob[] = [];
      for (let start = 0; start < size; start += partSize) jobs.push({ start, end: Math.min(size, start + partSize) - 1 });
      await forEachConcurrent(jobs, opts.parallelParts ?? 4, fetchRange);
    }
    if (size !== undefined && bytes !== size) throw new S3Error(`${where}: downloaded ${bytes} bytes, the object has ${size}`, undefined, false);
    return { bytes, etag: etag ?? "", resumes };
  } finally {
    await file.close();
  }
}
