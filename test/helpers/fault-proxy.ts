/**
 * A fault-injecting HTTP proxy on 127.0.0.1, between the AWS SDK and the local S3 server (test/helpers/s3.ts), for
 * tests that prove imports survive network faults: S3-style 500/503 errors, connections reset mid-body, bodies that
 * stall, and bodies that end short of their Content-Length.
 *
 * Requests are forwarded verbatim (method, path and query, headers including the SigV4-signed Host, body) and
 * responses are streamed back, never buffered whole. A rule decides, per request, whether and how to fault it.
 *
 * s3rver 3.7.1 does not verify SigV4 signatures (it only checks the access key exists, the Authorization header's shape,
 * x-amz-content-sha256 and the date), so signed requests through the proxy are accepted whatever the Host; the proxy
 * keeps the client's Host anyway, so a server that does verify them would accept them too.
 *
 * `afterBytes` is capped at Content-Length - 1, so a body fault always bites; without a Content-Length it defaults to 0.
 *
 * To the client, reset, stall and truncate all end the same way once the bytes allowed through have arrived: the
 * connection closes before Content-Length bytes (Node and Bun report `aborted`, code ECONNRESET). A reset destroys the
 * socket at once; a truncate ends the response as if it were complete and closes the connection gracefully. (A real
 * TCP RST is not used: it makes the kernel drop data the client has not read yet, headers included.)
 *
 * s3rver 3.7.1 ignores `If-Match` on GET and HEAD (it only evaluates If-None-Match and If-Modified-Since), so the proxy
 * emulates it by default: a GET/HEAD whose If-Match does not match the upstream response's ETag is answered with
 * 412 PreconditionFailed, as S3 does. Pass `{ emulateIfMatch: false }` to see s3rver's own behaviour.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export type Fault =
  /**
   * Answer with an S3-style XML error without contacting the server (503 SlowDown, 500 InternalError, 403
   * AccessDenied, 301 PermanentRedirect by default).
   */
  | { kind: "status"; status: 500 | 503 | 403 | 301; code?: string; headers?: Record<string, string> }
  /** Forward the headers and the first `afterBytes` body bytes (default: half the Content-Length), then drop the connection. */
  | { kind: "reset"; afterBytes?: number }
  /** Forward the headers and the first `afterBytes` bytes, send nothing for `ms`, then drop the connection. */
  | { kind: "stall"; afterBytes?: number; ms: number }
  /** Forward the headers (with the full Content-Length) and the first `afterBytes` bytes, end the response and close the connection cleanly. */
  | { kind: "truncate"; afterBytes?: number };

export interface FaultRequest {
  method: string;
  bucket?: string;
  key?: string;
  range?: string;
  ifMatch?: string;
  /** 1-based index of this request through the proxy. */
  n: number;
}

export type FaultRule = (req: FaultRequest) => Fault | undefined;

export interface FaultLogEntry {
  req: FaultRequest;
  fault?: Fault["kind"];
  /** The status the client was sent (undefined if the request failed before any response). */
  status?: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT: give this to the SDK instead of the upstream endpoint. */
  endpoint: string;
  /** The upstream's env with AWS_ENDPOINT_URL_S3 replaced by the proxy's endpoint. */
  env: Record<string, string>;
  setRule(rule: FaultRule | undefined): void;
  /** Every request and what was done to it. */
  log: FaultLogEntry[];
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Answer GET/HEAD with 412 PreconditionFailed when If-Match does not match the object's ETag (default true). */
  emulateIfMatch?: boolean;
}

const DEFAULT_CODES: Record<number, string> = { 500: "InternalError", 503: "SlowDown", 403: "AccessDenied", 301: "PermanentRedirect" };
const MESSAGES: Record<string, string> = {
  InternalError: "We encountered an internal error. Please try again.",
  SlowDown: "Please reduce your request rate.",
  AccessDenied: "Access Denied",
  PermanentRedirect: "The bucket you are attempting to access must be addressed using the specified endpoint.",
  PreconditionFailed: "At least one of the pre-conditions you specified did not hold",
};
/** Not forwarded: hop-by-hop headers, and Expect (the proxy's own server has already answered 100 Continue). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "expect"]);

function parsePath(url: string): { bucket?: string; key?: string } {
  const path = url.split("?")[0];
  const [, bucket, ...rest] = path.split("/");
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const key = rest.join("/");
  return { bucket: bucket ? decode(bucket) : undefined, key: key ? decode(key) : undefined };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v || undefined;
}

function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

/** The entity tags of an If-Match header, without quotes or weak prefixes; ["*"] for any. */
function etagList(value: string): string[] {
  return value.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/^"|"$/g, "")).filter(Boolean);
}

