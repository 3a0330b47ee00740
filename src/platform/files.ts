/** Node file helpers shared by the CLI and the Node-only modules (tunnel service data directories). */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArgumentError } from '../errors.ts';

/**
 * Writes `data` to `path` through a temporary file created with `mode` from the start (a secret is never
 * readable by others, not even for an instant), synced, then renamed into place.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
  overwrite: boolean,
): Promise<void> {
  if (!overwrite) {
    try {
      const existing = await open(path, constants.O_RDONLY);
      await existing.close();
      throw new ArgumentError(`${path} exists; refusing to overwrite it (use --force)`);
    } catch (error) {
      if (error instanceof ArgumentError) throw error;
    }
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
