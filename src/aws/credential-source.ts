/**
 * Which credential source the AWS SDK's default chain would pick, told without resolving or printing any secret.
 * Used by `finops doctor`. It follows the SDK's order: environment, SSO / shared files for the profile, web identity,
 * container, instance metadata.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface CredentialSource {
  source: string;
  ok: boolean;
}

/** Section name → keys (values are never kept, so no secret can leak from here). */
export function iniSections(text: string, isConfigFile: boolean): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      let name = header[1];
      if (isConfigFile) {
        if (name.startsWith("profile ")) name = name.slice("profile ".length).trim();
        else if (name !== "default") {
          current = undefined; // sso-session / services sections
          continue;
        }
      }
      current = sections.get(name) ?? new Set();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && current) current.add(line.slice(0, eq).trim().toLowerCase());
  }
  return sections;
}

function readSections(path: string, isConfig: boolean): Map<string, Set<string>> {
  try {
    return existsSync(path) ? iniSections(readFileSync(path, "utf8"), isConfig) : new Map();
  } catch {
    return new Map();
  }
}

export function describeCredentialSource(env: Record<string, string | undefined>, profileFlag?: string): CredentialSource {
  const home = env.HOME || homedir();
  const profile = profileFlag ?? env.AWS_PROFILE ?? "default";
  if (!profileFlag && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { source: `environment variables (AWS_ACCESS_KEY_ID${env.AWS_SESSION_TOKEN ? ", AWS_SESSION_TOKEN" : ""})`, ok: true };
  }
  const credsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials");
  const configFile = env.AWS_CONFIG_FILE || join(home, ".aws", "config");
  const creds = readSections(credsFile, false).get(profile);
  const config = readSections(configFile, true).get(profile);
  const keys = new Set([...(creds ?? []), ...(config ?? [])]);
  if (keys.has("sso_session") || keys.has("sso_start_url")) return { source: `SSO (profile "${profile}" in ${configFile})`, ok: true };
  if (keys.has("role_arn")) return { source: `assumed role (profile "${profile}")`, ok: true };
  if (keys.has("credential_process")) return { source: `credential_process (profile "${profile}")`, ok: true };
  if (keys.has("aws_access_key_id")) {
    return { source: `shared credentials (profile "${profile}" in ${creds?.has("aws_access_key_id") ? credsFile : configFile})`, ok: true };
  }
  if (profileFlag || env.AWS_PROFILE) {
    return { source: `profile "${profile}" not found in ${credsFile} or ${configFile}`, ok: false };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return { source: "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)", ok: true };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return { source: "container credentials (ECS/EKS)", ok: true };
  }
  return { source: "EC2 instance metadata (IMDS) if this runs on EC2; no other source found", ok: true };
}
