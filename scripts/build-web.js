// Builds the web app (apps/web) into dist/web when its sources changed since the last build.
// `npm start` and `npm test` call it, so the README's two commands still do all the set-up;
// `node scripts/build-web.js [--force]` runs it alone. The output is generated: never committed.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCES = path.join(ROOT, 'apps', 'web');
const OUT_DIR = path.join(ROOT, 'dist', 'web');
const STAMP = '.source-hash';
// What the bundle is made of besides the app's own files: the locked library versions and this script.
const ALSO_HASHED = [path.join(ROOT, 'package-lock.json'), __filename];

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    // Tests are not part of the bundle.
    else if (!/\.spec\.ts$/.test(entry.name)) yield full;
  }
}

/** A digest of everything the bundle is built from. */
function sourceHash() {
  const hash = crypto.createHash('sha256');
  for (const file of [...files(SOURCES), ...ALSO_HASHED]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function builtHash() {
  try {
    return fs.readFileSync(path.join(OUT_DIR, STAMP), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Builds unless dist/web already holds a build of these sources; resolves to whether it built. */
async function ensureWebBuilt({ force = false, log = (line) => console.log(line) } = {}) {
  const hash = sourceHash();
  if (!force && builtHash() === hash) return false;
  const started = Date.now();
  // Built beside the old one and swapped in, so a server reading dist/web never sees half a build,
  // and two builds at once (two `npm start`s) do not write into each other.
  const tmp = path.join(ROOT, 'dist', `.web-${process.pid}-${Date.now()}`);
  const { build } = await import('vite');
  try {
    await build({
      configFile: path.join(SOURCES, 'vite.config.mts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    fs.writeFileSync(path.join(tmp, STAMP), `${hash}\n`);
    const old = `${tmp}-old`;
    if (fs.existsSync(OUT_DIR)) fs.renameSync(OUT_DIR, old);
    try {
      fs.renameSync(tmp, OUT_DIR);
    } catch (error) {
      // Another build got there first; it is as good as ours when it built the same sources.
      if (builtHash() !== hash) throw error;
    }
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`Built the web app into ${path.relative(ROOT, OUT_DIR)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

module.exports = { ensureWebBuilt, OUT_DIR };

if (require.main === module) {
  ensureWebBuilt({ force: process.argv.includes('--force') }).then(
    (built) => built || console.log(`The web app in ${path.relative(ROOT, OUT_DIR)} is up to date`),
    (error) => {
      console.error(`Building the web app failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  );
}
