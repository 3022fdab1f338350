import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** Where the broker's jars are cached (outside the repo); default `~/.cache/tip/kafka`. */
export const KAFKA_CACHE_ENV = 'TIP_KAFKA_CACHE';

/** The Maven project naming the broker's jars. */
export const KAFKA_POM = path.resolve(__dirname, '../../../../infra/kafka/pom.xml');

/** Java, Maven or the download is missing: the broker cannot run here (as opposed to a broker that fails). */
export class KafkaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A Kafka version's jars, ready for `java -cp "<libsDir>/*"`. */
export interface KafkaDistribution {
  readonly version: string;
  /** `<cache>/kafka-<version>-<hash of the pom>`. */
  readonly dir: string;
  readonly libsDir: string;
  /** The `-cp` argument. */
  readonly classpath: string;
  /** How long fetching took, when this call fetched; undefined when the cache already had it. */
  readonly fetchedInMs?: number;
}

export interface EnsureKafkaOptions {
  /** Default: `$TIP_KAFKA_CACHE` or `~/.cache/tip/kafka`. */
  readonly cacheDir?: string;
  /** Default: infra/kafka/pom.xml. */
  readonly pom?: string;
  /** Progress lines (a fetch takes a while the first time). */
  readonly log?: (line: string) => void;
  /** Gives up on Maven (and on waiting for another process's fetch) after this long; default 10 min. */
  readonly timeoutMs?: number;
}

export function kafkaCacheDir(): string {
  return process.env[KAFKA_CACHE_ENV] || path.join(homedir(), '.cache', 'tip', 'kafka');
}

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on the PATH. */
export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

let javaChecked: Promise<number> | undefined;

/** The Java major version; KafkaUnavailableError when there is no Java 17+. */
export function checkJava(): Promise<number> {
  javaChecked ??= run(javaCommand(), ['-version'], { timeoutMs: 30_000 }).then(
    ({ code, output }) => {
      const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
      if (code !== 0 || !match) {
        throw new KafkaUnavailableError(`\`${javaCommand()} -version\` failed (exit ${code}): ${lastLines(output, 5)}`);
      }
      // "1.8.0_392" is Java 8.
      const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
      if (major < 17) {
        throw new KafkaUnavailableError(
          `the test Kafka broker needs Java 17 or later; ${javaCommand()} is Java ${major}`,
        );
      }
      return major;
    },
    (error: unknown) => {
      throw new KafkaUnavailableError(
        `cannot run \`${javaCommand()}\` (${describeSpawnError(error)}): the test Kafka broker needs Java 17 or later ` +
          '(on Debian: apt-get install openjdk-17-jre-headless)',
      );
    },
  );
  return javaChecked;
}

/**
 * Returns the broker's jars, fetching them with Maven into the cache the first time. Safe when
 * several processes call it at once: one fetches under a lock file while the others wait, and the
 * finished directory appears by an atomic rename, so a half-fetched one is never used.
 */
export async function ensureKafkaDistribution(options: EnsureKafkaOptions = {}): Promise<KafkaDistribution> {
  const cacheDir = path.resolve(options.cacheDir ?? kafkaCacheDir());
  const pom = options.pom ?? KAFKA_POM;
  const pomText = readFileSync(pom, 'utf8');
  const version = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pomText)?.[1];
  if (!version) throw new Error(`${pom} has no <kafka.version> property`);
  const hash = createHash('sha256').update(pomText).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, `kafka-${version}-${hash}`);
  const distribution = (fetchedInMs?: number): KafkaDistribution => {
    const libsDir = path.join(dir, 'libs');
    return { version, dir, libsDir, classpath: path.join(libsDir, '*'), fetchedInMs };
  };
  if (existsSync(dir)) return distribution();

  const timeoutMs = options.timeoutMs ?? 600_000;
  await mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(`${dir}.lock`, () => existsSync(dir), timeoutMs);
  if (!release) return distribution(); // another process fetched it meanwhile
  try {
    if (existsSync(dir)) return distribution();
    const started = Date.now();
    options.log?.(`Fetching Kafka ${version} with Maven into ${dir} (only the first time)…`);
    const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await mavenCopyDependencies(pom, cacheDir, path.join(staging, 'libs'), timeoutMs);
      const jars = await readdir(path.join(staging, 'libs'));
      if (!jars.some((jar) => jar.startsWith('kafka_2.13-'))) {
        throw new KafkaUnavailableError(`Maven copied no kafka_2.13 jar into ${staging}/libs`);
      }
      try {
        await rename(staging, dir);
      } catch (error) {
        // Only when another process took over a lock it wrongly thought stale, and finished first.
        if (!existsSync(dir)) throw error;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const fetchedInMs = Date.now() - started;
    options.log?.(`Fetched Kafka ${version} in ${(fetchedInMs / 1000).toFixed(1)} s.`);
    return distribution(fetchedInMs);
  } finally {
    await release();
  }
}

async function mavenCopyDependencies(
  pom: string,
  cacheDir: string,
  outputDir: string,
  timeoutMs: number,
): Promise<void> {
  const args = [
    '-B',
    '-q',
    '-f',
    pom,
    `-Dmaven.repo.local=${path.join(cacheDir, 'm2')}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${outputDir}`,
    '-Dmdep.useRepositoryLayout=false',
    '-DincludeScope=runtime',
  ];
  let result: RunResult;
  try {
    result = await run('mvn', args, { timeoutMs });
  } catch (error) {
    throw new KafkaUnavailableError(
      `cannot run \`mvn\` (${describeSpawnError(error)}) to fetch the test Kafka broker; install Maven 3.6+ ` +
        '(on Debian: apt-get install maven) or set TIP_TEST_KAFKA_BROKERS to a running broker',
    );
  }
  if (result.code !== 0) {
    throw new KafkaUnavailableError(
      `\`mvn ${args.join(' ')}\` failed (${result.timedOut ? 'timed out' : `exit ${result.code}`}) ` +
        `fetching the test Kafka broker from Maven Central:\n${lastLines(result.output, 25)}`,
    );
  }
}

/**
 * Takes `lockFile` (created exclusively, holding our pid). While another live process holds it,
 * waits until `done()` or the lock is released; a lock whose process is gone is taken over.
 * Returns the release, or undefined when `done()` became true while waiting.
 */
export async function acquireLock(
  lockFile: string,
  done: () => boolean,
  timeoutMs: number,
): Promise<(() => Promise<void>) | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockFile).catch(() => undefined);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    if (done()) return undefined;
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    // An empty file is a holder between creating and writing it: wait for it like a live one.
    if (holder > 0 && !processAlive(holder)) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new KafkaUnavailableError(`gave up waiting for process ${holder} to fetch Kafka (lock ${lockFile})`);
    }
    await sleep(500);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

export interface RunResult {
  readonly code: number | null;
  /** stdout and stderr together. */
  readonly output: string;
  readonly timedOut: boolean;
}

/** Runs a command to completion; rejects only when it cannot be started (ENOENT…). */
export function run(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // The environment is passed on explicitly: under Jest, process.env is the test's own copy.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function describeSpawnError(error: unknown): string {
  if (isErrno(error, 'ENOENT')) return 'not found';
  return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}

export function isErrno(error: unknown, code: string): boolean {
  // Not instanceof Error: under Jest, errors from Node's own modules come from another realm.
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
