/**
 * Imports on a network with a proxy, as the AWS CLI reads it: HTTP_PROXY / HTTPS_PROXY, NO_PROXY and AWS_CA_BUNDLE.
 * Real parts: a real forward proxy (the `proxy` package: absolute-URI requests for http://, CONNECT tunnels for
 * https://, Basic authentication) on 127.0.0.1, in front of the local S3 server over HTTP and over HTTPS with a
 * self-signed certificate (fixtures/tls). Before this, finops ignored the proxy variables: Bun's node:http does not
 * read them and the AWS SDK v3 does not either, so on a network whose only way out is a proxy every import timed out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProxy, type ProxyServer } from "proxy";
import { binaryWorkspace, cleanEnv, removeWorkspaces, repoRoot, runBinary, runInProcess } from "./helpers/cli.ts";
import { periodTotals } from "./helpers/db.ts";
import { legacyCsv, putLegacyPeriod } from "./helpers/exports.ts";
import { freePort, useFixtureS3, type S3Harness } from "./helpers/s3.ts";

const TLS_DIR = join(repoRoot, "fixtures", "tls");
const CERT = join(TLS_DIR, "localhost.crt");
const tls = { cert: readFileSync(CERT, "utf8"), key: readFileSync(join(TLS_DIR, "localhost.key"), "utf8") };

const BUCKET = "proxied";
const NAME = "behind_proxy";
const PASSWORD = "pr0xy-s3cret-Pa55";
const EXPECTED = { "2025-08": { rows: 3000, cost: 750 } };

/** A real forward proxy that counts what it relays and, when `password` is set, wants Basic authentication. */
interface CountingProxy {
  url: string;
  urlWithPassword: string;
  /** Absolute-URI requests (http:// targets) and CONNECT tunnels (https:// targets) it accepted. */
  requests: number;
  tunnels: number;
  refused: number;
  close(): Promise<void>;
}

