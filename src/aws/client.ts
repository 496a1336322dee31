/**
 * The S3 client for one export: region, endpoint (S3-compatible servers, path-style), and credentials — the SDK's
 * default chain, a named profile, or an assumed role (STS AssumeRole, refreshed by the SDK before expiry). Buckets in
 * another region than configured are followed (followRegionRedirects). Requests to S3 and STS take the route the
 * environment gives (a proxy, a CA bundle: network.ts). The SDK is imported lazily.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { AwsSource } from "../config/aws.ts";
import { DEFAULT_NETWORK, type NetworkBounds } from "../config/tuning.ts";
import { routeAgents, routeFor, s3EndpointOf } from "./network.ts";

export interface ClientPlan {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials: { kind: "environment" } | { kind: "profile"; profile: string } | { kind: "role"; roleArn: string; externalId?: string; sessionName: string; profile?: string } | { kind: "default-chain" };
}

/**
 * The credential source for a resolved AWS source (config/aws.ts), without the SDK: testable, and printable without
 * secrets. A profile named by a flag or the config file beats keys in the environment, which beat AWS_PROFILE.
 */
export function planClient(src: AwsSource, env: Record<string, string | undefined>): ClientPlan {
  const explicitProfile = src.from.profile?.kind === "env" ? undefined : src.profile;
  const envKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  let credentials: ClientPlan["credentials"];
  if (src.roleArn) {
    // The identity that assumes the role, in the same order: a named profile, keys in the environment, AWS_PROFILE.
    const profile = explicitProfile ?? (envKeys ? undefined : src.profile);
    credentials = { kind: "role", roleArn: src.roleArn, externalId: src.externalId, sessionName: "finops", profile };
  } else if (explicitProfile) {
    credentials = { kind: "profile", profile: explicitProfile };
  } else if (envKeys) {
    credentials = { kind: "environment" };
  } else if (src.profile) {
    credentials = { kind: "profile", profile: src.profile };
  } else {
    credentials = { kind: "default-chain" };
  }
  return { region: src.region, endpoint: src.endpointUrl, forcePathStyle: Boolean(src.endpointUrl), credentials };
}

export async function credentialProvider(plan: ClientPlan, env: Record<string, string | undefined>): Promise<AwsCredentialIdentityProvider | undefined> {
  const c = plan.credentials;
  if (c.kind === "environment") {
    const identity = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN };
    return async () => identity;
  }
  // STS (a role, a profile's source_profile chain) and SSO go the same way as S3: through the proxy, if any. Only
  // decided for the kinds that make those requests (the route may read AWS_CA_BUNDLE).
  const stsEndpoint = env.AWS_ENDPOINT_URL_STS ?? `https://sts.${plan.region}.amazonaws.com`;
  const requestHandler = routeAgents(stsEndpoint, routeFor(stsEndpoint, env));
  const files = { filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: env.AWS_CONFIG_FILE, clientConfig: { requestHandler } };
  switch (c.kind) {
    case "profile": {
      const { fromIni } = await import("@aws-sdk/credential-providers");
      return fromIni({ profile: c.profile, ...files });
    }
    case "role": {
      const { fromIni, fromTemporaryCredentials } = await import("@aws-sdk/credential-providers");
      // The identity that assumes the role (planClient chose it): the profile, else keys in the environment, else the
      // SDK's default chain.
      const base = c.profile
        ? fromIni({ profile: c.profile, ...files })
        : env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
          ? async () => ({ accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN })
          : undefined;
      return fromTemporaryCredentials({
        params: { RoleArn: c.roleArn, RoleSessionName: c.sessionName, ExternalId: c.externalId, DurationSeconds: 3600 },
        masterCredentials: base,
        // AWS_ENDPOINT_URL_STS: an STS-compatible endpoint (tests use a stand-in on loopback).
        clientConfig: { region: plan.region, endpoint: env.AWS_ENDPOINT_URL_STS, requestHandler },
      });
    }
    default: {
      // The SDK's default chain; given the route when there is one, for its STS and SSO clients (IMDS stays direct).
      if (!requestHandler.httpAgent && !requestHandler.httpsAgent) return undefined;
      const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
      return fromNodeProviderChain({ clientConfig: { requestHandler } });
    }
  }
}

/** What a client was made with, for error messages that name the endpoint and how long they waited. */
export interface ClientInfo {
  endpoint: string;
  network: NetworkBounds;
  /** The proxy the requests go through, as shown (no password). */
  proxy?: string;
}
const clients = new WeakMap<object, ClientInfo>();

export function clientInfo(client: S3Client): ClientInfo | undefined {
  return clients.get(client);
}

export async function createS3Client(src: AwsSource, env: Record<string, string | undefined>, network: NetworkBounds = DEFAULT_NETWORK): Promise<S3Client> {
  const plan = planClient(src, env);
  const endpoint = s3EndpointOf(plan.region, plan.endpoint);
  const route = routeFor(endpoint, env);
  const { S3Client } = await import("@aws-sdk/client-s3");
  const client = new S3Client({
    region: plan.region,
    endpoint: plan.endpoint,
    forcePathStyle: plan.forcePathStyle,
    followRegionRedirects: true,
    credentials: await credentialProvider(plan, env),
    maxAttempts: network.maxAttempts,
    // requestTimeout bounds the wait for a response; without throwOnRequestTimeout the SDK only logs a warning and a
    // server that accepts the connection and never answers holds the request forever. socketTimeout bounds silence.
    requestHandler: {
      connectionTimeout: network.connectTimeoutMs,
      requestTimeout: network.readTimeoutMs,
      socketTimeout: network.readTimeoutMs,
      throwOnRequestTimeout: true,
      ...routeAgents(endpoint, route),
    },
  });
  clients.set(client, { endpoint, network, proxy: route.proxy?.shown });
  return client;
}
