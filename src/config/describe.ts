/** `finops config show` and `finops config init`. */
import { defaultMemoryLimit } from "../store/duckdb.ts";
import type { Settings } from "./index.ts";

export interface EffectiveSetting {
  key: string;
  value: string;
  from: string;
}

export function describeSettings(s: Settings, env: Record<string, string | undefined>): EffectiveSetting[] {
  const file = s.configFile ?? "config file";
  const out: EffectiveSetting[] = [
    { key: "config file", value: s.configFile ?? "(none)", from: s.configFile ? "found" : "-" },
    { key: "database.path", value: s.database, from: s.databaseOrigin === "file" ? file : s.databaseOrigin === "env" ? "FINOPS_DATABASE" : s.databaseOrigin },
    { key: "database.memory_limit", value: s.memoryLimit ?? `${defaultMemoryLimit()} (default)`, from: s.memoryLimit ? file : "default" },
  ];
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  out.push({ key: "aws.region", value: region ?? s.aws.region ?? "us-east-1", from: region ? (env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION") : s.aws.region ? file : "default" });
  if (env.AWS_PROFILE ?? s.aws.profile) out.push({ key: "aws.profile", value: (env.AWS_PROFILE ?? s.aws.profile)!, from: env.AWS_PROFILE ? "AWS_PROFILE" : file });
  if (s.aws.role_arn) out.push({ key: "aws.role_arn", value: s.aws.role_arn, from: file });
  const envEndpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const endpoint = envEndpoint ?? s.aws.endpoint_url;
  if (endpoint) out.push({ key: "aws.endpoint_url", value: endpoint, from: envEndpoint ? (env.AWS_ENDPOINT_URL_S3 ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL") : file });
  s.exports.forEach((e, i) => {
    const parts = [`s3://${e.bucket}/${e.prefix ?? ""}`, e.cur_version ?? "version detected", e.role_arn ? `role ${e.role_arn}` : "", e.profile ? `profile ${e.profile}` : "", e.region ? `region ${e.region}` : ""];
    out.push({ key: `aws.exports[${i}] ${e.name}`, value: parts.filter(Boolean).join(", "), from: file });
  });
  return out;
}

export const EXAMPLE_CONFIG = `# finops configuration (TOML). Flags override environment variables, which override this file.
# Found at: -c FILE, else $FINOPS_CONFIG, else ./finops.toml, else $XDG_CONFIG_HOME/finops/config.toml.

[database]
# The DuckDB file billing data is imported into (default ./data/finops.duckdb).
path = "./data/finops.duckdb"
# How much memory DuckDB may use before it spills to disk, e.g. "2GB".
# memory_limit = "2GB"

[aws]
# Defaults for every export below; each export may override them.
region = "us-east-1"
# profile = "billing"                # a profile of ~/.aws/config
# endpoint_url = "http://127.0.0.1:9000"   # an S3-compatible server (path-style)

# One [[aws.exports]] table per export. "name" is the report / export name in S3 and names the tables
# (aws_billing.<name>_<YYYY>_<MM>) and the view (aws_billing.<name>).

[[aws.exports]]
name = "legacy-cur-v1"
bucket = "billing-bucket"
prefix = "cur-reports"
cur_version = "v1"                 # legacy CUR; omit to detect from the layout

[[aws.exports]]
name = "new-cur-v2"
bucket = "payer-b-exports"
prefix = "exports"
cur_version = "v2"                 # CUR 2.0 or FOCUS (AWS Data Exports)
# role_arn = "arn:aws:iam::222222222222:role/FinOpsRead"
# external_id = "..."
`;
