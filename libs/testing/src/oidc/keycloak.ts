import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePorts, watchOverParent } from '../kafka/kafka-broker';
import { acquireLock, isErrno, lastLines, run, sleep } from '../kafka/kafka-distribution';

/** Where Keycloak is cached (outside the repo); default `~/.cache/tip/keycloak`. */
export const KEYCLOAK_CACHE_ENV = 'TIP_KEYCLOAK_CACHE';
/** A Java 21+ home for Keycloak; default: JAVA_HOME if it is 21+, else the newest JDK in /usr/lib/jvm. */
export const KEYCLOAK_JAVA_HOME_ENV = 'TIP_KEYCLOAK_JAVA_HOME';

export const KEYCLOAK_POM = path.resolve(__dirname, '../../../../infra/keycloak/pom.xml');
/** The test realm: the client TIP signs in through, and the people who sign in. */
export const TEST_REALM_FILE = path.resolve(__dirname, 'tip-test-realm.json');
export const TEST_REALM = 'tip';
export const TEST_CLIENT = { id: 'tip', secret: 'tip-test-client-secret' } as const;

/**
 * Built once into the cache: dev-file database (H2), local caches only (no clustering between
 * Keycloaks of parallel test runs), no management port.
 */
const BUILD_OPTIONS = ['--db=dev-file', '--cache=local', '--health-enabled=false', '--metrics-enabled=false'];

/** Java, Maven, the download or the build is missing: no Keycloak here (as opposed to one that fails). */
export class KeycloakUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface KeycloakDistribution {
  readonly version: string;
  /** Built, with a database that already holds the test realm (copied for each server). */
  readonly home: string;
  readonly javaHome: string;
  /** How long fetching, building and seeding took, when this call did it. */
  readonly preparedInMs?: number;
}

export function keycloakCacheDir(): string {
  return process.env[KEYCLOAK_CACHE_ENV] || path.join(homedir(), '.cache', 'tip', 'keycloak');
}

