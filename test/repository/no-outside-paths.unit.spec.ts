import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './readme';

/**
 * Nothing of the product reads, links or documents a path outside the repository: a clone alone
 * in an empty folder has nothing beside it. (The patterns are built from parts so that this file
 * does not name what it looks for.)
 */

const SHARED = 'shared';
const OUTSIDE_DOCUMENTS = ['DOMAIN', 'CONTRACT', 'STYLE'].map((name) => `${name}.md`);
const LEFT_OUT = new Set(['node_modules', '.git', '.nx', 'data', 'dist', 'coverage']);

/** The committed files (`git ls-files`), or every file when the copy has no git history. */
function repositoryFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file !== '' && existsSync(path.join(REPO_ROOT, file)));
  } catch {
    const walk = (dir: string): string[] =>
      readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        if (LEFT_OUT.has(entry.name)) return [];
        const relative = path.join(dir, entry.name);
        return entry.isDirectory() ? walk(relative) : [relative];
      });
    return walk('');
  }
}

/** Committed paths with their git modes, or, in a copy without git history, its files (links as links). */
function committedEntries(): { file: string; link: boolean }[] {
  try {
    return execFileSync('git', ['ls-files', '-s', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((line) => line !== '')
      .map((line) => {
        const [meta, file] = line.split('\t');
        return { file, link: meta.startsWith('120000 ') };
      });
  } catch {
    const walk = (dir: string): { file: string; link: boolean }[] =>
      readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        if (LEFT_OUT.has(entry.name)) return [];
        const relative = path.join(dir, entry.name);
        if (entry.isSymbolicLink()) return [{ file: relative, link: true }];
        return entry.isDirectory() ? walk(relative) : [{ file: relative, link: false }];
      });
    return walk('');
  }
}

function problemsIn(file: string, text: string): string[] {
  const problems: string[] = [];
  const here = path.dirname(path.join(REPO_ROOT, file));
  const absolute = ['', 'work', SHARED].join('/');
  if (text.includes(absolute)) problems.push(`${file} names ${absolute}`);
  // A relative path to a folder called shared must land on one of the repository's own.
  for (const match of text.matchAll(new RegExp(`((?:\\.\\./)+)${SHARED}\\b`, 'g'))) {
    const target = path.resolve(here, match[1], SHARED);
    const inside = !path.relative(REPO_ROOT, target).startsWith('..');
    if (!inside || !existsSync(target) || !statSync(target).isDirectory()) {
      problems.push(`${file} names ${match[0]}, which is ${inside ? 'no folder of the repository' : 'outside it'}`);
    }
  }
  for (const folder of ['seeds', 'fixtures']) {
    if (text.includes(`${SHARED}/${folder}`)) problems.push(`${file} names ${SHARED}/${folder}`);
  }
  for (const document of OUTSIDE_DOCUMENTS) {
    if (text.includes(document) && !existsSync(path.join(REPO_ROOT, document))) {
      problems.push(`${file} names ${document}, which is not in the repository`);
    }
  }
  return problems;
}

describe('the repository stands alone', () => {
  it('names no path outside it: every file, code and documents alike', () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((file) => {
      const bytes = readFileSync(path.join(REPO_ROOT, file));
      return bytes.includes(0) ? [] : problemsIn(file, bytes.toString('utf8'));
    });
    expect(problems).toEqual([]);
  });

  it('commits no link leading out of it, nor what an install or a run makes (a node_modules link to a worktree got in once)', () => {
    const entries = committedEntries();
    const made = entries.filter(({ file }) => LEFT_OUT.has(file.split(/[\\/]/)[0])).map(({ file }) => file);
    const leading = entries
      .filter(({ link }) => link)
      .filter(({ file }) => {
        const target = readlinkSync(path.join(REPO_ROOT, file));
        const relative = path.relative(REPO_ROOT, path.resolve(path.dirname(path.join(REPO_ROOT, file)), target));
        return relative.startsWith('..') || path.isAbsolute(relative);
      })
      .map(({ file }) => file);
    expect({ made, leading }).toEqual({ made: [], leading: [] });
  });

  it('would see a test reading the quota table from beside the clone, as one did', () => {
    const beside = ['..', '..', '..', SHARED, 'fixtures', 'lianyungang-2016-quotas.csv'].join('/');
    expect(problemsIn('test/api/quota-import.e2e.spec.ts', `path.resolve(root, '${beside}')`)).not.toEqual([]);
    expect(problemsIn('test/api/x.ts', `readFileSync('../${SHARED}/x.csv')`)).toEqual([
      `test/api/x.ts names ../${SHARED}, which is no folder of the repository`,
    ]);
    expect(problemsIn('libs/domain/src/quota/quota.decider.ts', `from '../${SHARED}/decider'`)).toEqual([]);
  });
});
