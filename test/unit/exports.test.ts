/**
 * Which exports a command works on (src/config/exports.ts) and where each reaches its bucket from (src/config/aws.ts):
 * settings loaded from a real config file in a temporary folder, resolved as the commands resolve them.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsEnvLayer, resolveAwsSource, type Origin } from "../../src/config/aws.ts";
import { resolveExports, type ExportSource, type SourceFlags } from "../../src/config/exports.ts";
import { loadSettings, type Settings } from "../../src/config/index.ts";
import { UsageError } from "../../src/errors.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Settings as a command loads them: ./finops.toml of a fresh folder (none when `toml` is undefined), and `env`. */
function settings(toml: string | undefined, env: Record<string, string> = {}): Settings & { file: string } {
  const dir = mkdtempSync(join(tmpdir(), "finops-exports-"));
  dirs.push(dir);
  const file = join(dir, "finops.toml");
  if (toml !== undefined) writeFileSync(file, toml);
  // HOME points at the empty folder: no user config file is found there.
  return { ...loadSettings({ cwd: dir, env: { HOME: dir, ...env }, flags: {} }), file };
}

function one(flags: SourceFlags, s: Settings): ExportSource {
  const list = resolveExports(flags, s);
  expect(list).toHaveLength(1);
  return list[0];
}

/** The UsageError resolveExports throws (fails the test when it throws nothing or something else). */
function usageError(flags: SourceFlags, s: Settings): UsageError {
  try {
    resolveExports(flags, s);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`resolveExports(${JSON.stringify(flags)}) threw nothing`);
}

const FULL = `
[aws]
region = "eu-west-3"
profile = "file-profile"
endpoint_url = "http://file.example:9000"
role_arn = "arn:aws:iam::111111111111:role/file-role"
external_id = "file-external"

[[aws.exports]]
name = "own"
bucket = "own-bucket"
prefix = "cur"
region = "ap-south-1"
profile = "export-profile"
endpoint_url = "http://export.example:9000"
role_arn = "arn:aws:iam::222222222222:role/export-role"
external_id = "export-external"

[[aws.exports]]
name = "bare"
bucket = "bare-bucket"
`;

const ENV = { AWS_REGION: "us-west-2", AWS_PROFILE: "env-profile", AWS_ENDPOINT_URL_S3: "http://env.example:9000" };
const FLAGS = {
  region: "ca-central-1",
  profile: "flag-profile",
  endpointUrl: "http://flag.example:9000",
  roleArn: "arn:aws:iam::333333333333:role/flag-role",
  externalId: "flag-external",
};