async function javaMajor(javaHome: string): Promise<number | undefined> {
  try {
    const { code, output } = await run(path.join(javaHome, 'bin', 'java'), ['-version'], { timeoutMs: 30_000 });
    const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
    if (code !== 0 || !match) return undefined;
    return match[1] === '1' ? Number(match[2]) : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** A Java 21+ home: TIP_KEYCLOAK_JAVA_HOME, JAVA_HOME, or the newest JDK under /usr/lib/jvm. */
export async function keycloakJavaHome(): Promise<string> {
  const named = process.env[KEYCLOAK_JAVA_HOME_ENV];
  if (named) {
    const major = await javaMajor(named);
    if (major === undefined || major < 21) {
      throw new KeycloakUnavailableError(`${KEYCLOAK_JAVA_HOME_ENV}=${named} is not a Java 21+ home (Java ${major})`);
    }
    return named;
  }
  const candidates = [
    ...(process.env.JAVA_HOME ? [process.env.JAVA_HOME] : []),
    ...(existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((name) => path.join('/usr/lib/jvm', name)) : []),
  ];
  let best: { home: string; major: number } | undefined;
  for (const home of candidates) {
    const major = await javaMajor(home);
    if (major !== undefined && major >= 21 && (!best || major > best.major)) best = { home, major };
  }
  if (!best) {
    throw new KeycloakUnavailableError(
      `Keycloak needs Java 21 or later; none found in JAVA_HOME or /usr/lib/jvm (set ${KEYCLOAK_JAVA_HOME_ENV})`,
    );
  }
  return best.home;
}

/**
 * Returns a built Keycloak whose database already holds the test realm, preparing it in the cache
 * the first time: `mvn dependency:copy` of the archive from Maven Central, unpack, `kc.sh build`,
 * one start that imports the realm. Later runs only copy the small database. Safe when several
 * processes call it at once (a lock file, and an atomic rename of the finished directory).
 */
export async function ensureKeycloak(options: { log?: (line: string) => void } = {}): Promise<KeycloakDistribution> {
  const javaHome = await keycloakJavaHome();
  const pomText = readFileSync(KEYCLOAK_POM, 'utf8');
  const version = /<keycloak\.version>\s*([^<\s]+)\s*<\/keycloak\.version>/.exec(pomText)?.[1];
  if (!version) throw new Error(`${KEYCLOAK_POM} has no <keycloak.version> property`);
  const hash = createHash('sha256')
    .update(pomText)
    .update(readFileSync(TEST_REALM_FILE))
    .update(BUILD_OPTIONS.join(' '))
    .digest('hex')
    .slice(0, 12);
  const cacheDir = path.resolve(keycloakCacheDir());
  const dir = path.join(cacheDir, `keycloak-${version}-${hash}`);
  if (existsSync(dir)) return { version, home: dir, javaHome };

  await mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(`${dir}.lock`, () => existsSync(dir), 20 * 60_000);
  if (!release) return { version, home: dir, javaHome };
  try {
    if (existsSync(dir)) return { version, home: dir, javaHome };
    const started = Date.now();
    options.log?.(`Preparing Keycloak ${version} in ${dir} (only the first time: fetch, build, import the realm)…`);
    const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await fetchArchive(cacheDir, staging);
      const home = path.join(staging, 'home');
      await buildAndSeed(home, javaHome, options.log);
      await rename(home, dir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const preparedInMs = Date.now() - started;
    options.log?.(`Prepared Keycloak ${version} in ${(preparedInMs / 1000).toFixed(1)} s.`);
    return { version, home: dir, javaHome, preparedInMs };
  } finally {
    await release();
  }
}

async function fetchArchive(cacheDir: string, staging: string): Promise<void> {
  const archives = path.join(staging, 'archive');
  const args = [
    '-B',
    '-q',
    '-f',
    KEYCLOAK_POM,
    `-Dmaven.repo.local=${path.join(cacheDir, 'm2')}`,
    'dependency:copy',
    `-DoutputDirectory=${archives}`,
  ];
  let result;
  try {
    result = await run('mvn', args, { timeoutMs: 10 * 60_000 });
  } catch (error) {
    throw new KeycloakUnavailableError(
      `cannot run \`mvn\` (${isErrno(error, 'ENOENT') ? 'not found' : String(error)}) to fetch Keycloak; install Maven 3.6+`,
    );
  }
  if (result.code !== 0) {
    throw new KeycloakUnavailableError(
      `\`mvn ${args.join(' ')}\` failed fetching Keycloak from Maven Central:\n${lastLines(result.output, 25)}`,
    );
  }
  const archive = (await readdir(archives)).find((name) => name.endsWith('.tar.gz'));
  if (!archive) throw new KeycloakUnavailableError(`Maven copied no Keycloak archive into ${archives}`);
  const unpack = await run('tar', ['-xzf', path.join(archives, archive), '-C', staging], { timeoutMs: 5 * 60_000 });
  if (unpack.code !== 0)
    throw new KeycloakUnavailableError(`unpacking ${archive} failed:\n${lastLines(unpack.output, 10)}`);
  await rm(archives, { recursive: true, force: true });
  const [unpacked] = (await readdir(staging)).filter((name) => name.startsWith('keycloak-'));
  if (!unpacked) throw new KeycloakUnavailableError(`${archive} held no keycloak-* directory`);
  await rename(path.join(staging, unpacked), path.join(staging, 'home'));
}

async function buildAndSeed(home: string, javaHome: string, log?: (line: string) => void): Promise<void> {
  const build = await run(path.join(home, 'bin', 'kc.sh'), ['build', ...BUILD_OPTIONS], {
    timeoutMs: 10 * 60_000,
    env: { ...process.env, JAVA_HOME: javaHome },
  });
  if (build.code !== 0) throw new KeycloakUnavailableError(`kc.sh build failed:\n${lastLines(build.output, 30)}`);
  log?.('Keycloak built; importing the test realm into its database…');
  // One start in the cache itself creates the schema and imports the realm; each test server
  // then starts from a copy of that database, in seconds rather than a minute.
  await mkdir(path.join(home, 'data', 'import'), { recursive: true });
  // Keycloak insists that the file be named after the realm.
  await cp(TEST_REALM_FILE, path.join(home, 'data', 'import', `${TEST_REALM}-realm.json`));
  const server = await startKeycloakIn(home, { javaHome, version: '', home }, ['--import-realm'], 15 * 60_000);
  await server.stop();
  await rm(path.join(home, 'data', 'import'), { recursive: true, force: true });
  await rm(path.join(home, 'data', 'tmp'), { recursive: true, force: true });
}

export interface Keycloak {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The test realm's issuer: `<url>/realms/tip`. */
  readonly issuer: string;
  readonly client: typeof TEST_CLIENT;
  /** How long the start took, from spawning the JVM until the realm's discovery document answered. */
  readonly startMs: number;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export class KeycloakStartError extends Error {}

/** Starts a Keycloak of its own on a free loopback port, from a copy of the prepared database. */
export async function startKeycloak(distribution: KeycloakDistribution, timeoutMs = 180_000): Promise<Keycloak> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tip-test-keycloak-'));
  try {
    // A home of its own: scripts and configuration copied, the big parts linked, its own data.
    await cp(path.join(distribution.home, 'bin'), path.join(dir, 'bin'), { recursive: true });
    await cp(path.join(distribution.home, 'conf'), path.join(dir, 'conf'), { recursive: true });
    for (const part of ['lib', 'providers', 'themes'])
      await symlink(path.join(distribution.home, part), path.join(dir, part));
    await cp(path.join(distribution.home, 'data', 'h2'), path.join(dir, 'data', 'h2'), { recursive: true });
    return await startKeycloakIn(dir, distribution, [], timeoutMs, true);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startKeycloakIn(
  home: string,
  distribution: Pick<KeycloakDistribution, 'javaHome' | 'version' | 'home'>,
  extraArgs: string[],
  timeoutMs: number,
  removeHomeOnStop = false,
): Promise<Keycloak> {
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(home, 'keycloak.log');
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  const started = Date.now();
  try {
    child = spawn(
      path.join(home, 'bin', 'kc.sh'),
      [
        'start',
        '--optimized',
        '--http-enabled=true',
        '--http-host=127.0.0.1',
        `--http-port=${port}`,
        '--hostname-strict=false',
        '--log-console-color=false',
        // Runtime options too: without them a production start clusters (JGroups) with its neighbours.
        '--cache=local',
        ...extraArgs,
      ],
      {
        // Its own process group: kc.sh runs the JVM as its child, and both must stop.
        detached: true,
        stdio: ['ignore', out, out],
        env: {
          ...process.env,
          JAVA_HOME: distribution.javaHome,
          // A small heap and a quick JIT: a test server, started once per run on a busy machine.
          JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx384m -XX:TieredStopAtLevel=1',
        },
      },
    );
  } finally {
    closeSync(out);
  }
  let exited: { code: number | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exited = { code };
      resolve();
    });
    child.once('error', () => {
      exited = { code: null };
      resolve();
    });
  });
  if (child.pid !== undefined && removeHomeOnStop) watchOverParent(child.pid, home);
  const logTail = (lines = 40) => {
    try {
      return lastLines(readFileSync(logFile, 'utf8'), lines);
    } catch {
      return '(no log)';
    }
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (!exited) {
      signalGroup('SIGTERM');
      const killer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
      await exit;
      clearTimeout(killer);
    }
    if (removeHomeOnStop) await rm(home, { recursive: true, force: true });
  };
  const issuer = `${url}/realms/${TEST_REALM}`;
  const deadline = started + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new KeycloakStartError(`Keycloak exited during start-up (code ${exited.code}):\n${logTail()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new KeycloakStartError(`Keycloak was not ready within ${timeoutMs / 1000} s:\n${logTail()}`);
    }
    const ready = await fetch(`${issuer}/.well-known/openid-configuration`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await sleep(500);
  }
  return { url, issuer, client: TEST_CLIENT, startMs: Date.now() - started, logTail, stop };
}
