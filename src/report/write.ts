/**
 * Writes output files so that a report folder only ever holds whole reports, and so that nobody who can
 * write into that folder (a scenario's author, in a CI job) can make fleetsim write anywhere else:
 *
 * - every file is first written in a private staging folder made inside the output folder
 *   (`mkdtemp`: a random name, created exclusively, mode 0700), with O_EXCL, so nothing is ever opened
 *   at a predictable name or through a symbolic link someone planted;
 * - only when all are complete are they renamed into place; a rename replaces a link found at the
 *   final name instead of writing through it, and never crosses a filesystem;
 * - a run that fails or is interrupted removes the staging folder (`abandon`, or `abandonAllStaged` from
 *   a signal handler), and the folders it had to create, leaving everything as it was;
 * - a path that cannot hold the files (a file where a folder should be, no permission, a full disk) is
 *   an OutputError with a plain message, not a crash.
 */
import { accessSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The output path cannot be written (a usage error: the CLI exits 2 with the message). */
export class OutputError extends Error {
  override readonly name = "OutputError";
}

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOENT: "a part of the path does not exist and cannot be created",
  EISDIR: "a folder of that name is in the way",
  EEXIST: "a file of that name is in the way",
  EMFILE: "too many open files",
};

/** The error as an OutputError if its cause is the path or the disk (not a bug); otherwise as it was. */
function outputError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code !== undefined && code in REASONS ? new OutputError(`cannot write ${path}: ${REASONS[code]}`) : error;
}

/** Creates `dir` and any missing parents; returns the folders it created, outermost first. */
function makeFolder(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw new OutputError(`cannot write ${dir}: ${d === resolve(dir) ? "it is a file, not a folder" : REASONS.ENOTDIR}`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(d) === d) throw outputError(error, dir);
      missing.push(d);
    }
  }
  missing.reverse();
  // One level at a time (not `recursive: true`, which loops forever under /proc in Node 20).
  const created: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !isFolder(d)) throw outputError(error, dir);
    }
  }
  return created;
}

/**
 * Throws the OutputError that writing `path` would, without creating anything: for commands that write
 * only after a long run, so a mistyped --out is reported at once. `kind` says whether `path` is to be
 * a folder or a file.
 */
