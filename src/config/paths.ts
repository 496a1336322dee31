/** Where the compiled binary places DuckDB's native library: $XDG_CACHE_HOME/finops, else ~/.cache/finops. */
import { homedir } from "node:os";
import { join } from "node:path";

export function nativeCacheRoot(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && xdg.startsWith("/")) return join(xdg, "finops");
  return join(env.HOME || homedir(), ".cache", "finops");
}
