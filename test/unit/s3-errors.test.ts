import { describe, expect, test } from "bun:test";
import { describeS3Error, S3Error } from "../../src/aws/s3.ts";
import { InterruptedError } from "../../src/errors.ts";

const WHERE = "s3://billing/cur/my-cur/20250801-20250901/my-cur-Manifest.json";

/** An error shaped like the ones the AWS SDK throws (a service exception or a credential provider's error). */
function sdkError(name: string, status: number | undefined, message = `${name} message`, code: string | undefined = name) {
  return Object.assign(new Error(message), { name, Code: code, $metadata: { httpStatusCode: status } });
}

function described(err: unknown) {
  const e = describeS3Error(err, WHERE);
  expect(e).toBeInstanceOf(S3Error);
  return { message: e.message, status: e.status, permanent: e.permanent };
}

describe("describeS3Error", () => {
  test("NoSuchKey, or any 404 that is not NoSuchBucket (HEAD has no body, so no code): not found, permanent", () => {
    const expected = { message: `${WHERE}: not found (404)`, status: 404, permanent: true };
    expect(described(sdkError("NoSuchKey", 404, "The specified key does not exist."))).toEqual(expected);
    expect(described(sdkError("NotFound", 404, "UnknownError", undefined))).toEqual(expected);
  });

  test("NoSuchBucket: the bucket does not exist, permanent", () => {
    expect(described(sdkError("NoSuchBucket", 404, "The specified bucket does not exist"))).toEqual({
      message: `${WHERE}: the bucket does not exist (NoSuchBucket)`,
      status: 404,
      permanent: true,
    });
  });

  test("CredentialsProviderError: no credentials, with the SDK's first line as the reason, permanent, no status", () => {
    const err = sdkError("CredentialsProviderError", undefined, "Could not load credentials from any providers.\nSee the chain below.", undefined);
    expect(described(err)).toEqual({
      message: `${WHERE}: no AWS credentials were found (Could not load credentials from any providers) — set AWS_PROFILE or the AWS_ACCESS_KEY_ID variables, or pass --profile (finops doctor shows what it sees)`,
      status: undefined,
      permanent: true,
    });
  });

  test.each([
    ["InvalidAccessKeyId", 403],
    ["SignatureDoesNotMatch", 403],
    ["ExpiredToken", 400],
    ["InvalidToken", 400],
    ["TokenRefreshRequired", 400],
  ])("%s (%d): the credentials were refused, naming the code, permanent", (code, status) => {
    expect(described(sdkError(code, status))).toEqual({
      message: `${WHERE}: the credentials were refused (${code}) — check AWS_PROFILE, --profile or the access keys`,
      status,
      permanent: true,
    });
  });

  test("AccessDenied, or any 403: access denied, permanent", () => {
    const expected = { message: `${WHERE}: access denied (403) — check the credentials and the bucket policy`, status: 403, permanent: true };
    expect(described(sdkError("AccessDenied", 403, "Access Denied"))).toEqual(expected);
    expect(described(sdkError("Forbidden", 403, "UnknownError", undefined))).toEqual(expected);
  });

  test("PermanentRedirect, or any 301: the bucket is in another region, naming the code, permanent", () => {
    expect(described(sdkError("PermanentRedirect", 301, "The bucket you are attempting to access must be addressed using the specified endpoint."))).toEqual({
      message: `${WHERE}: the bucket is in another region (PermanentRedirect)`,
      status: 301,
      permanent: true,
    });
    expect(described(sdkError("MovedPermanently", 301, "UnknownError", undefined))).toEqual({
      message: `${WHERE}: the bucket is in another region (MovedPermanently)`,
      status: 301,
      permanent: true,
    });
  });

  test("PreconditionFailed, or any 412: the object changed while it was read, permanent", () => {
    const expected = { message: `${WHERE}: the object changed while it was being read (ETag differs); run the import again`, status: 412, permanent: true };
    expect(described(sdkError("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"))).toEqual(expected);
    expect(described(sdkError("Unknown", 412, "UnknownError", undefined))).toEqual(expected);
  });

  test("an unknown 500: code, status and the message's first line, not permanent (retried)", () => {
    const err = sdkError("InternalError", 500, "We encountered an internal error.\nPlease try again.");
    expect(described(err)).toEqual({ message: `${WHERE}: InternalError (500): We encountered an internal error.`, status: 500, permanent: false });
    expect(describeS3Error(err, WHERE).cause).toBe(err);
  });

  test("a network error without a status: its name and message, not permanent", () => {
    expect(described(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toEqual({
      message: `${WHERE}: Error: socket hang up`,
      status: undefined,
      permanent: false,
    });
  });

  test("an S3Error or an InterruptedError is returned as it is", () => {
    const s3Error = new S3Error("already described", 404, true);
    const interrupted = new InterruptedError();
    expect(describeS3Error(s3Error, WHERE)).toBe(s3Error);
    expect(describeS3Error(interrupted, WHERE) as unknown).toBe(interrupted);
  });
});

describe("describeS3Error with the client's endpoint and bounds (no answer, nobody there)", () => {
  const info = { endpoint: "http://10.0.0.9:9000", network: { connectTimeoutMs: 2000, readTimeoutMs: 1500, maxAttempts: 3 } };
  const where = "s3://b/cur/x/";

  test("the SDK's connect timeout names the connect bound; its request timeout the read bound; both are final", () => {
    const connect = describeS3Error(
      Object.assign(new Error("@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 2000 ms."), { name: "TimeoutError" }),
      where,
      info,
    );
    expect(connect.message).toBe(`${where}: http://10.0.0.9:9000 could not connect within 2 s, 3 attempt(s) — check the network, a proxy or the endpoint (the bound is --connect-timeout / --read-timeout, or [aws] connect_timeout / read_timeout)`);
    expect(connect.permanent).toBe(true);
    const answer = describeS3Error(
      Object.assign(new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1500 ms requestTimeout."), { name: "TimeoutError", code: "ETIMEDOUT" }),
      where,
      info,
    );
    expect(answer.message).toStartWith(`${where}: http://10.0.0.9:9000 sent no answer within 1.5 s, 3 attempt(s)`);
    expect(answer.permanent).toBe(true);
  });

  test("a refused connection or a name that does not resolve names the endpoint and is final", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND"]) {
      const e = describeS3Error(Object.assign(new Error(`connect ${code} 10.0.0.9:9000`), { code }), where, info);
      expect(e.message).toBe(`${where}: cannot reach http://10.0.0.9:9000 (${code}), 3 attempt(s) — check --endpoint-url / endpoint_url, the region, the network or a proxy`);
      expect(e.permanent).toBe(true);
    }
  });

  test("without the client's info the same errors keep the generic, retryable description", () => {
    const e = describeS3Error(Object.assign(new Error("connect ECONNREFUSED 10.0.0.9:9000"), { code: "ECONNREFUSED" }), where);
    expect(e.message).toBe(`${where}: Error: connect ECONNREFUSED 10.0.0.9:9000`);
    expect(e.permanent).toBe(false);
  });
});

describe("through a proxy (src/aws/network.ts)", () => {
  const where = "s3://billing/cur/my-cur/";
  const info = { endpoint: "https://s3.eu-west-1.amazonaws.com", network: { connectTimeoutMs: 2000, readTimeoutMs: 1500, maxAttempts: 3 }, proxy: "http://***@proxy.corp:3128" };

  test("a 407 from the proxy (plain request or CONNECT) says to check its credentials, and is final", () => {
    for (const err of [sdkError("Unknown", 407), new Error("Failed to establish tunnel to s3.eu-west-1.amazonaws.com:443 via http://proxy.corp:3128/: HTTP/1.1 407 Proxy Authentication Required")]) {
      const e = describeS3Error(err, where, info);
      expect(e.message).toBe(`${where}: the proxy http://***@proxy.corp:3128 refused the request (407 Proxy Authentication Required) — check the user name and password in HTTPS_PROXY / HTTP_PROXY`);
      expect(e.permanent).toBe(true);
    }
  });

  test("a tunnel the proxy will not open names the status; a 403 is final, a 502 is retried", () => {
    const forbidden = describeS3Error(new Error("Failed to establish tunnel to s3.eu-west-1.amazonaws.com:443 via http://proxy.corp:3128/: HTTP/1.1 403 Forbidden"), where, info);
    expect(forbidden.message).toBe(`${where}: the proxy http://***@proxy.corp:3128 would not open a tunnel to https://s3.eu-west-1.amazonaws.com (403 Forbidden) — check the proxy's rules for this host, or NO_PROXY`);
    expect(forbidden.permanent).toBe(true);
    const gateway = describeS3Error(new Error("Failed to establish tunnel to s3.eu-west-1.amazonaws.com:443 via http://proxy.corp:3128/: HTTP/1.1 502 Bad Gateway"), where, info);
    expect(gateway.permanent).toBe(false);
  });

  test("an untrusted certificate says to set AWS_CA_BUNDLE; unreachable names the proxy", () => {
    const cert = describeS3Error(Object.assign(new Error("self-signed certificate in certificate chain"), { code: "SELF_SIGNED_CERT_IN_CHAIN" }), where, info);
    expect(cert.message).toBe(
      `${where}: the TLS certificate of https://s3.eu-west-1.amazonaws.com through the proxy http://***@proxy.corp:3128 is not trusted (SELF_SIGNED_CERT_IN_CHAIN) — behind a proxy that inspects TLS, set AWS_CA_BUNDLE to a PEM file of its certificate authority`,
    );
    const refused = describeS3Error(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), where, info);
    expect(refused.message).toContain("cannot reach https://s3.eu-west-1.amazonaws.com through the proxy http://***@proxy.corp:3128 (ECONNREFUSED)");
  });

  test("a library's message that holds a URL with credentials is shown without them", () => {
    const e = describeS3Error(new Error("socket hang up talking to http://alice:hunter2@proxy.corp:3128/"), where, info);
    expect(e.message).toBe(`${where}: Error: socket hang up talking to http://***@proxy.corp:3128/`);
  });
});