function ifMatchFails(ifMatch: string, etag: string | undefined): boolean {
  const wanted = etagList(ifMatch);
  if (wanted.includes("*")) return false;
  const actual = (etag ?? "").replace(/^W\//, "").replace(/^"|"$/g, "");
  return !wanted.includes(actual);
}

function s3ErrorXml(code: string, requestId: string): string {
  const message = MESSAGES[code] ?? code;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
}

export async function startFaultProxy(
  upstream: { endpoint: string; env: Record<string, string> },
  rule?: FaultRule,
  opts: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const emulateIfMatch = opts.emulateIfMatch ?? true;
  const target = new URL(upstream.endpoint);
  const agent = new Agent({ keepAlive: false });
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const log: FaultLogEntry[] = [];
  let current = rule;
  let count = 0;
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const sendError = (res: ServerResponse, method: string, status: number, code: string, n: number, headers: Record<string, string> = {}) => {
    const body = method === "HEAD" ? "" : s3ErrorXml(code, `FAULTPROXY${n}`);
    res.writeHead(status, {
      ...headers,
      "content-type": "application/xml",
      "content-length": String(Buffer.byteLength(body)),
      "x-amz-request-id": `FAULTPROXY${n}`,
    });
    res.end(body);
  };

  /** Forward the upstream response's headers and at most `afterBytes` of its body, then fail as `fault` says. */
  const streamWithFault = (up: IncomingMessage, res: ServerResponse, fault: Exclude<Fault, { kind: "status" }>) => {
    const length = up.headers["content-length"] === undefined ? undefined : Number(up.headers["content-length"]);
    let limit = fault.afterBytes ?? (length === undefined ? 0 : Math.floor(length / 2));
    if (length !== undefined) limit = Math.max(0, Math.min(limit, length - 1));
    res.writeHead(up.statusCode ?? 502, forwardHeaders(up.headers));
    let sent = 0;
    let stopping = false;
    const socket = res.socket;
    const fail = () => {
      up.destroy();
      if (fault.kind === "reset") {
        socket?.destroy();
      } else if (fault.kind === "stall") {
        later(fault.ms, () => socket?.destroy());
      } else {
        // A clean end of a short body: the server considers the response finished and closes the connection
        // gracefully (a keep-alive connection cannot carry on after a short body).
        res.end(() => socket?.end());
        later(1_000, () => socket?.destroy());
      }
    };
    /** Write the last bytes (possibly none), and fail once they have reached the client's socket. */
    const stop = (last: Buffer) => {
      if (stopping) return;
      stopping = true;
      up.pause();
      if (last.length === 0) res.flushHeaders();
      res.write(last, () => fail());
    };
    if (limit === 0) {
      stop(Buffer.alloc(0));
      return;
    }
    up.on("data", (chunk: Buffer) => {
      if (stopping) return;
      if (sent + chunk.length >= limit) {
        const part = chunk.subarray(0, limit - sent);
        sent += part.length;
        stop(part);
        return;
      }
      sent += chunk.length;
      if (!res.write(chunk)) {
        up.pause();
        res.once("drain", () => {
          if (!stopping) up.resume();
        });
      }
    });
    // Shorter than the limit (no Content-Length): fail at the end of what there is.
    up.on("end", () => stop(Buffer.alloc(0)));
    up.on("error", () => socket?.destroy());
  };

  const server = createServer((req, res) => {
    count += 1;
    const n = count;
    const { bucket, key } = parsePath(req.url ?? "/");
    const method = req.method ?? "GET";
    const faultReq: FaultRequest = { method, bucket, key, range: header(req.headers, "range"), ifMatch: header(req.headers, "if-match"), n };
    let fault: Fault | undefined;
    try {
      fault = current?.(faultReq);
    } catch {
      // A broken rule must not go unnoticed: answer with an error no test expects.
      fault = { kind: "status", status: 500, code: "FaultProxyRuleError" };
    }
    const entry: FaultLogEntry = { req: faultReq, fault: fault?.kind };
    log.push(entry);

    if (fault?.kind === "status") {
      const status = fault.status;
      const code = fault.code ?? DEFAULT_CODES[status] ?? "InternalError";
      // Read the request body first so the client is not cut off while it is still sending.
      req.resume();
      req.on("end", () => {
        entry.status = status;
        sendError(res, method, status, code, n, fault.headers);
      });
      return;
    }

    const upReq = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method,
        path: req.url,
        // Host is kept as the client sent it: the SDK signs it (SigV4).
        headers: forwardHeaders(req.headers),
        agent,
      },
      (up) => {
        if (emulateIfMatch && faultReq.ifMatch && (method === "GET" || method === "HEAD") && (up.statusCode ?? 0) >= 200 && (up.statusCode ?? 0) < 300) {
          if (ifMatchFails(faultReq.ifMatch, header(up.headers, "etag"))) {
            up.destroy();
            entry.status = 412;
            sendError(res, method, 412, "PreconditionFailed", n);
            return;
          }
        }
        entry.status = up.statusCode;
        if (fault) {
          streamWithFault(up, res, fault);
          return;
        }
        res.writeHead(up.statusCode ?? 502, forwardHeaders(up.headers));
        up.pipe(res);
        up.on("error", () => res.socket?.destroy());
      },
    );
    upReq.on("error", () => {
      if (res.headersSent) {
        res.socket?.destroy();
      } else {
        entry.status = 502;
        res.writeHead(502, { "content-type": "text/plain" });
        res.end("fault proxy: upstream unreachable\n");
      }
    });
    // If the client goes away, so does the upstream request.
    res.on("close", () => upReq.destroy());
    req.pipe(upReq);
  });

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    env: { ...upstream.env, AWS_ENDPOINT_URL_S3: endpoint },
    setRule(next) {
      current = next;
    },
    log,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      agent.destroy();
      await stopped;
    },
  };
}