describe("where an export's bucket is reached from: flag > export entry > AWS_* > [aws] > default", () => {
  test("flags win over everything", () => {
    const s = settings(FULL, ENV);
    const { aws } = one({ exportName: "own", ...FLAGS }, s);
    expect(aws).toEqual({
      ...FLAGS,
      from: {
        region: { kind: "flag", name: "--region" },
        profile: { kind: "flag", name: "--profile" },
        endpointUrl: { kind: "flag", name: "--endpoint-url" },
        roleArn: { kind: "flag", name: "--role-arn" },
        externalId: { kind: "flag", name: "--external-id" },
      },
    });
  });

  test("the export's own entry wins over the AWS variables and the [aws] defaults", () => {
    const s = settings(FULL, ENV);
    const { aws } = one({ exportName: "own" }, s);
    const from: Origin = { kind: "export", name: `${s.file} (export own)` };
    expect(aws).toEqual({
      region: "ap-south-1",
      profile: "export-profile",
      endpointUrl: "http://export.example:9000",
      roleArn: "arn:aws:iam::222222222222:role/export-role",
      externalId: "export-external",
      from: { region: from, profile: from, endpointUrl: from, roleArn: from, externalId: from },
    });
  });

  test("an export without its own settings takes the AWS variables, then the [aws] defaults for the rest", () => {
    const s = settings(FULL, ENV);
    const { aws } = one({ exportName: "bare" }, s);
    const file: Origin = { kind: "file", name: `${s.file} [aws]` };
    expect(aws).toEqual({
      region: "us-west-2",
      profile: "env-profile",
      endpointUrl: "http://env.example:9000",
      // No AWS variable names a role: the file's [aws] role applies even with AWS_* set.
      roleArn: "arn:aws:iam::111111111111:role/file-role",
      externalId: "file-external",
      from: {
        region: { kind: "env", name: "AWS_REGION" },
        profile: { kind: "env", name: "AWS_PROFILE" },
        endpointUrl: { kind: "env", name: "AWS_ENDPOINT_URL_S3" },
        roleArn: file,
        externalId: file,
      },
    });
  });

  test("with no AWS variables the [aws] defaults apply", () => {
    const s = settings(FULL);
    const { aws } = one({ exportName: "bare" }, s);
    const file: Origin = { kind: "file", name: `${s.file} [aws]` };
    expect(aws).toEqual({
      region: "eu-west-3",
      profile: "file-profile",
      endpointUrl: "http://file.example:9000",
      roleArn: "arn:aws:iam::111111111111:role/file-role",
      externalId: "file-external",
      from: { region: file, profile: file, endpointUrl: file, roleArn: file, externalId: file },
    });
  });

  test("with nothing set anywhere the region is us-east-1 from the default and the rest is unset", () => {
    const s = settings(undefined);
    const { aws } = one({ exportName: "x", bucket: "b" }, s);
    expect(aws).toEqual({
      region: "us-east-1",
      profile: undefined,
      endpointUrl: undefined,
      roleArn: undefined,
      externalId: undefined,
      from: { region: { kind: "default", name: "default" } },
    });
    expect(s.aws.region).toBe("us-east-1");
  });

  test("each field is resolved on its own: a region flag leaves the export's profile and the variables' endpoint", () => {
    const s = settings(`
[[aws.exports]]
name = "mix"
bucket = "b"
profile = "export-profile"
`, ENV);
    const { aws } = one({ region: "eu-north-1" }, s);
    expect([aws.region, aws.from.region]).toEqual(["eu-north-1", { kind: "flag", name: "--region" }]);
    expect([aws.profile, aws.from.profile]).toEqual(["export-profile", { kind: "export", name: `${s.file} (export mix)` }]);
    expect([aws.endpointUrl, aws.from.endpointUrl]).toEqual(["http://env.example:9000", { kind: "env", name: "AWS_ENDPOINT_URL_S3" }]);
    expect(aws.roleArn).toBeUndefined();
    expect(aws.from.roleArn).toBeUndefined();
  });

  test("the settings' own source (config show, doctor) is the [aws] defaults under the environment, no export", () => {
    const s = settings(FULL, { AWS_REGION: "us-west-2" });
    expect([s.aws.region, s.aws.from.region]).toEqual(["us-west-2", { kind: "env", name: "AWS_REGION" }]);
    expect([s.aws.profile, s.aws.from.profile]).toEqual(["file-profile", { kind: "file", name: `${s.file} [aws]` }]);
  });

  test("an export named by flags only (not in the file) still takes the file's [aws] defaults", () => {
    const s = settings(FULL);
    const exp = one({ exportName: "adhoc", bucket: "adhoc-bucket" }, s);
    expect([exp.aws.region, exp.aws.from.region]).toEqual(["eu-west-3", { kind: "file", name: `${s.file} [aws]` }]);
  });
});

