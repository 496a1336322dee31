/**
 * Where the lake's objects go: an S3 root (each Parquet file spooled in a private temp folder, then uploaded as one
 * object) or a local folder (each file written beside its place under a temporary name, then renamed into place).
 * Either way a period's object is replaced in one step: the previous one stays whole until the new one is complete.
 */
import { processAlive } from "../pid.ts";
import type { S3Client } from "@aws-sdk/client-s3";
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createS3Client } from "../aws/client.ts";
import { deleteObject, getText, isMissingObject, putText, s3Url } from "../aws/s3.ts";
import { uploadFile } from "../aws/upload.ts";
import type { LakeTarget } from "../config/lake.ts";
import type { NetworkBounds } from "../config/tuning.ts";
import { AppError, errorMessage } from "../errors.ts";
import { STATE_KEY } from "./layout.ts";

export interface PutOptions {
  signal?: AbortSignal;
  onBytes?: (sent: number, total: number) => void;
}

export interface LakeStore {
  /** The root, as the state and messages name it. */
  readonly url: string;
  /** Whether put() sends bytes over the network (progress shows MB/s of the upload). */
  readonly remote: boolean;
  /** The full name of a key (`s3://…` or a path), for messages. */
  where(key: string): string;
  /** The state file's text, or null when the lake has none (a new lake). */
  readState(signal?: AbortSignal): Promise<string | null>;
  /** The local file a period's Parquet file is written to before put() puts it in place. */
  staging(key: string): string;
  /** Put the staged file in place as `key`, replacing what was there in one step. */
  put(key: string, staged: string, opts?: PutOptions): Promise<void>;
  writeState(text: string, signal?: AbortSignal): Promise<void>;
  remove(key: string, signal?: AbortSignal): Promise<void>;
  /** Remove what a process killed earlier left behind (spool folders, temporary files of dead processes). */
  removeStale(): void;
  /** Remove this run's temporary files and let go of the client. */
  close(): void;
}

const SPOOL_PREFIX = "finops-lake-";
/** A temporary file in a local lake: `.{name}.{pid}.tmp` beside its place (hidden, so no engine reads it). */
const TEMP = /^\.(.+)\.(\d+)\.tmp$/;

/** Flush a file's bytes to disk before it is renamed into place (so a power cut cannot leave an empty file there). */
function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class S3LakeStore implements LakeStore {
  readonly remote = true;
  readonly url: string;
  #spool?: string;
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly spoolRoot: string,
  ) {
    this.url = `s3://${bucket}/${prefix}`;
  }

  where(key: string): string {
    return s3Url(this.bucket, this.prefix + key);
  }

  async readState(signal?: AbortSignal): Promise<string | null> {
    try {
      return (await getText(this.client, this.bucket, this.prefix + STATE_KEY, signal)).text;
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw err;
    }
  }

  staging(key: string): string {
    if (!this.#spool) {
      mkdirSync(this.spoolRoot, { recursive: true });
      this.#spool = mkdtempSync(join(this.spoolRoot, `${SPOOL_PREFIX}${process.pid}-`)); // 0700
    }
    return join(this.#spool, key.replaceAll("/", "_"));
  }

  async put(key: string, staged: string, opts: PutOptions = {}): Promise<void> {
    await uploadFile(this.client, this.bucket, this.prefix + key, staged, { ...opts, contentType: "application/vnd.apache.parquet" });
  }

  writeState(text: string, signal?: AbortSignal): Promise<void> {
    return putText(this.client, this.bucket, this.prefix + STATE_KEY, text, { signal });
  }

  remove(key: string, signal?: AbortSignal): Promise<void> {
    return deleteObject(this.client, this.bucket, this.prefix + key, signal);
  }

  removeStale(): void {
    if (!existsSync(this.spoolRoot)) return;
    for (const entry of readdirSync(this.spoolRoot)) {
      const m = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`).exec(entry);
      if (m && !processAlive(Number(m[1]))) rmSync(join(this.spoolRoot, entry), { recursive: true, force: true });
    }
  }

  close(): void {
    if (this.#spool) rmSync(this.#spool, { recursive: true, force: true });
    this.#spool = undefined;
    this.client.destroy();
  }
}

export class DirLakeStore implements LakeStore {
  readonly remote = false;
  readonly #temps = new Set<string>();
  constructor(readonly url: string) {}

  where(key: string): string {
    return join(this.url, key);
  }

  async readState(): Promise<string | null> {
    try {
      return readFileSync(join(this.url, STATE_KEY), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new AppError(`cannot read ${join(this.url, STATE_KEY)}: ${errorMessage(err)}`);
    }
  }

  staging(key: string): string {
    const path = join(this.url, dirname(key), `.${basename(key)}.${process.pid}.tmp`);
    mkdirSync(dirname(path), { recursive: true });
    this.#temps.add(path);
    return path;
  }

  async put(key: string, staged: string): Promise<void> {
    fsyncFile(staged);
    renameSync(staged, join(this.url, key)); // atomic within one file system: the old file or the new, never a mix
    this.#temps.delete(staged);
  }

  async writeState(text: string): Promise<void> {
    const path = join(this.url, STATE_KEY);
    const temp = join(this.url, `.${STATE_KEY}.${process.pid}.tmp`);
    mkdirSync(this.url, { recursive: true });
    this.#temps.add(temp);
    writeFileSync(temp, text);
    fsyncFile(temp);
    renameSync(temp, path);
    this.#temps.delete(temp);
  }

  async remove(key: string): Promise<void> {
    const path = join(this.url, key);
    rmSync(path, { force: true });
    try {
      rmdirSync(dirname(path)); // the empty partition folder, so engines that list folders find no empty period
    } catch {
      /* not empty, or already gone */
    }
  }

  removeStale(): void {
    if (!existsSync(this.url)) return;
    const walk = (dir: string, depth: number) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const m = TEMP.exec(e.name);
        if (e.isFile() && m && !processAlive(Number(m[2]))) rmSync(join(dir, e.name), { force: true });
        else if (e.isDirectory() && depth < 3 && !e.name.startsWith(".")) walk(join(dir, e.name), depth + 1);
      }
    };
    walk(this.url, 0);
  }

  close(): void {
    for (const t of this.#temps) rmSync(t, { force: true });
    this.#temps.clear();
  }
}

export async function openLakeStore(target: LakeTarget, o: { env: Record<string, string | undefined>; network: NetworkBounds; spoolRoot: string }): Promise<LakeStore> {
  const loc = target.location;
  if (loc.kind === "dir") return new DirLakeStore(loc.path);
  const client = await createS3Client(target.aws, o.env, o.network);
  return new S3LakeStore(client, loc.bucket, loc.prefix, o.spoolRoot);
}
