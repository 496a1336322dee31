/**
 * Uploading a local file as one S3 object, through `@aws-sdk/lib-storage`'s `Upload`: a single PUT up to one part,
 * else a multipart upload (parts of UPLOAD_PART_SIZE, UPLOAD_QUEUE at once, each request retried by the client's own
 * bounded retries). The object appears only when the upload completes, whole; a failed or interrupted upload is
 * aborted (AbortMultipartUpload), so no parts are left behind to be billed. A process killed mid-upload leaves its
 * parts until the bucket's lifecycle rule (AbortIncompleteMultipartUpload) removes them; the object it was
 * replacing stays as it was.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createReadStream, statSync } from "node:fs";
import { InterruptedError } from "../errors.ts";
import { clientInfo } from "./client.ts";
import { describeS3Error, s3Url } from "./s3.ts";

/** 16 MiB parts: 4 in flight hold 64 MiB in memory; 10,000 parts (S3's limit) reach 156 GiB. */
export const UPLOAD_PART_SIZE = 16 * 1024 * 1024;
export const UPLOAD_QUEUE = 4;

export interface UploadOptions {
  signal?: AbortSignal;
  /** Bytes sent so far, of the file's size. */
  onBytes?: (sent: number, total: number) => void;
  contentType?: string;
  /** Tests: smaller parts (S3's minimum is 5 MiB). */
  partSize?: number;
  queueSize?: number;
}

export interface UploadResult {
  bytes: number;
  etag: string;
  /** Whether it went up in parts (over one part size). */
  multipart: boolean;
}

export async function uploadFile(client: S3Client, bucket: string, key: string, path: string, opts: UploadOptions = {}): Promise<UploadResult> {
  const [{ Upload }, { AbortMultipartUploadCommand }] = await Promise.all([import("@aws-sdk/lib-storage"), import("@aws-sdk/client-s3")]);
  if (opts.signal?.aborted) throw new InterruptedError();
  const size = statSync(path).size;
  const partSize = opts.partSize ?? UPLOAD_PART_SIZE;
  const body = createReadStream(path);
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: body, ContentLength: size, ContentType: opts.contentType },
    partSize,
    queueSize: opts.queueSize ?? UPLOAD_QUEUE,
    leavePartsOnError: false,
  });
  upload.on("httpUploadProgress", (p) => opts.onBytes?.(Math.min(p.loaded ?? 0, size), size));
  const onAbort = () => void upload.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const res = await upload.done();
    opts.onBytes?.(size, size);
    return { bytes: size, etag: (res as { ETag?: string }).ETag ?? "", multipart: size > partSize };
  } catch (err) {
    body.destroy();
    // Upload aborts its multipart upload itself when a part fails; when it is aborted from outside it gives up at once
    // and its own abort may still be on the way: abort here too (aborting an upload twice is harmless).
    const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
    if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    if (opts.signal?.aborted) throw new InterruptedError();
    throw describeS3Error(err, s3Url(bucket, key), clientInfo(client));
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
