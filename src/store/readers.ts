/**
 * Readers and the import share the database file. DuckDB lets one process write a file, or many read it, never both;
 * so the import holds the file only while it works on it, and a reader that finds it busy leaves its PID in
 * `{database}.readers/` and waits: the import looks there after each piece of work (at the latest after the period
 * it is loading commits), lets go of the file while a live reader waits, and takes it back when the readers are done.
 */
import { processAlive } from "../pid.ts";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function readersDir(database: string): string {
  return `${database}.readers`;
}

/** Say "I am waiting to read"; the returned function takes it back. */
export function announceReader(database: string): () => void {
  const dir = readersDir(database);
  const file = join(dir, String(process.pid));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, "");
  } catch {
    return () => undefined; // a read-only folder: the reader still waits, only the import is not told
  }
  return () => rmSync(file, { force: true });
}

/** PIDs of live processes waiting to read; markers left by dead ones are removed. */
export function waitingReaders(database: string): number[] {
  let names: string[];
  try {
    names = readdirSync(readersDir(database));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid !== process.pid && processAlive(pid)) pids.push(pid);
    else if (pid !== process.pid) rmSync(join(readersDir(database), name), { force: true });
  }
  return pids;
}
