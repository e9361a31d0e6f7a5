/**
 * Writes a report's files so that an existing report is never left half-overwritten: every file is
 * staged under a temporary name first, and only when all are complete are they renamed into place.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class StagedFiles {
  private readonly staged: [temporary: string, final: string][] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private stagePath(name: string): string {
    const final = join(this.dir, name);
    const temporary = `${final}.${process.pid}.tmp`;
    this.staged.push([temporary, final]);
    return temporary;
  }

  write(name: string, content: string): void {
    const fd = openSync(this.stagePath(name), "w");
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  }

  /** A file written in pieces (per-request rows), buffered; call `close` on the result before commit. */
  stream(name: string): { write(text: string): void; close(): void } {
    const fd = openSync(this.stagePath(name), "w");
    let buffer = "";
    return {
      write(text: string) {
        buffer += text;
        if (buffer.length > 1 << 16) {
          writeSync(fd, buffer);
          buffer = "";
        }
      },
      close() {
        writeSync(fd, buffer);
        closeSync(fd);
      },
    };
  }

  /** Moves every staged file into place; returns their final paths. */
  commit(): string[] {
    for (const [temporary, final] of this.staged) renameSync(temporary, final);
    return this.staged.map(([, final]) => final);
  }

  /** Removes the staged files, leaving the folder as it was. */
  abandon(): void {
    for (const [temporary] of this.staged) rmSync(temporary, { force: true });
  }
}
