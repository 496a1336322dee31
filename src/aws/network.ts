/**
 * How finops' requests reach S3 and STS on the user's network, the way the AWS CLI reads it from the environment:
 * HTTPS_PROXY / HTTP_PROXY (the lower-case name first, as botocore's urllib does) for https / http endpoints,
 * NO_PROXY for hosts reached directly, and AWS_CA_BUNDLE for the certificate authorities to trust instead of the
 * built-in ones (a TLS-inspecting proxy's own CA). The AWS SDK for JavaScript v3 reads none of these itself, and Bun's
 * node:http ignores the proxy variables, so the route is decided here and handed to the SDK as its agents.
 *
 * The decision is made once per endpoint and the agent is given only the proxy that applies, so what messages and
 * `finops doctor` say about the route is what the requests do. A proxy's user name and password are never shown.
 */
import { readFileSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { ConfigError } from "../errors.ts";

export interface Route {
  /** The proxy requests to this endpoint go through, or none. */
  proxy?: { url: string; shown: string; from: string };
  /** Certificate authorities trusted instead of the built-in ones (AWS_CA_BUNDLE). */
  caBundle?: { path: string; pem: string; certificates: number };
}

/** An environment variable as botocore reads it: the lower-case name wins when both are set. */
function envVar(env: Record<string, string | undefined>, upper: string): { name: string; value: string } | undefined {
  for (const name of [upper.toLowerCase(), upper]) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** A URL with its user name and password replaced by `***`. */
export function shownUrl(url: URL): string {
  if (!url.username && !url.password) return url.href.replace(/\/$/, "");
  const copy = new URL(url.href);
  copy.username = "***";
  copy.password = "";
  return copy.href.replace(/\/$/, "");
}

/** Text that may hold URLs with credentials (a value that does not parse, a library's message), without them. */
export function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, "//***@");
}

/**
 * Whether NO_PROXY sends requests to this host straight: `*`, the host itself, or a domain it is in (`example.com`
 * and `.example.com` both cover `s3.example.com`), each optionally with `:port`; comma- or space-separated.
 */
export function bypassesProxy(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    // host, host:port, [v6]:port; a bare IPv6 address (several colons) is a host without a port.
    const m = (entry.match(/:/g) ?? []).length > 1 && !entry.startsWith("[") ? [entry, entry, undefined] : /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    const entryPort = m[2];
    if (entryPort && entryPort !== port) continue;
    const name = (m[1] ?? "").replace(/^\[|\]$/g, "").replace(/^\*?\./, "");
    if (h === name || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

/** The S3 endpoint requests go to: the configured one, else AWS's own for the region. */
export function s3EndpointOf(region: string, endpointUrl: string | undefined): string {
  return endpointUrl ?? `https://s3.${region}.amazonaws.com`;
}

/** The route to an endpoint (an http(s) URL) under this environment; a bad proxy URL or CA bundle is a config error. */
export function routeFor(endpoint: string, env: Record<string, string | undefined>): Route {
  const target = new URL(endpoint);
  const route: Route = {};
  const bundle = envVar(env, "AWS_CA_BUNDLE");
  if (bundle && target.protocol === "https:") route.caBundle = readCaBundle(bundle.value);
  const variable = envVar(env, target.protocol === "https:" ? "HTTPS_PROXY" : "HTTP_PROXY");
  if (!variable) return route;
  const port = target.port || DEFAULT_PORT[target.protocol] || "";
  if (bypassesProxy(target.hostname, port, envVar(env, "NO_PROXY")?.value)) return route;
  const url = parseProxy(variable.name, variable.value);
  route.proxy = { url: url.href, shown: shownUrl(url), from: variable.name };
  return route;
}

function parseProxy(name: string, value: string): URL {
  let url: URL;
  try {
    // `host:port` without a scheme means http://, as curl and the AWS CLI read it.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ConfigError(`${name} is not a proxy URL: "${withoutCredentials(value)}" — set it like http://proxy.example.com:3128`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name} names a ${url.protocol.replace(/:$/, "")} proxy (${shownUrl(url)}); finops supports http:// and https:// proxies`);
  }
  if (!url.hostname) throw new ConfigError(`${name} is not a proxy URL: "${withoutCredentials(value)}" — set it like http://proxy.example.com:3128`);
  return url;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readCaBundle(path: string): NonNullable<Route["caBundle"]> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code ?? "unreadable";
    throw new ConfigError(`AWS_CA_BUNDLE: cannot read ${path} (${code}) — point it at a PEM file of certificate authorities, or unset it`);
  }
  const certificates = text.match(PEM_CERT)?.length ?? 0;
  if (certificates === 0) throw new ConfigError(`AWS_CA_BUNDLE: ${path} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  return { path, pem: text, certificates };
}

/**
 * The agents the SDK's Node handler sends requests with on this route, or none when the SDK's own defaults do (no
 * proxy, no CA bundle). Keep-alive and 50 sockets, as the SDK's defaults.
 */
export function routeAgents(endpoint: string, route: Route): { httpAgent?: HttpAgent; httpsAgent?: HttpsAgent } {
  if (!route.proxy && !route.caBundle) return {};
  const base = { keepAlive: true, maxSockets: 50 };
  if (new URL(endpoint).protocol === "https:") {
    // `proxyEnv` is Node's (>= 24.5) and Bun's built-in proxy support: CONNECT through the proxy, then TLS to S3.
    const proxyEnv = route.proxy ? { HTTPS_PROXY: route.proxy.url } : undefined;
    return { httpsAgent: new HttpsAgent({ ...base, ...(route.caBundle ? { ca: route.caBundle.pem } : {}), ...(proxyEnv ? { proxyEnv } : {}) } as ConstructorParameters<typeof HttpsAgent>[0]) };
  }
  const proxyEnv = route.proxy ? { HTTP_PROXY: route.proxy.url } : undefined;
  return { httpAgent: new HttpAgent({ ...base, ...(proxyEnv ? { proxyEnv } : {}) } as ConstructorParameters<typeof HttpAgent>[0]) };
}

/** What `finops doctor` says about a route: never a password. */
export function describeRoute(route: Route): string {
  const parts = [route.proxy ? `through the proxy ${route.proxy.shown} (from ${route.proxy.from})` : "direct (no proxy)"];
  if (route.caBundle) parts.push(`trusting the ${route.caBundle.certificates} certificate(s) of ${route.caBundle.path} (AWS_CA_BUNDLE)`);
  return parts.join(", ");
}
