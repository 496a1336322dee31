/**
 * A server that accepts connections and never answers (a stuck proxy, a half-open connection): every request is
 * bounded. import-cur and list-manifests exit 1 with a message that names the endpoint and how long it waited,
 * instead of hanging. The bounds are set short here (--read-timeout, [aws] read_timeout); the test's own timeout
 * (20 s) fails it if they were not honoured.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { Socket } from "bun";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, runInProcess } from "./helpers/cli.ts";
import { freePort } from "./helpers/s3.ts";

// Accepts every connection, reads what it is sent, never writes a byte.
const held: Socket[] = [];
let accepted = 0;
const silent = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      accepted += 1;
      held.push(socket);
    },
    data() {},
  },
});
afterAll(() => {
  for (const s of held) s.end();
  silent.stop(true);
});

const endpoint = `http://127.0.0.1:${silent.port}`;
const env = () => cleanEnv({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "us-east-1" });

test("import-cur against a server that never answers exits 1 naming the endpoint and the wait", async () => {
  const from = accepted;
  const dir = mkdtempSync(join(tmpdir(), "finops-silent-"));
  const r = await runInProcess(
    ["aws", "import-cur", "-b", "billing", "-p", "cur", "-e", "my-cur", "--endpoint-url", endpoint, "--read-timeout", "0.5", "--connect-timeout", "1", "-d", join(dir, "f.duckdb"), "--json"],
    { env: env(), cwd: dir },
  );
  expect(r.exitCode).toBe(1);
  const periods = JSON.parse(r.stdout).periods;
  expect(periods).toHaveLength(1);
  expect(periods[0]).toMatchObject({ export: "my-cur", period: null, outcome: "failed" });
  expect(periods[0].error).toBe(
    `s3://billing/cur/my-cur/: ${endpoint} sent no answer within 0.5 s, 3 attempt(s) — check the network, a proxy or the endpoint (the bound is --connect-timeout / --read-timeout, or [aws] connect_timeout / read_timeout)`,
  );
  expect(r.stderr).toContain(`${endpoint} sent no answer within 0.5 s`);
  // The SDK's three attempts, and no more on top of them.
  expect(accepted - from).toBe(3);
}, 20_000);

test("list-manifests with read_timeout from the config file exits 1 with the same message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "finops-silent-"));
  writeFileSync(
    join(dir, "finops.toml"),
    `[aws]\nendpoint_url = "${endpoint}"\nread_timeout = 0.5\nmax_attempts = 2\n\n[[aws.exports]]\nname = "my-cur"\nbucket = "billing"\nprefix = "cur"\ncur_version = "v1"\n`,
  );
  const r = await runInProcess(["aws", "list-manifests"], { env: env(), cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(`finops: s3://billing/cur/my-cur/: ${endpoint} sent no answer within 0.5 s, 2 attempt(s)`);
}, 20_000);

test("an endpoint where nothing listens: exit 1 naming it (was `Error: connect ECONNREFUSED`), no retries on top of the SDK's", async () => {
  const closed = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "finops-refused-"));
  const r = await runInProcess(["aws", "list-manifests", "-b", "billing", "-p", "cur", "-e", "my-cur", "--endpoint-url", `http://127.0.0.1:${closed}`], { env: env(), cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toBe(
    `finops: s3://billing/cur/my-cur/: cannot reach http://127.0.0.1:${closed} (ECONNREFUSED), 3 attempt(s) — check --endpoint-url / endpoint_url, the region, the network or a proxy\n`,
  );
}, 20_000);

test("bad bounds are usage errors", async () => {
  const r = await runInProcess(["aws", "list-manifests", "-b", "b", "-e", "e", "--read-timeout", "soon"], { env: env() });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain('--read-timeout must be a number of seconds greater than 0, got "soon"');
});
