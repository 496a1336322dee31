import { Option } from "clipanion";
import { BaseCommand } from "../../src/command.ts";
import type { SourceFlags } from "../../src/config/exports.ts";
import type { TuningFlags } from "../../src/config/tuning.ts";

/** How to reach a bucket: the AWS options every S3 command has (import-cur, list-manifests, lake export). */
export abstract class AwsAccessCommand extends BaseCommand {
  region = Option.String("--region", { description: "AWS region (buckets in another region are followed)" });
  profile = Option.String("--profile", { description: "AWS shared-config profile" });
  roleArn = Option.String("--role-arn", { description: "IAM role to assume (STS AssumeRole) for the bucket" });
  externalId = Option.String("--external-id", { description: "External ID for --role-arn" });
  endpointUrl = Option.String("--endpoint-url", { description: "S3-compatible endpoint URL (path-style addressing)" });
  connectTimeout = Option.String("--connect-timeout", { description: "Seconds to wait for a connection to S3 (default 60, as the AWS CLI)" });
  readTimeout = Option.String("--read-timeout", { description: "Seconds to wait for an answer from S3 (default 60, as the AWS CLI)" });

  protected override settingFlags(): TuningFlags {
    return { connectTimeout: this.connectTimeout, readTimeout: this.readTimeout };
  }

  accessFlags(): { region?: string; profile?: string; roleArn?: string; externalId?: string; endpointUrl?: string } {
    return { region: this.region, profile: this.profile, roleArn: this.roleArn, externalId: this.externalId, endpointUrl: this.endpointUrl };
  }
}

/** The options that say where an export is (import-cur, list-manifests). */
export abstract class SourceCommand extends AwsAccessCommand {
  bucket = Option.String("-b,--bucket", { description: "S3 bucket the export is delivered to" });
  prefix = Option.String("-p,--prefix", { description: "Path prefix of the export in the bucket (as configured in AWS)" });
  exportName = Option.String("-e,--export-name", { description: "Report / export name (also names its tables)" });
  curVersion = Option.String("--cur-version", { description: "v1 (legacy CUR) or v2 (CUR 2.0, FOCUS); detected from the layout when omitted" });
  startDate = Option.String("--start-date", { description: "First billing period, YYYY-MM (inclusive; default: the export's start_date in the config file)" });
  endDate = Option.String("--end-date", { description: "Last billing period, YYYY-MM (inclusive; default: the export's end_date in the config file)" });

  sourceFlags(): SourceFlags {
    return {
      bucket: this.bucket,
      prefix: this.prefix,
      exportName: this.exportName,
      curVersion: this.curVersion,
      startDate: this.startDate,
      endDate: this.endDate,
      ...this.accessFlags(),
    };
  }
}
