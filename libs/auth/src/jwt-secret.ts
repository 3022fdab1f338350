import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * TIP_JWT_SECRET when set; otherwise a secret generated once and kept in the data directory,
 * so the embedded default works out of the box and tokens survive a restart.
 */
export async function resolveJwtSecret(
  configured: string | undefined,
  dataDir: string,
): Promise<{ secret: string; generatedIn?: string }> {
  if (configured) return { secret: configured };
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return { secret: (await readFile(file, 'utf8')).trim(), generatedIn: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // 'wx' fails if another process created it meanwhile; then theirs wins.
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return { secret: (await readFile(file, 'utf8')).trim(), generatedIn: file };
}
