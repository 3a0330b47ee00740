/**
 * Node file helpers shared by the CLI and the Node-only modules (tunnel service data directories, keyring
 * directories): every file, whether written whole (`writeFileAtomic`) or streamed (`pipeToFileAtomic`), goes
 * through a temporary file next to it, created with its final mode from the start, synced, then renamed into
 * place, so a reader never sees half a file under the real name.
 *
 * Every temporary file that exists is in one registry. The CLI's signal and broken-pipe handlers call
 * `removeTemporaryFilesSync` before exiting: an interrupted `age decrypt -o` must not leave plaintext that
 * was never authenticated, nor an interrupted key generation a private key, in a `.NAME.HEX.tmp` file.
 * Creating, committing and discarding are synchronous on purpose: a signal handler runs between event-loop
 * turns, so it always sees either no file or a registered one, never one that is being created or renamed.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  createWriteStream,
  existsSync,
  fchmodSync,
  fsync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFile,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { ArgumentError } from '../errors.ts';

const live = new Set<string>();

/** Removes every temporary file still being written (for signal handlers: synchronous, never throws). */
export function removeTemporaryFilesSync(): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone, or the directory went away: nothing is left to remove.
    }
  }
  live.clear();
}

/** The temporary files being written now (for tests and diagnostics). */
export function liveTemporaryFiles(): string[] {
  return [...live];
}

export interface TemporaryFile {
  /** Path of the temporary file (`.NAME.HEX.tmp` next to the target). */
  readonly path: string;
  /** Open for writing; closed by `commit` or `discard`. */
  readonly fd: number;
  /**
   * Syncs, closes and moves the file to the target. Without `overwrite`, an existing target is never
   * replaced, even one created since the caller checked (the move is then a hard link, which fails).
   */
  commit(overwrite: boolean, existsHint?: string): Promise<void>;
  /** Closes and removes the file; safe to call more than once and after a failed commit. */
  discard(): void;
}

/**
 * Creates the temporary file for `target` with `mode` (exactly: not reduced by the umask), registered for
 * removal on a signal. A missing or unusable output directory is an `ArgumentError` saying which.
 */
export function createTemporaryFile(target: string, mode: number): TemporaryFile {
  const path = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (error) {
    throw explainCreateError(target, error);
  }
  live.add(path);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  try {
    fchmodSync(fd, mode);
  } catch (error) {
    close();
    unlinkQuietly(path);
    throw error;
  }
  return {
    path,
    fd,
    async commit(overwrite, existsHint) {
      await promisify(fsync)(fd);
      close();
      try {
        if (overwrite) renameSync(path, target);
        else moveNoClobber(path, target);
      } catch (error) {
        unlinkQuietly(path);
        throw explainCommitError(target, error, existsHint);
      }
      live.delete(path);
    },
    discard() {
      try {
        close();
      } catch {
        // A failed close leaves nothing to keep: the file goes anyway.
      }
      unlinkQuietly(path);
    },
  };

  function unlinkQuietly(file: string): void {
    try {
      unlinkSync(file);
    } catch {
      // Already removed (by a signal handler, or never renamed back).
    }
    live.delete(file);
  }
}

/**
 * Throws the same one-line `ArgumentError` as the writers when `target`'s directory is missing or is not a
 * directory: for commands that should refuse before doing any work (reading input, deriving keys).
 */
export function assertOutputDirectory(target: string): void {
  const dir = dirname(target);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ArgumentError(`output directory ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new ArgumentError(`output directory ${dir} is not a directory`);
    throw error;
  }
  if (!isDir) throw new ArgumentError(`output directory ${dir} is not a directory`);
  if (isDirectory(target)) throw new ArgumentError(`${target} is a directory`);
}

/**
 * Writes `data` to `path` through a registered temporary file created with `mode` from the start (a secret
 * is never readable by others, not even for an instant), synced, then renamed into place. Without
 * `overwrite` an existing file is refused; `existsHint` ends that message (e.g. "use --force").
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
  overwrite: boolean,
  existsHint?: string,
): Promise<void> {
  // Checked first as well, so that the refusal comes before any work (commit checks again, atomically).
  if (!overwrite) refuseExisting(path, existsHint);
  const temporary = createTemporaryFile(path, mode);
  try {
    await promisify(writeFile)(temporary.fd, data);
  } catch (error) {
    temporary.discard();
    throw error;
  }
  try {
    await temporary.commit(overwrite, existsHint);
  } catch (error) {
    temporary.discard();
    throw error;
  }
}

/**
 * Streams `source` through `stages` into `path` the way `writeFileAtomic` writes a buffer: into a registered
 * temporary file created with `mode`, moved into place only once the last byte is written and synced. A
 * failure anywhere (a decryption that does not authenticate, a broken input) removes the temporary file and
 * leaves `path` as it was, so a reader never finds partial output under the chosen name.
 */
export async function pipeToFileAtomic(
  source: Readable,
  stages: readonly Transform[],
  path: string,
  mode: number,
  overwrite: boolean,
): Promise<void> {
  const temporary = createTemporaryFile(path, mode);
  const writer = createWriteStream('', { fd: temporary.fd, autoClose: false });
  try {
    await pipeline([source, ...stages, writer]);
    await temporary.commit(overwrite);
  } catch (error) {
    // The writer may still have a write in flight: the file descriptor is closed only once it is idle.
    await finished(writer).catch(() => {});
    temporary.discard();
    throw error;
  }
}

/** Moves `from` to `to` unless `to` exists: a hard link fails with EEXIST atomically, then the name goes. */
function moveNoClobber(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // File systems without hard links (FAT, some FUSE mounts): check, then rename (not atomic there).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if (exists(to)) throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
    renameSync(from, to);
    return;
  }
  unlinkSync(from);
}

/** Throws the writers' "exists; refusing to overwrite it" error when `path` exists (`hint` ends it). */
export function refuseExisting(path: string, hint?: string): void {
  if (exists(path)) throw existsError(path, hint);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function existsError(path: string, hint: string | undefined): ArgumentError {
  return new ArgumentError(
    `${path} exists; refusing to overwrite it${hint === undefined ? '' : ` (${hint})`}`,
  );
}

/** One sentence for why the temporary file could not be created in the target's directory. */
function explainCreateError(target: string, error: unknown): unknown {
  const dir = dirname(target);
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return existsSync(dir) ? error : new ArgumentError(`output directory ${dir} does not exist`);
    case 'ENOTDIR':
      return new ArgumentError(`output directory ${dir} is not a directory`);
    case 'EACCES':
    case 'EPERM':
      return new ArgumentError(`cannot create files in ${dir}: permission denied`);
    case 'EROFS':
      return new ArgumentError(`cannot create files in ${dir}: read-only file system`);
    case 'ENOSPC':
      return new ArgumentError(`cannot create files in ${dir}: no space left on the device`);
    default:
      return error;
  }
}

function explainCommitError(target: string, error: unknown, hint: string | undefined): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EEXIST':
      return existsError(target, hint);
    case 'EISDIR':
      return new ArgumentError(`${target} is a directory`);
    case 'ENOENT':
      // The temporary file vanished: a signal handler removed it while the process was stopping.
      return error;
    default:
      if (isDirectory(target)) return new ArgumentError(`${target} is a directory`);
      return error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
