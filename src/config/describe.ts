/** `finops config show` and `finops config init`. */
import type { AwsField } from "./aws.ts";
import type { Settings } from "./index.ts";

export interface EffectiveSetting {
  key: string;
  value: string;
  from: string;
}

const AWS_KEYS: [AwsField, string][] = [
  ["region", "aws.region"],
  ["profile", "aws.profile"],
  ["roleArn", "aws.role_arn"],
  ["endpointUrl", "aws.endpoint_url"],
];

export function describeSettings(s: Settings): EffectiveSetting[] {
  const file = s.configFile ?? "config file";
  const t = s.tuning;
  const out: EffectiveSetting[] = [
    { key: "config file", value: s.configFile ?? "(none)", from: s.configFile ? "found" : "-" },
    { key: "database.path", value: s.database, from: s.databaseFrom === "file" ? file : s.databaseFrom === "env" ? "FINOPS_DATABASE" : s.databaseFrom },
    { key: "database.memory_limit", value: t.memoryLimitFrom === "default" ? `${t.memoryLimit} (default)` : t.memoryLimit, from: t.memoryLimitFrom === "file" ? file : t.memoryLimitFrom },
  ];
  for (const [field, key] of AWS_KEYS) {
    const value = s.aws[field];
    const from = s.aws.from[field];
    if (value !== undefined && from) out.push({ key, value, from: from.kind === "file" ? file : from.kind === "env" ? from.name : from.kind });
  }
  const lake = s.lake;
  if (lake?.to) {
    const parts = [lake.to, lake.region ? `region ${lake.region}` : "", lake.profile ? `profile ${lake.profile}` : "", lake.role_arn ? `role ${lake.role_arn}` : "", lake.endpoint_url ? `endpoint ${lake.endpoint_url}` : ""];
    out.push({ key: "lake.to", value: parts.filter(Boolean).join(", "), from: file });
  }
  s.exports.forEach((e, i) => {
    const range = e.start_date || e.end_date ? `periods ${e.start_date ?? "…"} – ${e.end_date ?? "…"}` : "";
    const parts = [`s3://${e.bucket}/${e.prefix ?? ""}`, e.cur_version ?? "version detected", e.role_arn ? `role ${e.role_arn}` : "", e.profile ? `profile ${e.profile}` : "", e.region ? `region ${e.region}` : "", range];
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
# start_date = "2025-01"           # only these billing periods (YYYY-MM, inclusive); --start-date/--end-date win
# end_date = "2025-12"
# priority = 10                    # which export a period counts from in focus.costs when two hold it (higher wins)

[[aws.exports]]
name = "new-cur-v2"
bucket = "payer-b-exports"
prefix = "exports"
cur_version = "v2"                 # CUR 2.0 or FOCUS (AWS Data Exports)
# role_arn = "arn:aws:iam::222222222222:role/FinOpsRead"
# external_id = "..."

# [lake]
# Where \`finops lake export\` (and \`aws import-cur --lake\`) publish the Parquet lake: s3://bucket/prefix/ or a folder.
# to = "s3://my-finops-lake/finops/"
# region = "eu-west-1"             # the lake bucket's own source, if not the [aws] defaults
# profile = "lake-writer"
# role_arn = "arn:aws:iam::333333333333:role/FinOpsLakeWrite"
# endpoint_url = "http://127.0.0.1:9000"
`;
