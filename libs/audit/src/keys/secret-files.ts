import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';

/** A key file that is missing, unreadable or open to others. */
export class KeyFileError extends Error {}

function codeOf(error: unknown): string | undefined {
  // Not `instanceof Error`: errors from Node's own modules come from another realm under Jest.
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Makes the directory (and its parents) if needed; a directory TIP makes is for its user alone (0700). */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) await chmod(dir, 0o700);
}

/**
 * The file's bytes, or undefined when it does not exist. A key file others may read is refused,
 * as ssh refuses such a private key: whoever can read it can sign or decrypt as TIP.
 */
export async function readSecretFile(file: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw new KeyFileError(`Cannot read the key file ${file} (${codeOf(error) ?? String(error)})`);
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `The key file ${file} may be read by others (mode ${(mode & 0o777).toString(8)}); only its owner may: chmod 600 ${file}`,
    );
  }
  return readFile(file);
}

/**
 * Writes a key file whole or not at all: a temporary file of mode 0600 in the same directory,
 * flushed to disk, then renamed over the name. `exclusive` refuses to replace an existing file.
 */
export async function writeSecretFile(
  file: string,
  content: Uint8Array,
  options: { exclusive?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  await ensurePrivateDirectory(dir);
  const temporary = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.exclusive) {
      // A hard link fails if the name is taken, where a rename would silently replace it.
      await link(temporary, file).catch((error: unknown) => {
        throw codeOf(error) === 'EEXIST'
          ? new KeyFileError(`${file} exists already; TIP does not replace a key`)
          : error;
      });
      await unlink(temporary);
    } else {
      await rename(temporary, file);
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/**
 * Removes a key file: overwritten with random bytes and flushed first, then unlinked. On a
 * journaling or copy-on-write file system the old blocks may survive the overwrite; the README
 * says what that means for backups of the keys directory.
 */
export async function destroySecretFile(file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return;
    throw error;
  }
  const handle = await open(file, 'r+');
  try {
    await handle.write(randomBytes(Math.max(size, 1)), 0, Math.max(size, 1), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(file);
  await syncDirectory(path.dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot flush a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}
