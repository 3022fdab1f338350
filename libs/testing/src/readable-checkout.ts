import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Everything of the repository a process needs, but not its history, data or caches. */
const LEFT_OUT = new Set(['.git', 'data', '.nx']);

export interface ReadableCheckout {
  /** The repository itself, or its copy. */
  readonly root: string;
  /** Removes the copy, if one was made. */
  release(): Promise<void>;
}

/**
 * A checkout of the repository at `repoRoot` that the account can read, for tests that run
 * TIP as an ordinary user: the repository itself when that user can read it, else a copy of
 * hard links (seconds, no space) in a temporary folder anyone may enter. A clone in a private
 * folder (under /root, or made by `mktemp -d`) is out of such a user's reach, as it would be
 * if that user tried to run it; the copy stands for the same code, installed somewhere open.
 */
export async function checkoutReadableBy(
  account: { uid: number; gid: number },
  repoRoot: string,
): Promise<ReadableCheckout> {
  const probe = path.join(repoRoot, 'package.json');
  const readable = await run('/bin/sh', ['-c', 'test -r "$1"', 'sh', probe], {
    uid: account.uid,
    gid: account.gid,
    cwd: '/',
  }).then(
    () => true,
    () => false,
  );
  if (readable) return { root: repoRoot, release: async () => undefined };
  return hardLinkedCheckout(repoRoot);
}

/**
 * A copy of the repository, with its node_modules, made of hard links in a new temporary folder
 * (mode 0755): a place to run it where what it writes (./data, downloads) lands in the copy.
 */
export async function hardLinkedCheckout(repoRoot: string): Promise<ReadableCheckout> {
  const root = await mkdtemp(path.join(tmpdir(), 'tip-checkout-'));
  try {
    await chmod(root, 0o755);
    const entries = (await readdir(repoRoot)).filter((name) => !LEFT_OUT.has(name));
    // cp -al: the same files under new directories, whose modes it keeps (0755 as npm made them).
    await run('cp', ['-al', '--', ...entries.map((name) => path.join(repoRoot, name)), root]);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return { root, release: () => rm(root, { recursive: true, force: true }) };
}