export function checkWritable(path: string, kind: "folder" | "file"): void {
  const target = resolve(path);
  const existing = (p: string) => {
    try {
      return statSync(p);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw outputError(error, path);
    }
  };
  const stat = existing(target);
  if (stat?.isDirectory() && kind === "file") throw new OutputError(`cannot write ${path}: it is a folder; give a file name`);
  if (stat && !stat.isDirectory() && kind === "folder") throw new OutputError(`cannot write ${path}: it is a file, not a folder`);
  // The folder the files are created in (the path itself, or the file's), else its nearest existing ancestor.
  let d = kind === "folder" ? target : dirname(target);
  for (let s = existing(d); !s; s = existing(d)) d = dirname(d);
  if (!existing(d)!.isDirectory()) throw new OutputError(`cannot write ${path}: ${REASONS.ENOTDIR}`);
  try {
    accessSync(d, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw outputError(error, path);
  }
}

/** Staged files of this process not yet committed or abandoned, for a signal handler to remove. */
const live = new Set<StagedFiles>();

/** A file this folder may hold from an earlier run, recognised by how it starts (so a user's own file of that name is left alone). */
export interface OwnedFile {
  name: string;
  /** the file's first bytes when fleetsim wrote it */
  startsWith: string;
}

export class StagedFiles {
  private readonly staged: string[] = [];
  private readonly staging: string;
  private readonly created: string[];
  private open = true;
  /** what `commit` removed as stale (the `supersede` files this run did not write) */
  superseded: string[] = [];

  constructor(private readonly dir: string) {
    this.created = makeFolder(dir);
    try {
      this.staging = mkdtempSync(join(dir, ".fleetsim-staging-"));
    } catch (error) {
      removeEmpty(this.created);
      throw outputError(error, dir);
    }
    live.add(this);
  }

  /** The folder the files go to. */
  get folder(): string {
    return this.dir;
  }

  private create(name: string): number {
    if (!this.open) throw new Error(`staged files of ${this.dir} already committed or abandoned`);
    if (name !== basename(name) || name === "." || name === "..") throw new Error(`not a plain file name: ${name}`);
    if (this.staged.includes(name)) throw new Error(`${name} staged twice`);
    this.staged.push(name);
    try {
      return openSync(join(this.staging, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } catch (error) {
      throw outputError(error, join(this.dir, name));
    }
  }

  private writeAll(fd: number, text: string, name: string): void {
    try {
      writeSync(fd, text);
    } catch (error) {
      throw outputError(error, join(this.dir, name));
    }
  }

  write(name: string, content: string): void {
    const fd = this.create(name);
    try {
      this.writeAll(fd, content, name);
    } finally {
      closeSync(fd);
    }
  }

  /** A file written in pieces (per-request rows), buffered; call `close` on the result before commit. */
  stream(name: string): { write(text: string): void; close(): void } {
    const fd = this.create(name);
    let buffer = "";
    return {
      write: (text: string) => {
        buffer += text;
        if (buffer.length > 1 << 16) {
          this.writeAll(fd, buffer, name);
          buffer = "";
        }
      },
      close: () => {
        this.writeAll(fd, buffer, name);
        closeSync(fd);
      },
    };
  }

  /**
   * Moves every staged file into place and returns their final paths. `supersede` names files an
   * earlier run may have left that this one did not write (requests.csv when no longer asked for):
   * each is removed, if fleetsim wrote it, so the folder never mixes two runs.
   */
  commit(supersede: readonly OwnedFile[] = []): string[] {
    const finals = this.staged.map((name) => join(this.dir, name));
    // Checked before the first rename, so a folder in the way does not leave half a report.
    for (const final of finals) {
      if (isFolder(final)) throw new OutputError(`cannot write ${final}: a folder of that name is in the way`);
    }
    this.staged.forEach((name, i) => {
      try {
        renameSync(join(this.staging, name), finals[i]);
      } catch (error) {
        throw outputError(error, finals[i]);
      }
    });
    this.close();
    this.superseded = removeStale(this.dir, supersede.filter((file) => !this.staged.includes(file.name)));
    return finals;
  }

  /** Removes the staged files and the folders made for them, leaving everything as it was. */
  abandon(): void {
    if (!this.open) return;
    this.close();
    removeEmpty(this.created);
  }

  private close(): void {
    this.open = false;
    live.delete(this);
    rmSync(this.staging, { recursive: true, force: true });
  }
}

/** Removes the files of `dir` among `files` that fleetsim wrote (an earlier run's); returns their paths. */
export function removeStale(dir: string, files: readonly OwnedFile[]): string[] {
  const stale = files.map((file) => ({ path: join(dir, file.name), start: file.startsWith })).filter((file) => writtenByFleetsim(file.path, file.start));
  for (const { path } of stale) rmSync(path, { force: true });
  return stale.map(({ path }) => path);
}

/** Removes every staging folder of this process (for a signal handler); returns the output folders affected. */
export function abandonAllStaged(): string[] {
  const folders = [...live].map((files) => files.folder);
  for (const files of [...live]) files.abandon();
  return folders;
}

/** Writes one file whole or not at all (staged beside it, then renamed); returns its path. */
export function writeWhole(path: string, content: string): string {
  const files = new StagedFiles(dirname(path));
  try {
    files.write(basename(path), content);
    return files.commit()[0];
  } catch (error) {
    files.abandon();
    throw error;
  }
}

/** Removes the folders, innermost first, while they are empty (something else may have been put in one meanwhile). */
function removeEmpty(folders: readonly string[]): void {
  for (const d of [...folders].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

function isFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A regular file (not a link) whose first bytes are `start`. */
function writtenByFleetsim(path: string, start: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    const expected = Buffer.from(start, "utf8");
    const head = Buffer.alloc(expected.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return n === expected.length && head.equals(expected);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
