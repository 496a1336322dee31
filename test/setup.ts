/** Preloaded by bun test (bunfig.toml): tests that spawn the binary or inject network faults need more than 5 s. */
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(120_000);
