import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureKafkaDistribution, KafkaUnavailableError } from './kafka-distribution';

// A stand-in for Maven: records each call, takes a while, and "copies" one jar.
const FAKE_MVN = `#!/bin/sh
echo "$@" >> "$FAKE_MVN_CALLS"
[ -n "$FAKE_MVN_FAIL" ] && { echo "[ERROR] Could not resolve dependencies"; exit 1; }
for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="\${arg#-DoutputDirectory=}";; esac; done
sleep 0.5
mkdir -p "$out" && touch "$out/kafka_2.13-9.9.9.jar" "$out/kafka-clients-9.9.9.jar"
`;

describe('ensureKafkaDistribution', () => {
  let dir: string;
  let cacheDir: string;
  let pom: string;
  let calls: string;
  const saved = { PATH: process.env.PATH, calls: process.env.FAKE_MVN_CALLS, fail: process.env.FAKE_MVN_FAIL };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tip-kafka-dist-'));
    cacheDir = path.join(dir, 'cache');
    pom = path.join(dir, 'pom.xml');
    calls = path.join(dir, 'calls');
    await writeFile(pom, '<project><properties><kafka.version>9.9.9</kafka.version></properties></project>');
    await writeFile(path.join(dir, 'mvn'), FAKE_MVN);
    await chmod(path.join(dir, 'mvn'), 0o755);
    process.env.PATH = `${dir}:${saved.PATH}`;
    process.env.FAKE_MVN_CALLS = calls;
    delete process.env.FAKE_MVN_FAIL;
  });

  afterEach(async () => {
    process.env.PATH = saved.PATH;
    for (const [key, value] of [
      ['FAKE_MVN_CALLS', saved.calls],
      ['FAKE_MVN_FAIL', saved.fail],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches once into the cache with Maven, even when several callers ask at once', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureKafkaDistribution({ cacheDir, pom })));
    expect(new Set(results.map((result) => result.dir)).size).toBe(1);
    expect(results.filter((result) => result.fetchedInMs !== undefined)).toHaveLength(1);
    const [{ version, dir: distDir, libsDir, classpath }] = results;
    expect(version).toBe('9.9.9');
    expect(distDir).toMatch(new RegExp(`^${cacheDir}/kafka-9\\.9\\.9-[0-9a-f]{12}$`));
    expect(classpath).toBe(`${libsDir}/*`);
    expect((await readdir(libsDir)).sort()).toEqual(['kafka-clients-9.9.9.jar', 'kafka_2.13-9.9.9.jar']);
    // Only the finished directory and Maven's repository are left: no lock, no half-fetched copy.
    expect((await readdir(cacheDir)).sort()).toEqual([path.basename(distDir)]);

    const [call, ...more] = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(more).toEqual([]);
    expect(call).toContain('dependency:copy-dependencies');
    expect(call).toContain(`-Dmaven.repo.local=${cacheDir}/m2`);
    expect(call).toContain('-DincludeScope=runtime');

    // Cached: no Maven at all now.
    process.env.PATH = '/nonexistent';
    expect((await ensureKafkaDistribution({ cacheDir, pom })).fetchedInMs).toBeUndefined();
  });

  it('takes over the lock of a process that died while fetching', async () => {
    const first = await ensureKafkaDistribution({ cacheDir, pom });
    await rm(first.dir, { recursive: true });
    // pid 2^22 + 1 is above Linux's pid_max, so no process has it.
    await writeFile(`${first.dir}.lock`, String(2 ** 22 + 1));
    const again = await ensureKafkaDistribution({ cacheDir, pom, timeoutMs: 10_000 });
    expect(again.dir).toBe(first.dir);
    expect(again.fetchedInMs).toBeDefined();
  });

  it('fetches again into a new directory when the pom changes', async () => {
    const first = await ensureKafkaDistribution({ cacheDir, pom });
    await writeFile(
      pom,
      '<project><!-- changed --><properties><kafka.version>9.9.9</kafka.version></properties></project>',
    );
    const second = await ensureKafkaDistribution({ cacheDir, pom });
    expect(second.dir).not.toBe(first.dir);
    expect(second.fetchedInMs).toBeDefined();
  });

  it('says Kafka is unavailable, with Maven’s last lines, when the fetch fails', async () => {
    process.env.FAKE_MVN_FAIL = '1';
    const attempt = ensureKafkaDistribution({ cacheDir, pom });
    await expect(attempt).rejects.toBeInstanceOf(KafkaUnavailableError);
    await expect(attempt).rejects.toThrow(/failed \(exit 1\).*Could not resolve dependencies/s);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('says Kafka is unavailable when there is no Maven', async () => {
    process.env.PATH = '/nonexistent';
    await expect(ensureKafkaDistribution({ cacheDir, pom })).rejects.toThrow(
      /cannot run `mvn` \(not found\).*TIP_TEST_KAFKA_BROKERS/,
    );
  });
});