/** Fault GETs of data files (keys not ending in "-Manifest.json"), the first `times` (default 1) times per key. */
export function onlyDataFiles(f: Fault, opts: { times?: number } = {}): FaultRule {
  const times = opts.times ?? 1;
  const seen = new Map<string, number>();
  return (req) => {
    if (req.method !== "GET" || !req.key || req.key.endsWith("-Manifest.json")) return undefined;
    const id = `${req.bucket}/${req.key}`;
    const k = (seen.get(id) ?? 0) + 1;
    seen.set(id, k);
    return k <= times ? f : undefined;
  };
}

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const RANDOM_FAULTS: readonly Fault[] = [
  { kind: "status", status: 500, code: "InternalError" },
  { kind: "status", status: 503, code: "SlowDown" },
  { kind: "reset" },
  { kind: "stall", ms: 1500 },
  { kind: "truncate" },
];

/**
 * With probability `rate`, one of the five fault kinds (500, 503 SlowDown, reset, stall of 1.5 s, truncate) for any
 * request, from a PRNG seeded with `seed`, so a run is reproducible when the requests come in the same order. Never
 * more than 3 faults in a row for the same bucket/key, so bounded retries always eventually succeed.
 */
export function randomFaults(rate: number, seed: number): FaultRule {
  const random = prng(seed);
  const streak = new Map<string, number>();
  return (req) => {
    const roll = random();
    const pick = random();
    const id = `${req.bucket ?? ""}/${req.key ?? ""}`;
    const inRow = streak.get(id) ?? 0;
    if (roll < rate && inRow < 3) {
      streak.set(id, inRow + 1);
      return RANDOM_FAULTS[Math.min(RANDOM_FAULTS.length - 1, Math.floor(pick * RANDOM_FAULTS.length))];
    }
    streak.set(id, 0);
    return undefined;
  };
}