describe("awsEnvLayer and resolveAwsSource", () => {
  test("AWS_REGION wins over AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL; each says which it was", () => {
    expect(awsEnvLayer({ AWS_REGION: "r1", AWS_DEFAULT_REGION: "r2", AWS_ENDPOINT_URL_S3: "http://s3", AWS_ENDPOINT_URL: "http://all", AWS_PROFILE: "p" })).toEqual({
      values: { region: "r1", endpointUrl: "http://s3", profile: "p" },
      names: { region: "AWS_REGION", endpointUrl: "AWS_ENDPOINT_URL_S3", profile: "AWS_PROFILE" },
    });
    expect(awsEnvLayer({ AWS_DEFAULT_REGION: "r2", AWS_ENDPOINT_URL: "http://all" })).toEqual({
      values: { region: "r2", endpointUrl: "http://all" },
      names: { region: "AWS_DEFAULT_REGION", endpointUrl: "AWS_ENDPOINT_URL" },
    });
  });

  test("empty variables count as unset; other variables set nothing", () => {
    expect(awsEnvLayer({ AWS_REGION: "", AWS_DEFAULT_REGION: "r2", AWS_PROFILE: "", AWS_ROLE_ARN: "arn:aws:iam::1:role/x", PATH: "/bin" })).toEqual({
      values: { region: "r2" },
      names: { region: "AWS_DEFAULT_REGION" },
    });
    expect(awsEnvLayer({})).toEqual({ values: {}, names: {} });
  });

  test("an empty flag or entry falls through to the next layer", () => {
    const src = resolveAwsSource({
      flags: { region: "" },
      exportEntry: { region: "" },
      env: awsEnvLayer({ AWS_DEFAULT_REGION: "sa-east-1" }),
      defaults: { region: "eu-west-1" },
      file: "/x/finops.toml",
      exportName: "e",
    });
    expect([src.region, src.from.region]).toEqual(["sa-east-1", { kind: "env", name: "AWS_DEFAULT_REGION" }]);
  });

  test("without a file name the origins say 'config file'", () => {
    const src = resolveAwsSource({ exportEntry: { profile: "p" }, env: awsEnvLayer({}), defaults: { region: "eu-west-1" }, exportName: "e" });
    expect(src.from).toEqual({
      region: { kind: "file", name: "config file [aws]" },
      profile: { kind: "export", name: "config file (export e)" },
    });
  });
});

