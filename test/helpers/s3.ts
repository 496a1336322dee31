/** The local S3 server for tests: see scripts/local-s3.ts (shared with the demo and the benchmark). */
export { freePort, startS3, type RequestRecord, type S3Harness } from "../../scripts/local-s3.ts";