async function startProxy(): Promise<CountingProxy> {
  const server: ProxyServer = createProxy(createServer());
  const state = { requests: 0, tunnels: 0, refused: 0 };
  server.authenticate = (req: IncomingMessage) => {
    const ok = req.headers["proxy-authorization"] === `Basic ${Buffer.from(`finops:${PASSWORD}`).toString("base64")}`;
    if (!ok) state.refused += 1;
    else if (req.method === "CONNECT") state.tunnels += 1;
    else state.requests += 1;
    return ok;
  };
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    urlWithPassword: `http://finops:${PASSWORD}@127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get tunnels() {
      return state.tunnels;
    },
    get refused() {
      return state.refused;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/** The harness's environment without its NO_PROXY for loopback, so requests to it take the proxy. */
function proxiedEnv(s3: S3Harness, extra: Record<string, string>) {
  const { no_proxy: _a, NO_PROXY: _b, ...env } = s3.env;
  return cleanEnv({ ...env, ...extra });
}

async function putPeriod(s3: S3Harness) {
  await putLegacyPeriod(s3, { bucket: BUCKET, prefix: "cur", name: NAME, period: "2025-08", version: "v1", files: [1, 2].map((i) => legacyCsv("2025-08", 1000 * i, 0.25)) });
}

async function importWith(env: Record<string, string | undefined>, extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "finops-route-"));
  const db = join(dir, "f.duckdb");
  const r = await runInProcess(["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", NAME, "-d", db, ...extra], { env: { ...env, TMPDIR: dir }, cwd: dir });
  return { r, db };
}

let proxy: CountingProxy;
beforeAll(async () => {
  proxy = await startProxy();
});
afterAll(async () => {
  await proxy.close();
  removeWorkspaces();
});

describe("an http:// endpoint behind HTTP_PROXY", () => {
  const server = useFixtureS3({ trees: [], setup: putPeriod });

  test("every request goes through the proxy, with its credentials; the import is whole and the password is never printed", async () => {
    const before = { proxied: proxy.requests, served: server.s3.requests.length };
    const { r, db } = await importWith(proxiedEnv(server.s3, { HTTP_PROXY: proxy.urlWithPassword }), ["--verbose"]);
    expect(r.stderr).not.toContain("[error]");
    expect(r.exitCode).toBe(0);
    expect(await periodTotals(db, NAME, "lineItem_UnblendedCost")).toEqual(EXPECTED);
    const served = server.s3.requests.length - before.served;
    expect(served).toBeGreaterThanOrEqual(4); // a listing, the manifest, two data files
    expect(proxy.requests - before.proxied).toBe(served);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });

  test("the lower-case http_proxy wins over HTTP_PROXY, as in the AWS CLI", async () => {
    const before = proxy.requests;
    const closed = await freePort();
    const { r } = await importWith(proxiedEnv(server.s3, { http_proxy: proxy.urlWithPassword, HTTP_PROXY: `http://127.0.0.1:${closed}` }));
    expect(r.exitCode).toBe(0);
    expect(proxy.requests - before).toBeGreaterThanOrEqual(4);
  });

  test("NO_PROXY naming the endpoint's host sends the requests straight", async () => {
    const before = proxy.requests;
    const { r, db } = await importWith(proxiedEnv(server.s3, { HTTP_PROXY: proxy.urlWithPassword, NO_PROXY: "example.com, 127.0.0.1" }));
    expect(r.exitCode).toBe(0);
    expect(await periodTotals(db, NAME, "lineItem_UnblendedCost")).toEqual(EXPECTED);
    expect(proxy.requests - before).toBe(0);
  });

  test("a proxy where nothing listens: exit 1 naming the endpoint and the proxy, without its password", async () => {
    const closed = await freePort();
    const r = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-p", "cur", "-e", NAME], {
      env: proxiedEnv(server.s3, { HTTP_PROXY: `http://finops:${PASSWORD}@127.0.0.1:${closed}` }),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `finops: s3://${BUCKET}/cur/${NAME}/: cannot reach ${server.s3.endpoint} through the proxy http://***@127.0.0.1:${closed} (ECONNREFUSED), 3 attempt(s) — check HTTPS_PROXY / HTTP_PROXY (or NO_PROXY for this endpoint) and the network\n`,
    );
  });

  test("a proxy that wants other credentials: exit 1 saying so (407), not retried as a server error", async () => {
    const before = proxy.refused;
    const r = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-p", "cur", "-e", NAME], {
      env: proxiedEnv(server.s3, { HTTP_PROXY: proxy.url.replace("http://", "http://finops:wrong@") }),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `finops: s3://${BUCKET}/cur/${NAME}/: the proxy http://***@127.0.0.1:${new URL(proxy.url).port} refused the request (407 Proxy Authentication Required) — check the user name and password in HTTPS_PROXY / HTTP_PROXY\n`,
    );
    expect(proxy.refused - before).toBe(1);
  });

  test("a proxy that accepts and never answers: bounded by --read-timeout", async () => {
    const held: Socket[] = [];
    const silent = createServer();
    silent.on("connection", (s) => held.push(s));
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-p", "cur", "-e", NAME, "--read-timeout", "0.5"], {
        env: proxiedEnv(server.s3, { HTTP_PROXY: `http://127.0.0.1:${port}` }),
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`finops: s3://${BUCKET}/cur/${NAME}/: ${server.s3.endpoint} through the proxy http://127.0.0.1:${port} sent no answer within 0.5 s, 3 attempt(s)`);
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  }, 20_000);

  test("bad proxy settings are one-line config errors (exit 2)", async () => {
    const socks = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-e", NAME], { env: proxiedEnv(server.s3, { HTTP_PROXY: `socks5://finops:${PASSWORD}@127.0.0.1:1080` }) });
    expect(socks.exitCode).toBe(2);
    expect(socks.stderr).toBe("finops: HTTP_PROXY names a socks5 proxy (socks5://***@127.0.0.1:1080); finops supports http:// and https:// proxies\n");
    const garbage = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-e", NAME], { env: proxiedEnv(server.s3, { HTTP_PROXY: `http://finops:${PASSWORD}@[bad` }) });
    expect(garbage.exitCode).toBe(2);
    expect(garbage.stderr).toBe('finops: HTTP_PROXY is not a proxy URL: "http://***@[bad" — set it like http://proxy.example.com:3128\n');
  });

  test("finops doctor shows the route without the password", async () => {
    const r = await runInProcess(["doctor"], { env: proxiedEnv(server.s3, { HTTP_PROXY: proxy.urlWithPassword }) });
    const out = r.stdout + r.stderr;
    expect(out).toContain(`${server.s3.endpoint}: through the proxy http://***@127.0.0.1:${new URL(proxy.url).port} (from HTTP_PROXY)`);
    expect(out).not.toContain(PASSWORD);
  });
});