describe("which exports: -e, the file's single export, --all", () => {
  const TWO = `
[[aws.exports]]
name = "first"
bucket = "b1"
prefix = "cur"
cur_version = "v1"

[[aws.exports]]
name = "second"
bucket = "b2"
`;

  test("a single configured export is chosen without -e", () => {
    const s = settings(`
[[aws.exports]]
name = "only"
bucket = "only-bucket"
prefix = "cur/reports"
cur_version = "v2"
start_date = "2025-01"
`);
    const exp = one({}, s);
    expect({ ...exp, aws: undefined }).toEqual({
      name: "only",
      bucket: "only-bucket",
      prefix: "cur/reports",
      curVersion: "v2",
      aws: undefined,
      start: "2025-01",
      end: undefined,
      priority: null,
    });
  });

  test("several exports without -e: a usage error saying to name one or use --all", () => {
    const err = usageError({}, settings(TWO));
    expect(err.message).toBe("the config file lists 2 exports: name one with --export-name, or use --all");
    expect(err.exitCode).toBe(2);
  });

  test("-e picks the configured export by name; --bucket and --prefix override its entry", () => {
    const s = settings(TWO);
    expect(one({ exportName: "second" }, s)).toMatchObject({ name: "second", bucket: "b2", prefix: "" });
    expect(one({ exportName: "first", bucket: "other", prefix: "elsewhere" }, s)).toMatchObject({ name: "first", bucket: "other", prefix: "elsewhere", curVersion: "v1" });
  });

  test("no config file and no -e: a usage error saying how to name the export", () => {
    expect(usageError({}, settings(undefined)).message).toBe("name the export: --export-name (and --bucket), or an [[aws.exports]] entry in the config file");
  });

  test("--bucket without -e does not silently take the file's single export", () => {
    const s = settings(`
[[aws.exports]]
name = "only"
bucket = "only-bucket"
`);
    expect(usageError({ bucket: "another-bucket" }, s).message).toBe("name the export: --export-name (and --bucket), or an [[aws.exports]] entry in the config file");
  });

  test("an unknown -e without --bucket: a usage error asking for its bucket", () => {
    expect(usageError({ exportName: "nope" }, settings(TWO)).message).toBe('export "nope" is not in the config file: give its --bucket');
  });

  test("an unknown -e with --bucket is an export of its own, from the flags alone", () => {
    const exp = one({ exportName: "adhoc", bucket: "adhoc-bucket", prefix: "p", curVersion: "v2" }, settings(TWO));
    expect({ ...exp, aws: undefined }).toEqual({ name: "adhoc", bucket: "adhoc-bucket", prefix: "p", curVersion: "v2", aws: undefined, start: undefined, end: undefined });
  });

  test("priority comes from the config only: its value, null for an entry without one, absent for an export from flags (the database keeps its own)", () => {
    const s = settings(`
[[aws.exports]]
name = "ranked"
bucket = "b1"
priority = 7

[[aws.exports]]
name = "plain"
bucket = "b2"
`);
    expect(one({ exportName: "ranked" }, s).priority).toBe(7);
    expect(one({ exportName: "plain" }, s).priority).toBeNull();
    expect("priority" in one({ exportName: "adhoc", bucket: "adhoc-bucket" }, s)).toBe(false);
  });

  test("--all gives every configured export in file order, flags applied to each", () => {
    const list = resolveExports({ all: true, region: "eu-central-1", curVersion: "v2", startDate: "2025-03" }, settings(TWO));
    expect(list.map((e) => [e.name, e.bucket, e.prefix, e.curVersion, e.aws.region, e.start])).toEqual([
      ["first", "b1", "cur", "v2", "eu-central-1", "2025-03"],
      ["second", "b2", "", "v2", "eu-central-1", "2025-03"],
    ]);
  });

  test("--all with -e, --bucket or --prefix is a usage error", () => {
    const s = settings(TWO);
    const message = "--all takes every export of the config file: drop --export-name, --bucket and --prefix";
    expect(usageError({ all: true, exportName: "first" }, s).message).toBe(message);
    expect(usageError({ all: true, bucket: "b" }, s).message).toBe(message);
    expect(usageError({ all: true, prefix: "p" }, s).message).toBe(message);
  });

  test("--all with no exports names the config file, or says none was found", () => {
    const s = settings("[aws]\nregion = \"eu-west-1\"\n");
    const err = usageError({ all: true }, s);
    expect(err.message).toBe(`--all: the config file ${s.file} lists no [[aws.exports]]`);
    expect(err.hint).toBe("Write one with `finops config init`, or name one export with --bucket and --export-name.");
    expect(usageError({ all: true }, settings(undefined)).message).toBe("--all: the config file (none found) lists no [[aws.exports]]");
  });
});

