/** Which route a request takes (src/aws/network.ts): the proxy variables, NO_PROXY, AWS_CA_BUNDLE, as the AWS CLI reads them. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { bypassesProxy, describeRoute, routeFor, shownUrl } from "../../src/aws/network.ts";
import { ConfigError } from "../../src/errors.ts";
import { repoRoot } from "../helpers/cli.ts";

const AWS = "https://s3.eu-west-1.amazonaws.com";

describe("NO_PROXY", () => {
  const cases: [string, string, string, boolean][] = [
    ["s3.eu-west-1.amazonaws.com", "443", "amazonaws.com", true],
    ["s3.eu-west-1.amazonaws.com", "443", ".amazonaws.com", true],
    ["s3.eu-west-1.amazonaws.com", "443", "*.amazonaws.com", true],
    ["amazonaws.com", "443", ".amazonaws.com", true],
    ["s3.eu-west-1.amazonaws.com", "443", "zonaws.com", false], // a suffix of the name, not a domain it is in
    ["s3.eu-west-1.amazonaws.com", "443", "example.com,internal", false],
    ["minio.internal", "9000", "example.com, minio.internal:9000", true],
    ["minio.internal", "9000", "minio.internal:9001", false],
    ["10.0.0.5", "9000", "10.0.0.5", true],
    ["anything.example", "443", "*", true],
    ["::1", "9000", "::1", true],
    ["::1", "9000", "[::1]:9000", true],
    ["S3.EU-WEST-1.AMAZONAWS.COM", "443", "AmazonAWS.com", true],
  ];
  for (const [host, port, noProxy, expected] of cases) {
    test(`${host}:${port} with NO_PROXY=${noProxy}: ${expected ? "direct" : "through the proxy"}`, () => {
      expect(bypassesProxy(host, port, noProxy)).toBe(expected);
    });
  }
  test("no NO_PROXY: never direct", () => expect(bypassesProxy("127.0.0.1", "80", undefined)).toBe(false));
});

describe("routeFor", () => {
  test("https endpoints take HTTPS_PROXY, http ones HTTP_PROXY; neither takes the other's", () => {
    const env = { HTTPS_PROXY: "http://secure-proxy:3128", HTTP_PROXY: "http://plain-proxy:3128" };
    expect(routeFor(AWS, env).proxy).toEqual({ url: "http://secure-proxy:3128/", shown: "http://secure-proxy:3128", from: "HTTPS_PROXY" });
    expect(routeFor("http://minio:9000", env).proxy?.from).toBe("HTTP_PROXY");
    expect(routeFor("http://minio:9000", { HTTPS_PROXY: "http://secure-proxy:3128" }).proxy).toBeUndefined();
  });

  test("the lower-case variable wins when both are set; a proxy without a scheme is http://", () => {
    const route = routeFor(AWS, { https_proxy: "proxy.corp:8080", HTTPS_PROXY: "http://other:1" });
    expect(route.proxy).toMatchObject({ url: "http://proxy.corp:8080/", from: "https_proxy" });
  });

  test("no_proxy and NO_PROXY: the lower-case one wins", () => {
    expect(routeFor(AWS, { HTTPS_PROXY: "http://p:1", no_proxy: "amazonaws.com", NO_PROXY: "example.com" }).proxy).toBeUndefined();
    expect(routeFor(AWS, { HTTPS_PROXY: "http://p:1", no_proxy: "example.com", NO_PROXY: "amazonaws.com" }).proxy).toBeDefined();
  });

  test("credentials in the proxy URL are used but never shown", () => {
    const route = routeFor(AWS, { HTTPS_PROXY: "http://alice:hunter2@proxy.corp:3128" });
    expect(route.proxy?.url).toBe("http://alice:hunter2@proxy.corp:3128/");
    expect(route.proxy?.shown).toBe("http://***@proxy.corp:3128");
    expect(describeRoute(route)).toBe("through the proxy http://***@proxy.corp:3128 (from HTTPS_PROXY)");
    expect(shownUrl(new URL("http://proxy.corp:3128"))).toBe("http://proxy.corp:3128");
  });

  test("empty variables are unset; nothing set is a direct route", () => {
    expect(routeFor(AWS, { HTTPS_PROXY: "  " })).toEqual({});
    expect(describeRoute(routeFor(AWS, {}))).toBe("direct (no proxy)");
  });

  test("AWS_CA_BUNDLE is read for https endpoints and counted", () => {
    const path = join(repoRoot, "fixtures", "tls", "localhost.crt");
    const route = routeFor(AWS, { AWS_CA_BUNDLE: path });
    expect(route.caBundle).toMatchObject({ path, certificates: 1 });
    expect(describeRoute(route)).toBe(`direct (no proxy), trusting the 1 certificate(s) of ${path} (AWS_CA_BUNDLE)`);
    expect(routeFor("http://minio:9000", { AWS_CA_BUNDLE: path }).caBundle).toBeUndefined();
  });

  test("an unusable proxy is a config error that shows no password", () => {
    for (const value of ["socks5://bob:pw@proxy:1080", "http://bob:pw@[broken"]) {
      let err: unknown;
      try {
        routeFor(AWS, { HTTPS_PROXY: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect(String((err as Error).message)).not.toContain("pw");
      expect(String((err as Error).message)).toContain("HTTPS_PROXY");
    }
  });
});
