/**
 * Progress on stderr: redrawn in place on a terminal, occasional plain lines otherwise (cron, CI logs).
 */
import type { Writable } from "node:stream";
import { formatBytes } from "./table.ts";

export interface ProgressSink {
  phase(text: string): void;
  /** A share of the current phase, 0–100. */
  percent(p: number): void;
  /** Download progress; `label` names the period (another period may be loading at the same time). */
  bytes(label: string, done: number, total: number, filesDone: number, files: number): void;
  /** A passing update of the current phase, e.g. an upload's bytes and rate (throttled as `bytes`). */
  status(text: string): void;
  clear(): void;
}

export class NullProgress implements ProgressSink {
  phase(): void {}
  percent(): void {}
  bytes(): void {}
  status(): void {}
  clear(): void {}
}

export class StderrProgress implements ProgressSink {
  #label = "";
  #last = 0;
  #drawn = false;
  constructor(
    private readonly stream: Writable,
    private readonly tty: boolean,
    private readonly plainEveryMs = 5_000,
  ) {}

  phase(text: string): void {
    this.#label = text;
    if (this.tty) this.#draw(text);
    else {
      this.stream.write(`${text}\n`);
      this.#last = Date.now();
    }
  }

  bytes(label: string, done: number, total: number, filesDone: number, files: number): void {
    this.#update(`${label}: ${filesDone}/${files} files, ${formatBytes(done)} of ${formatBytes(total)}`, done === total);
  }

  percent(p: number): void {
    this.#update(`${this.#label}: ${Math.floor(p)}%`, false);
  }

  status(text: string): void {
    this.#update(text, false);
  }

  /** Redraw at most 10 times a second on a terminal; elsewhere a plain line every `plainEveryMs`. */
  #update(text: string, force: boolean): void {
    const now = Date.now();
    if (this.tty) {
      if (!force && now - this.#last < 100) return;
      this.#draw(text);
    } else {
      if (now - this.#last < this.plainEveryMs) return;
      this.stream.write(`${text}\n`);
    }
    this.#last = now;
  }

  clear(): void {
    if (this.tty && this.#drawn) {
      this.stream.write("\r\x1b[K");
      this.#drawn = false;
    }
  }

  #draw(text: string): void {
    this.stream.write(`\r\x1b[K${text}`);
    this.#drawn = true;
  }
}
