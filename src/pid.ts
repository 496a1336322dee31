/** Whether a process of this PID lives (EPERM: it does, under another user). Stale spools and readers' notes use it. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
