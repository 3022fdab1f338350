import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { mintToken } from '@tip/auth';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { READ_MODELS, readModelsGroup } from '@tip/projections';
import { KafkaBroker, startKafkaBroker } from '@tip/testing';
import { BenchDatabase, BenchRow, LatencyRecorder, processCpuSeconds, timed } from './harness';

/**
 * End to end through Kafka: the API appending, apps/relay publishing the log, two apps/projector
 * workers building the read models, views read with minPosition — beside the embedded default
 * (projectors in the API process) in the same run, each on a fresh database of the same server.
 */

const root = path.resolve(__dirname, '..');
const PARTITIONS = 4;
const CLIENTS = 16;
/** Every SAMPLE_EVERY-th command's position is read back through a view. */
const SAMPLE_EVERY = 50;
const VIEW_WAIT_MS = 30_000;
const BATCH = 'JS-1';
const HOURS_AT = '2020-11-10T10:00:00+08:00';
/** The children's logs, kept after the run for a look; made when this group first runs, not on every `npm run bench`. */
let logDirectory: string | undefined;
const logDir = (): string => (logDirectory ??= mkdtempSync(path.join(tmpdir(), 'tip-bench-e2e-kafka-')));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const since = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

// ---------------------------------------------------------------------------------------------
// Child processes: every one is ended at the end of its configuration, on failure, and when the
// bench process exits or is interrupted.

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Error and warning lines it printed (Nest `ERROR`/`WARN`, pino level ≥ 40). */
  readonly problems: string[];
  /** Resolves with the first match of `pattern` in its output; rejects if it exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  tail(): string;
}

const PROBLEM = /\bERROR\b|\bWARN\b|"level":\s*(40|50|60)\b/;

class ChildProcesses {
  private readonly children: Child[] = [];
  private stopping = false;
  private readonly onExit = () => {
    for (const child of this.children)
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  };
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  constructor() {
    process.on('exit', this.onExit);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** `node -r ./scripts/register.js <script>` in the repo, with `env` over this process's environment. */
  spawn(name: string, script: string, env: Record<string, string>): Child {
    // BENCH_CHILD_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": profiles of the children.
    const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '-r', './scripts/register.js', script], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logFile = path.join(logDir(), `${name}-${child.pid ?? 'x'}.log`);
    const log: WriteStream = createWriteStream(logFile);
    const problems: string[] = [];
    let output = '';
    let pending = '';
    const waiters = new Set<() => void>();
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      log.write(text);
      output = (output + text).slice(-200_000);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (PROBLEM.test(line)) problems.push(line.trim());
      for (const wake of waiters) wake();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      log.end();
      if (!this.stopping) problems.push(`${name} exited on its own (code ${code}, signal ${signal})`);
      for (const wake of waiters) wake();
    });
    const handle: Child = {
      name,
      process: child,
      logFile,
      problems,
      tail: () => output.split('\n').slice(-40).join('\n'),
      waitFor: (pattern, timeoutMs = 120_000) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              finish(
                new Error(`${name} did not print ${pattern} within ${timeoutMs} ms; its last lines:\n${handle.tail()}`),
              ),
            timeoutMs,
          );
          const finish = (result: RegExpExecArray | Error) => {
            clearTimeout(timer);
            waiters.delete(check);
            if (result instanceof Error) reject(result);
            else resolve(result);
          };
          const check = () => {
            const match = pattern.exec(output);
            if (match) finish(match);
            else if (child.exitCode !== null || child.signalCode !== null)
              finish(
                new Error(
                  `${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before printing ${pattern}; its last lines:\n${handle.tail()}`,
                ),
              );
          };
          waiters.add(check);
          check();
        }),
    };
    this.children.push(handle);
    return handle;
  }

  /** Rejects as soon as a child exits that was not asked to: races the work it is given. */
  watch<T>(work: Promise<T>): Promise<T> {
    let cleanup = () => undefined as void;
    const died = new Promise<never>((_, reject) => {
      const listeners = this.children.map((child) => {
        const listener = (code: number | null, signal: NodeJS.Signals | null) => {
          if (!this.stopping)
            reject(
              new Error(
                `${child.name} exited during the run (code ${code}, signal ${signal}); its last lines:\n${child.tail()}`,
              ),
            );
        };
        child.process.once('exit', listener);
        return () => child.process.off('exit', listener);
      });
      cleanup = () => listeners.forEach((off) => off());
    });
    return Promise.race([work, died]).finally(cleanup);
  }

  all(): readonly Child[] {
    return this.children;
  }

  /** SIGTERM to every child, SIGKILL to those still there after `graceMs`. */
  async stopAll(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    try {
      await Promise.all(
        this.children.map(async ({ process: child }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(killer);
        }),
      );
    } finally {
      process.off('exit', this.onExit);
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  body: { position?: number; error?: { code: string; message?: string } };
}

class Api {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async post(route: string, body: unknown): Promise<Answer> {
    const response = await fetch(`${this.url}/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  async get(route: string): Promise<Answer> {
    const response = await fetch(`${this.url}/${route}`, { headers: { authorization: `Bearer ${this.token}` } });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  /** Runs a command that must succeed; resolves with its position. */
  async command(name: string, body: unknown): Promise<number> {
    const result = await this.post(`commands/${name}`, body);
    if (result.status !== 200) throw new Error(`${name} refused (${result.status}): ${JSON.stringify(result.body)}`);
    return Number(result.body.position ?? 0);
  }

  /** A school's progress once its read model has reached `position`: retried on 503 VIEW_BEHIND until `timeoutMs`. */
  async progressAt(unitId: string, position: number, timeoutMs = 120_000): Promise<{ behind: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let behind = 0; ; behind++) {
      const view = await this.get(`views/units/${unitId}/progress?batchId=${BATCH}&minPosition=${position}`);
      if (view.status === 200) return { behind };
      if (view.status !== 503 || view.body.error?.code !== 'VIEW_BEHIND' || Date.now() > deadline) {
        throw new Error(`progress of ${unitId} at ${position}: ${view.status} ${JSON.stringify(view.body)}`);
      }
    }
  }
}

/** `count` calls spread over `concurrency` loops. */
async function inParallel(concurrency: number, count: number, call: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < count; index = next++) await call(index);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The workload, the same for both configurations

interface World {
  schools: string[];
  teachers: { teacherId: string; schoolId: string }[];
}

const province: Actor = { sub: 'p', role: 'province-admin', unitId: '320000' };
const schoolAdmin = (schoolId: string): Actor => ({ sub: `admin-${schoolId}`, role: 'school-admin', unitId: schoolId });
const COUNTIES = [
  { unitId: '320102', name: '玄武区' },
  { unitId: '320104', name: '秦淮区' },
  { unitId: '320105', name: '建邺区' },
  { unitId: '320106', name: '鼓楼区' },
];

/** 1 province, 1 city, 4 counties, 50 schools; a programme, a batch, the quota cascade, teachers registered and enrolled. */
async function setUp(api: Api, teachersPerSchool: number): Promise<{ world: World; position: number }> {
  let position = 0;
  const run = async (name: string, body: unknown) => {
    position = Math.max(position, await api.command(name, body));
  };
  const schools = Array.from({ length: 50 }, (_, index) => ({
    unitId: `S-${String(index + 1).padStart(2, '0')}`,
    county: COUNTIES[index % COUNTIES.length].unitId,
  }));
  await run('RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' });
  await run('RegisterOrgUnit', { unitId: '320100', kind: 'city', name: '南京市', parentId: '320000' });
  for (const county of COUNTIES) await run('RegisterOrgUnit', { ...county, kind: 'county', parentId: '320100' });
  await inParallel(8, schools.length, (index) =>
    run('RegisterOrgUnit', {
      unitId: schools[index].unitId,
      kind: 'school',
      name: `学校${index + 1}`,
      parentId: schools[index].county,
      fullTimeTeachers: teachersPerSchool,
    }),
  );
  await run('LaunchProgramme', {
    programmeId: 'JS-2.0',
    name: '江苏省提升工程2.0',
    provinceId: '320000',
    rulebook: 'jiangsu-2.0',
    actor: province,
    at: '2020-10-01T08:00:00+08:00',
  });
  await run('ScheduleBatch', {
    programmeId: 'JS-2.0',
    batchId: BATCH,
    name: '第一批',
    startsOn: '2020-11-01',
    endsOn: '2021-10-31',
    sharePercent: 20,
    periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
    actor: province,
    at: '2020-10-01T08:00:00+08:00',
  });
  const seats = (fromUnitId: string, toUnitId: string, count: number) =>
    run('AllocateQuota', { batchId: BATCH, periodId: '1', fromUnitId, toUnitId, seats: count });
  await seats('320000', '320100', schools.length * teachersPerSchool);
  for (const county of COUNTIES)
    await seats(
      '320100',
      county.unitId,
      schools.filter((school) => school.county === county.unitId).length * teachersPerSchool,
    );
  await inParallel(8, schools.length, (index) =>
    seats(schools[index].county, schools[index].unitId, teachersPerSchool),
  );

  const teachers = schools.flatMap((school) =>
    Array.from({ length: teachersPerSchool }, (_, n) => ({
      teacherId: `${school.unitId}-T${n}`,
      schoolId: school.unitId,
    })),
  );
  await inParallel(8, teachers.length, (index) => {
    const { teacherId, schoolId } = teachers[index];
    const month = String((index % 12) + 1).padStart(2, '0');
    const day = String(10 + (Math.floor(index / 1000) % 18));
    const serial = index % 1000;
    const first17 = `3201021980${month}${day}${String(serial).padStart(3, '0')}`;
    return run('RegisterTeacher', {
      teacherId,
      schoolId,
      name: `教师${index}`,
      idNumber: first17 + idNumberCheckCharacter(first17),
      gender: serial % 2 ? 'male' : 'female',
      stage: '小学',
      subject: index % 3 ? '语文' : '数学',
      fullTime: true,
      birthDate: `1980-${month}-${day}`,
    });
  });
  // One school's enrollments in turn (they share its seats), schools side by side.
  await inParallel(8, schools.length, async (index) => {
    const schoolId = schools[index].unitId;
    for (const { teacherId } of teachers.filter((teacher) => teacher.schoolId === schoolId)) {
      await run('EnrollTeacher', {
        batchId: BATCH,
        periodId: '1',
        teacherId,
        actor: schoolAdmin(schoolId),
        at: '2020-11-02T09:00:00+08:00',
      });
    }
  });
  return { world: { schools: schools.map((school) => school.unitId), teachers }, position };
}

/**
 * The broker's JVM flags, when BENCH_KAFKA_JVM_OPTIONS gives them; the tests' otherwise (C1 only,
 * serial GC: with the C2 compiler the broker used twice the CPU over a run at BENCH_SCALE=0.1).
 */
const BROKER_JVM_OPTIONS = process.env.BENCH_KAFKA_JVM_OPTIONS?.split(/\s+/).filter(Boolean);

/** The saturated phase: as many commands as CLIENTS clients get answered. */
interface Saturated {
  commands: number;
  seconds: number;
  latency: LatencyRecorder;
  lag: LatencyRecorder;
  samples: number;
  /** 503 VIEW_BEHIND answers met by the samples (each after TIP_VIEW_WAIT_MS), retried. */
  behind: number;
  /** From the last command's answer until a view had reached the highest position. */
  drainMs: number;
  /** CPU seconds each process used from the first command until the views had taken in the last. */
  cpu: Map<string, number>;
}

/** The paced phase: commands sent at a fixed rate, each PACED_SAMPLE_EVERY-th read back. */
interface Paced {
  rate: number;
  kept: number;
  commands: number;
  latency: LatencyRecorder;
  lag: LatencyRecorder;
}

/** In the paced phase every PACED_SAMPLE_EVERY-th command is read back through a view. */
const PACED_SAMPLE_EVERY = 10;
/**
 * Commands of the paced phase unanswered at once, at most: a configuration that cannot keep the
 * pace (the machine busier than when the rate was taken) falls behind the schedule instead of
 * piling up thousands of requests until they time out; the rate it kept is reported.
 */
const PACED_MAX_IN_FLIGHT = 64;
/**
 * Both configurations are paced at this fraction of the slower one's saturated rate in the same
 * run: a rate each carries with room to spare, so that the lag measured is the path's, not a
 * queue's. (Half the faster one's rate was more than the Kafka path carried at all.)
 */
const PACED_FRACTION = 0.5;

/** One RecordOnlineHours, with a record id of its own (a repeated one would be a no-op). */
async function recordHours(api: Api, world: World, index: number): Promise<{ position: number; schoolId: string }> {
  const { teacherId, schoolId } = world.teachers[index % world.teachers.length];
  const position = await api.command('RecordOnlineHours', {
    batchId: BATCH,
    teacherId,
    recordId: `R-${index}`,
    courseId: 'C-A1',
    hours: 0.5,
    at: HOURS_AT,
  });
  return { position, schoolId };
}

/** CPU seconds so far of each process of a configuration (and of PostgreSQL and the load itself), by name. */
type CpuProbe = () => Map<string, number>;

function cpuSpent(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, seconds]) => [name, seconds - (before.get(name) ?? NaN)]));
}

/**
 * `commands` RecordOnlineHours from CLIENTS clients as fast as they are answered (saturation:
 * the rate), sampling append→view lag. A sample's lag runs from the command's answer (its events
 * committed) to the answer of a view asked with the command's position as `minPosition` — what a
 * client doing read-your-writes waits.
 */
async function saturate(api: Api, world: World, commands: number, cpu: CpuProbe): Promise<Saturated> {
  const latency = new LatencyRecorder();
  const lag = new LatencyRecorder();
  const samples: Promise<void>[] = [];
  let behind = 0;
  let highest = 0;
  const cpuBefore = cpu();
  const seconds = await timed(() =>
    inParallel(CLIENTS, commands, async (index) => {
      const started = process.hrtime.bigint();
      const { position, schoolId } = await recordHours(api, world, index);
      const answered = process.hrtime.bigint();
      latency.record(Number(answered - started) / 1e6);
      highest = Math.max(highest, position);
      if (index % SAMPLE_EVERY === 0) {
        // Read back beside the load, not in the client's loop: the load stays the same.
        samples.push(
          api.progressAt(schoolId, position).then((result) => {
            lag.record(since(answered));
            behind += result.behind;
          }),
        );
      }
    }),
  );
  const ended = process.hrtime.bigint();
  await api.progressAt('320000', highest);
  const drainMs = since(ended);
  const spent = cpuSpent(cpuBefore, cpu());
  await Promise.all(samples);
  return { commands, seconds, latency, lag, samples: samples.length, behind, drainMs, cpu: spent };
}

/**
 * Commands at a fixed `rate` a second for `seconds`, sent on schedule whatever the answers (open
 * loop), every PACED_SAMPLE_EVERY-th read back: the lag when the system is not saturated.
 */
async function pace(api: Api, world: World, firstIndex: number, rate: number, seconds: number): Promise<Paced> {
  const commands = Math.max(50, Math.round(rate * seconds));
  const latency = new LatencyRecorder();
  const lag = new LatencyRecorder();
  const sent: Promise<void>[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = process.hrtime.bigint();
  for (let n = 0; n < commands; n++) {
    const due = (n * 1000) / rate - since(started);
    if (due > 0) await sleep(due);
    while (inFlight.size >= PACED_MAX_IN_FLIGHT) await Promise.race(inFlight);
    const command = (async () => {
      const sentAt = process.hrtime.bigint();
      const { position, schoolId } = await recordHours(api, world, firstIndex + n);
      const answered = process.hrtime.bigint();
      latency.record(Number(answered - sentAt) / 1e6);
      if (n % PACED_SAMPLE_EVERY === 0) {
        await api.progressAt(schoolId, position);
        lag.record(since(answered));
      }
    })();
    sent.push(command);
    inFlight.add(command);
    void command.then(
      () => inFlight.delete(command),
      () => inFlight.delete(command),
    );
  }
  await Promise.all(sent);
  return { rate, kept: commands / (since(started) / 1000), commands, latency, lag };
}

// ---------------------------------------------------------------------------------------------
// The two configurations

const API_READY = /TIP is ready at (http:\/\/\S+\/api)/;

async function startApi(children: ChildProcesses, name: string, env: Record<string, string>): Promise<string> {
  const api = children.spawn(name, 'apps/api/src/main.ts', {
    PORT: '0',
    TIP_LOG_LEVEL: 'log',
    TIP_VIEW_WAIT_MS: String(VIEW_WAIT_MS),
    ...env,
  });
  return (await api.waitFor(API_READY))[1];
}

/** The read models' consumer group Stable with `members` members. */
async function groupsStable(brokers: string, members: number, timeoutMs = 120_000): Promise<void> {
  const admin = new Kafka({ clientId: 'tip-bench-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups([
        readModelsGroup(READ_MODELS.map((readModel) => readModel.projection.name)),
      ]);
      const states = groups.map((group) => `${group.groupId}: ${group.state}, ${group.members.length} members`);
      if (groups.every((group) => group.state === 'Stable' && group.members.length === members)) return;
      if (Date.now() > deadline)
        throw new Error(`consumer groups not stable after ${timeoutMs} ms: ${states.join('; ')}`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

/** A configuration running: its processes, the API, the world set up in it and what was measured. */
interface Configuration {
  label: string;
  children: ChildProcesses;
  api: Api;
  world: World;
  setupSeconds: number;
  cpu: CpuProbe;
  saturated?: Saturated;
  paced?: Paced;
}

/** The set-up, from quiet read models (the set-up is not what is measured). */
async function setUpQuietly(api: Api, teachersPerSchool: number): Promise<{ world: World; setupSeconds: number }> {
  let world: World | undefined;
  const setupSeconds = await timed(async () => {
    const setup = await setUp(api, teachersPerSchool);
    world = setup.world;
    await api.progressAt('320000', setup.position);
  });
  if (!world) throw new Error('no set-up');
  return { world, setupSeconds };
}

/** The CPU of the configuration's children, the broker's JVM and PostgreSQL (/proc), and of the load (this process). */
function cpuProbe(database: BenchDatabase, children: ChildProcesses, broker?: KafkaBroker): CpuProbe {
  return () => {
    const seconds = new Map<string, number>();
    for (const child of children.all()) seconds.set(child.name, processCpuSeconds(child.process.pid) ?? NaN);
    if (broker) seconds.set('broker (JVM)', processCpuSeconds(broker.pid) ?? NaN);
    seconds.set('PostgreSQL', database.postgresCpuSeconds());
    const load = process.cpuUsage();
    seconds.set('load (bench)', (load.user + load.system) / 1e6);
    return seconds;
  };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

function report(configuration: Configuration | undefined, label: string, children: ChildProcesses): void {
  const lines = [`e2e-kafka ${label}: logs in ${logDir()}`];
  const saturated = configuration?.saturated;
  if (configuration && saturated) {
    lines.push(
      `  set-up ${configuration.setupSeconds.toFixed(1)} s; ${saturated.commands} commands in ${saturated.seconds.toFixed(1)} s = ${(saturated.commands / saturated.seconds).toFixed(0)}/s` +
        ` (p50 ${ms(saturated.latency.percentile(50))}, p99 ${ms(saturated.latency.percentile(99))});` +
        ` lag over ${saturated.samples} samples p50 ${ms(saturated.lag.percentile(50))}, p99 ${ms(saturated.lag.percentile(99))}, max ${ms(saturated.lag.percentile(100))};` +
        ` ${saturated.behind} VIEW_BEHIND; views at the last command ${saturated.drainMs.toFixed(0)} ms after it`,
    );
    const total = [...saturated.cpu.values()].reduce((sum, each) => sum + each, 0);
    lines.push(
      `  CPU a command, saturated phase until the views took in the last (/proc): ${ms((total * 1000) / saturated.commands)} in all; ` +
        [...saturated.cpu]
          .map(([name, seconds]) => `${name} ${ms((seconds * 1000) / saturated.commands)} (${seconds.toFixed(1)} s)`)
          .join(', '),
    );
  }
  const paced = configuration?.paced;
  if (paced)
    lines.push(
      `  paced at ${paced.rate.toFixed(0)}/s (${PACED_FRACTION} of the slower configuration's saturated rate; kept ${paced.kept.toFixed(0)}/s): ${paced.commands} commands (p50 ${ms(paced.latency.percentile(50))}, p99 ${ms(paced.latency.percentile(99))}),` +
        ` lag over ${paced.lag.count} samples p50 ${ms(paced.lag.percentile(50))}, p99 ${ms(paced.lag.percentile(99))}`,
    );
  for (const child of children.all()) {
    if (child.problems.length === 0) continue;
    lines.push(`  ${child.name}: ${child.problems.length} error/warning lines (${child.logFile}), first ones:`);
    for (const line of child.problems.slice(0, 8)) lines.push(`    ${line.slice(0, 600)}`);
  }
  console.error(lines.join('\n'));
}

/** (a) The embedded default: projectors in the API process. */
async function startInProcess(
  database: BenchDatabase,
  secret: string,
  token: string,
  teachersPerSchool: number,
): Promise<Configuration> {
  const children = new ChildProcesses();
  try {
    const url = await startApi(children, 'api', {
      DATABASE_URL: await database.fresh(),
      TIP_JWT_SECRET: secret,
      TIP_PROJECTIONS: 'inprocess',
    });
    const api = new Api(url, token);
    const { world, setupSeconds } = await children.watch(setUpQuietly(api, teachersPerSchool));
    const label = 'in-process projections';
    return { label, children, api, world, setupSeconds, cpu: cpuProbe(database, children) };
  } catch (error) {
    await children.stopAll();
    report(undefined, 'in-process projections', children);
    throw error;
  }
}

/** (b) Distributed: the API appends and serves views, apps/relay publishes, two apps/projector workers build the read models. */
async function startDistributed(
  database: BenchDatabase,
  broker: KafkaBroker,
  secret: string,
  token: string,
  teachersPerSchool: number,
): Promise<Configuration> {
  const children = new ChildProcesses();
  try {
    const databaseUrl = await database.fresh();
    const kafka = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: broker.brokers,
      TIP_KAFKA_TOPIC: `tip-bench-${randomBytes(4).toString('hex')}`,
      TIP_KAFKA_PARTITIONS: String(PARTITIONS),
    };
    // The API first: it migrates the event store and the read models' schemas.
    const url = await startApi(children, 'api', {
      ...kafka,
      TIP_JWT_SECRET: secret,
      TIP_PROJECTIONS: 'kafka',
      TIP_RELAY: 'off',
    });
    // The relay creates the topic, which the workers subscribe to.
    await children.spawn('relay', 'apps/relay/src/main.ts', kafka).waitFor(/tip-relay is running/);
    const workers = [1, 2].map((n) => children.spawn(`projector-${n}`, 'apps/projector/src/main.ts', kafka));
    await Promise.all(workers.map((worker) => worker.waitFor(/tip-projector is running/)));
    await children.watch(groupsStable(broker.brokers, workers.length));
    const api = new Api(url, token);
    const { world, setupSeconds } = await children.watch(setUpQuietly(api, teachersPerSchool));
    const label = 'Kafka projections (relay + 2 projector workers)';
    return { label, children, api, world, setupSeconds, cpu: cpuProbe(database, children, broker) };
  } catch (error) {
    await children.stopAll();
    report(undefined, 'Kafka projections', children);
    throw error;
  }
}

/**
 * RecordOnlineHours from CLIENTS clients with the read models built by projector workers fed
 * from Kafka, and how long a command takes to show in a view (minPosition) — each beside the
 * embedded default measured in the same run. Both saturated first, one after the other (the
 * other configuration idle), then both paced at PACED_FRACTION of the slower one's rate.
 */
export async function e2eKafkaBenchmarks(database: BenchDatabase, rows: BenchRow[], scale: number): Promise<void> {
  const teachersPerSchool = Math.max(2, Math.round(20 * scale));
  const commands = Math.max(1000, Math.round(20_000 * scale));
  const pacedSeconds = Math.max(10, Math.round(30 * scale));
  const secret = randomBytes(32).toString('hex');
  const token = await mintToken(secret, { sub: 'bench', role: 'system' });
  const broker = await startKafkaBroker({ jvmOptions: BROKER_JVM_OPTIONS });
  const running: Configuration[] = [];
  try {
    const a = await startInProcess(database, secret, token, teachersPerSchool);
    running.push(a);
    a.saturated = await a.children.watch(saturate(a.api, a.world, commands, a.cpu));
    const b = await startDistributed(database, broker, secret, token, teachersPerSchool);
    running.push(b);
    b.saturated = await b.children.watch(saturate(b.api, b.world, commands, b.cpu));
    const rateOf = (saturated: Saturated) => saturated.commands / saturated.seconds;
    const rate = PACED_FRACTION * Math.min(rateOf(a.saturated), rateOf(b.saturated));
    b.paced = await b.children.watch(pace(b.api, b.world, commands, rate, pacedSeconds));
    a.paced = await a.children.watch(pace(a.api, a.world, commands, rate, pacedSeconds));
    const [as, bs, ap, bp] = [a.saturated, b.saturated, a.paced, b.paced];

    const teachers = 50 * teachersPerSchool;
    rows.push({
      benchmark: `RecordOnlineHours over HTTP, read models via Kafka (relay + 2 projector workers, ${PARTITIONS} partitions), ${teachers} teachers, ${CLIENTS} clients`,
      unit: 'commands/s',
      ours: rateOf(bs),
      baseline: rateOf(as),
      baselineName: 'same workload, in-process projectors',
      p50Ms: bs.latency.percentile(50),
      p95Ms: bs.latency.percentile(95),
      p99Ms: bs.latency.percentile(99),
      baselineP99Ms: as.latency.percentile(99),
    });
    const cpuTotal = (saturated: Saturated) =>
      ([...saturated.cpu.values()].reduce((sum, each) => sum + each, 0) * 1000) / saturated.commands;
    rows.push({
      benchmark: `CPU a command via Kafka, every process (API, relay, workers, broker, PostgreSQL, load), saturated phase`,
      unit: 'ms',
      ours: cpuTotal(bs),
      baseline: cpuTotal(as),
      baselineName: 'in-process projectors (API, PostgreSQL, load)',
    });
    rows.push({
      benchmark: `append→view lag (p50) via Kafka, commands paced at ${rate.toFixed(0)}/s (${PACED_FRACTION} of the slower configuration's saturated rate; kept ${bp.kept.toFixed(0)}/s, in-process ${ap.kept.toFixed(0)}/s, at most ${PACED_MAX_IN_FLIGHT} unanswered), every ${PACED_SAMPLE_EVERY}th read back, ${bp.lag.count} samples`,
      unit: 'ms',
      ours: bp.lag.percentile(50),
      baseline: ap.lag.percentile(50),
      baselineName: 'in-process projectors, same pace (p50)',
      p50Ms: bp.lag.percentile(50),
      p95Ms: bp.lag.percentile(95),
      p99Ms: bp.lag.percentile(99),
      baselineP99Ms: ap.lag.percentile(99),
    });
    rows.push({
      benchmark: `append→view lag (p50) via Kafka at saturation: every ${SAMPLE_EVERY}th command read back with minPosition, ${bs.samples} samples`,
      unit: 'ms',
      ours: bs.lag.percentile(50),
      baseline: as.lag.percentile(50),
      baselineName: 'in-process projectors, saturated (p50)',
      p50Ms: bs.lag.percentile(50),
      p95Ms: bs.lag.percentile(95),
      p99Ms: bs.lag.percentile(99),
      baselineP99Ms: as.lag.percentile(99),
    });
    rows.push({
      benchmark: 'views at the last command, after the load, via Kafka',
      unit: 'ms',
      ours: bs.drainMs,
      baseline: as.drainMs,
      baselineName: 'in-process projectors',
    });
  } finally {
    for (const configuration of running.reverse()) {
      await configuration.children.stopAll();
      report(configuration, configuration.label, configuration.children);
    }
    await broker.stop();
  }
}
