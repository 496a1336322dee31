/**
 * Preloaded by bun test (bunfig.toml).
 * - Tests that spawn the binary or inject network faults need more than bun's 5 s per test.
 * - The AWS SDK's default credential chain reads this process's environment (not the CLI context's): keep it from
 *   the developer's keys and profiles, and from the instance-metadata address, so every test sees only the
 *   credentials it sets.
 */
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(120_000);

for (const name of Object.keys(process.env)) {
  if (name.startsWith("AWS_") || name.startsWith("FINOPS_")) delete process.env[name];
}
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/finops-tests/credentials";
process.env.AWS_CONFIG_FILE = "/nonexistent/finops-tests/config";
