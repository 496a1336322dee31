import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect, test } from "bun:test";
import { useFixtureS3 } from "./helpers/s3.ts";

const server = useFixtureS3({ trees: [] });

test("the S3 harness serves put, delimiter listing and ranged get through the real AWS SDK", async () => {
  expect(server.s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await server.s3.put("harness", "cur/a/20250801-20250901/m.json", "{}");
  await server.s3.put("harness", "cur/a/20250901-20251001/m.json", "{}");
  await server.s3.put("harness", "cur/a/20250901-20251001/v1/data.csv", "0123456789abcdef");
  await server.s3.put("harness", "other/top.txt", "x");

  const listing = await server.s3.client.send(new ListObjectsV2Command({ Bucket: "harness", Prefix: "cur/a/", Delimiter: "/" }));
  expect((listing.CommonPrefixes ?? []).map((p) => p.Prefix).sort()).toEqual([
    "cur/a/20250801-20250901/",
    "cur/a/20250901-20251001/",
  ]);
  expect(listing.Contents ?? []).toHaveLength(0);

  const ranged = await server.s3.client.send(new GetObjectCommand({ Bucket: "harness", Key: "cur/a/20250901-20251001/v1/data.csv", Range: "bytes=4-9" }));
  expect(await ranged.Body?.transformToString()).toBe("456789");
  expect(ranged.ContentRange).toBe("bytes 4-9/16");
  expect(ranged.ETag).toMatch(/^"[0-9a-f]{32}"$/);

  const gets = server.s3.requests.filter((r) => r.method === "GET" && r.key === "cur/a/20250901-20251001/v1/data.csv");
  expect(gets).toHaveLength(1);
  expect(gets[0].range).toBe("bytes=4-9");
});