describe("an https:// endpoint behind HTTPS_PROXY (CONNECT), with its certificate authority in AWS_CA_BUNDLE", () => {
  const server = useFixtureS3({ trees: [], tls, setup: putPeriod });

  test("the import tunnels through the proxy and trusts the bundle's authority", async () => {
    const before = { tunnels: proxy.tunnels, requests: proxy.requests };
    const { r, db } = await importWith(proxiedEnv(server.s3, { HTTPS_PROXY: proxy.urlWithPassword, AWS_CA_BUNDLE: CERT }));
    expect(r.stderr).not.toContain("[error]");
    expect(r.exitCode).toBe(0);
    expect(await periodTotals(db, NAME, "lineItem_UnblendedCost")).toEqual(EXPECTED);
    expect(proxy.tunnels - before.tunnels).toBeGreaterThanOrEqual(1);
    expect(proxy.requests - before.requests).toBe(0); // https goes through CONNECT only
  });

  test("without the bundle the server's certificate is not trusted: exit 1 naming AWS_CA_BUNDLE", async () => {
    const r = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-p", "cur", "-e", NAME], { env: proxiedEnv(server.s3, { HTTPS_PROXY: proxy.urlWithPassword }) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^finops: s3://${BUCKET}/cur/${NAME}/: the TLS certificate of ${server.s3.endpoint} through the proxy http://\\*\\*\\*@127\\.0\\.0\\.1:\\d+ is not trusted \\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\\) — behind a proxy that inspects TLS, set AWS_CA_BUNDLE to a PEM file of its certificate authority\\n$`,
      ),
    );
  });

  test("a proxy that refuses the tunnel's credentials: exit 1 saying so (407)", async () => {
    const before = proxy.refused;
    const r = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-p", "cur", "-e", NAME], {
      env: proxiedEnv(server.s3, { HTTPS_PROXY: proxy.url.replace("http://", "http://finops:wrong@"), AWS_CA_BUNDLE: CERT }),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `finops: s3://${BUCKET}/cur/${NAME}/: the proxy http://***@127.0.0.1:${new URL(proxy.url).port} refused the request (407 Proxy Authentication Required) — check the user name and password in HTTPS_PROXY / HTTP_PROXY\n`,
    );
    expect(proxy.refused - before).toBeGreaterThanOrEqual(1);
  });

  test("AWS_CA_BUNDLE alone, no proxy: the import trusts it too", async () => {
    const before = proxy.tunnels;
    const { r, db } = await importWith(cleanEnv({ ...server.s3.env, AWS_CA_BUNDLE: CERT }));
    expect(r.exitCode).toBe(0);
    expect(await periodTotals(db, NAME, "lineItem_UnblendedCost")).toEqual(EXPECTED);
    expect(proxy.tunnels - before).toBe(0);
  });

  test("an AWS_CA_BUNDLE that cannot be read or holds no certificate: exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "finops-ca-"));
    const missing = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-e", NAME], { env: cleanEnv({ ...server.s3.env, AWS_CA_BUNDLE: join(dir, "none.pem") }) });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(`finops: AWS_CA_BUNDLE: cannot read ${join(dir, "none.pem")} (ENOENT) — point it at a PEM file of certificate authorities, or unset it\n`);
    writeFileSync(join(dir, "empty.pem"), "not a certificate\n");
    const empty = await runInProcess(["aws", "list-manifests", "-b", BUCKET, "-e", NAME], { env: cleanEnv({ ...server.s3.env, AWS_CA_BUNDLE: join(dir, "empty.pem") }) });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toBe(`finops: AWS_CA_BUNDLE: ${join(dir, "empty.pem")} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")\n`);
  });

  test("the compiled binary, from a folder outside the repository: the same import through the proxy", async () => {
    const ws = binaryWorkspace();
    const before = proxy.tunnels;
    const env = proxiedEnv(server.s3, { HTTPS_PROXY: proxy.urlWithPassword, AWS_CA_BUNDLE: CERT }) as Record<string, string>;
    const r = await runBinary(ws, ["aws", "import-cur", "-b", BUCKET, "-p", "cur", "-e", NAME, "-d", join(ws.dir, "f.duckdb"), "--json"], { env: { ...env, PATH: ws.env.PATH, HOME: ws.home, XDG_CACHE_HOME: ws.cache } });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).periods).toMatchObject([{ export: NAME, period: "2025-08", outcome: "imported", rows: 3000 }]);
    expect(await periodTotals(join(ws.dir, "f.duckdb"), NAME, "lineItem_UnblendedCost")).toEqual(EXPECTED);
    expect(proxy.tunnels - before).toBeGreaterThanOrEqual(1);
    expect(r.stderr).not.toContain(PASSWORD);
  }, 60_000);
});
