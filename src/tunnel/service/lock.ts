/**
 * One running service per data directory. Two processes serving the same id would take turns knocking each
 * other off the relay (each registration replaces the last), and clients would flap between them; so
 * `service.lock` in the data directory holds the pid of the process serving it.
 *
 * The lock is created with O_EXCL (exactly one creator wins) and removed on stop and at process exit. A lock
 * left by a process that died without cleaning up (kill -9, a crash, a reboot) names a pid that is no longer
 * running: the next start takes it over. The takeover re-reads the file just before removing it, which
 * leaves a window of microseconds in which two processes taking over the same stale lock could both win;
 * O_EXCL then still lets only one of them create the new lock unless both unlink in that window. Pid reuse
 * can make a stale lock look alive: the message names the file to remove.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AlreadyRunningError } from '../../errors.ts';

export const LOCK_FILE = 'service.lock';

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock if it is still ours (idempotent, synchronous: also runs at process exit). */
  release(): void;
}

/** Whether a process with this pid exists (EPERM: it exists, under another user). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parsePid(text: string): number | undefined {
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

async function mtimeMs(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The pid holding `dir`'s lock if that process is still running; undefined when unlocked or stale. */
export async function lockHolder(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const pid = parsePid(text);
  return pid !== undefined && alive(pid) ? pid : undefined;
}

/** Takes `dir`'s lock for this process, or throws ERR_ALREADY_RUNNING naming the process that holds it. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      // A crash or process.exit() skips stop(); the lock must not outlive the process even then.
      process.on('exit', release);
      return { path, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue; // removed meanwhile: try again
    }
    const pid = parsePid(text);
    // Empty and fresh: another start created it an instant ago and is writing its pid.
    if (pid === undefined && text === '' && Date.now() - (await mtimeMs(path)) < 10_000) {
      throw new AlreadyRunningError(
        `service data dir ${dir} is being taken by another start: stop it first (or remove ${path})`,
      );
    }
    if (pid !== undefined && alive(pid)) {
      throw new AlreadyRunningError(
        `service data dir ${dir} is in use by process ${pid}: stop it first (if ${pid} is not a sealwire service, remove ${path})`,
      );
    }
    // Stale (its process is gone) or unreadable: take it over, unless someone else just did.
    try {
      if ((await readFile(path, 'utf8')) === text) await unlink(path);
    } catch {
      // gone already
    }
  }
  throw new AlreadyRunningError(
    `service data dir ${dir}: another process keeps taking ${path}; stop the other start first`,
  );
}