describe("prefix, --cur-version and the period range", () => {
  const s = () => settings(undefined);

  test("leading slashes of --prefix are removed, the rest kept as written", () => {
    expect(one({ exportName: "e", bucket: "b", prefix: "/cur" }, s()).prefix).toBe("cur");
    expect(one({ exportName: "e", bucket: "b", prefix: "//cur/reports/" }, s()).prefix).toBe("cur/reports/");
    expect(one({ exportName: "e", bucket: "b", prefix: "/" }, s()).prefix).toBe("");
    expect(one({ exportName: "e", bucket: "b" }, s()).prefix).toBe("");
  });

  test("a leading slash in the file's prefix is removed too", () => {
    const file = settings('[[aws.exports]]\nname = "e"\nbucket = "b"\nprefix = "/cur"\n');
    expect(one({}, file).prefix).toBe("cur");
  });

  test("--cur-version must be v1 or v2", () => {
    expect(usageError({ exportName: "e", bucket: "b", curVersion: "v3" }, s()).message).toBe('--cur-version must be v1 or v2, got "v3"');
    expect(usageError({ exportName: "e", bucket: "b", curVersion: "V1" }, s()).message).toBe('--cur-version must be v1 or v2, got "V1"');
    expect(one({ exportName: "e", bucket: "b", curVersion: "v1" }, s()).curVersion).toBe("v1");
    expect(one({ exportName: "e", bucket: "b" }, s()).curVersion).toBeUndefined();
  });

  test("--cur-version wins over the file's cur_version", () => {
    const file = settings('[[aws.exports]]\nname = "e"\nbucket = "b"\ncur_version = "v1"\n');
    expect(one({}, file).curVersion).toBe("v1");
    expect(one({ curVersion: "v2" }, file).curVersion).toBe("v2");
  });

  test("--start-date and --end-date are months as YYYY-MM", () => {
    const e = one({ exportName: "e", bucket: "b", startDate: "2024-11", endDate: "2025-02" }, s());
    expect([e.start, e.end]).toEqual(["2024-11", "2025-02"]);
    expect(usageError({ exportName: "e", bucket: "b", startDate: "2025-13" }, s()).message).toBe('--start-date must be a month as YYYY-MM, got "2025-13"');
    expect(usageError({ exportName: "e", bucket: "b", startDate: "2025-1" }, s()).message).toBe('--start-date must be a month as YYYY-MM, got "2025-1"');
    expect(usageError({ exportName: "e", bucket: "b", endDate: "2025-01-31" }, s()).message).toBe('--end-date must be a month as YYYY-MM, got "2025-01-31"');
    expect(usageError({ exportName: "e", bucket: "b", endDate: "202501" }, s()).message).toBe('--end-date must be a month as YYYY-MM, got "202501"');
  });

  test("a start after the end is a usage error; the same month is a range of one", () => {
    expect(usageError({ exportName: "e", bucket: "b", startDate: "2025-10", endDate: "2025-09" }, s()).message).toBe("--start-date 2025-10 is after --end-date 2025-09");
    const e = one({ exportName: "e", bucket: "b", startDate: "2025-09", endDate: "2025-09" }, s());
    expect([e.start, e.end]).toEqual(["2025-09", "2025-09"]);
  });

  test("bad flags are reported before the export is looked up", () => {
    // No export can be chosen here, yet the flag's own error comes first.
    expect(usageError({ curVersion: "v9" }, s()).message).toBe('--cur-version must be v1 or v2, got "v9"');
    expect(usageError({ startDate: "x" }, s()).message).toBe('--start-date must be a month as YYYY-MM, got "x"');
  });

  const DATED = `
[[aws.exports]]
name = "dated"
bucket = "b"
start_date = "2025-01"
end_date = "2025-06"

[[aws.exports]]
name = "open"
bucket = "b"
`;

  test("start_date and end_date come from the file's entry", () => {
    const e = one({ exportName: "dated" }, settings(DATED));
    expect([e.start, e.end]).toEqual(["2025-01", "2025-06"]);
    const open = one({ exportName: "open" }, settings(DATED));
    expect([open.start, open.end]).toEqual([undefined, undefined]);
  });

  test("each flag wins over its own file date and leaves the other", () => {
    const file = settings(DATED);
    const end = one({ exportName: "dated", endDate: "2025-03" }, file);
    expect([end.start, end.end]).toEqual(["2025-01", "2025-03"]);
    const start = one({ exportName: "dated", startDate: "2025-02" }, file);
    expect([start.start, start.end]).toEqual(["2025-02", "2025-06"]);
    const both = one({ exportName: "dated", startDate: "2024-12", endDate: "2025-08" }, file);
    expect([both.start, both.end]).toEqual(["2024-12", "2025-08"]);
  });

  test("with --all each export keeps its own dates unless a flag overrides them", () => {
    const list = resolveExports({ all: true, endDate: "2025-04" }, settings(DATED));
    expect(list.map((e) => [e.name, e.start, e.end])).toEqual([
      ["dated", "2025-01", "2025-04"],
      ["open", undefined, "2025-04"],
    ]);
  });

  test("a flag and a file date that cross are a usage error naming both (was silently an empty range)", () => {
    const file = settings(DATED);
    expect(usageError({ exportName: "dated", endDate: "2024-12" }, file).message).toBe(
      'export "dated": the config file\'s start_date 2025-01 is after --end-date 2024-12',
    );
    expect(usageError({ exportName: "dated", startDate: "2025-07" }, file).message).toBe(
      'export "dated": --start-date 2025-07 is after the config file\'s end_date 2025-06',
    );
  });
});
