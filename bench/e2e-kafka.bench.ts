import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { mintToken } from '@tip/auth';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { READ_MODELS } from '@tip/projections';
import { KafkaBroker, startKafkaBroker } from '@tip/testing';
import { BenchDatabase, BenchRow, LatencyRecorder, timed } from './harness';

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

interface Measured {
  commands: number;
  seconds: number;
  latency: LatencyRecorder;
  lag: LatencyRecorder;
  samples: number;
  /** 503 VIEW_BEHIND answers met by the samples (each after TIP_VIEW_WAIT_MS), retried. */
  behind: number;
  /** From the last command's answer until a view had reached the highest position. */
  drainMs: number;
  setupSeconds: number;
  /** The paced phase: commands sent at a fixed rate, each PACED_SAMPLE_EVERY-th read back. */
  paced: { rate: number; kept: number; commands: number; latency: LatencyRecorder; lag: LatencyRecorder };
}

/** In the paced phase every PACED_SAMPLE_EVERY-th command is read back through a view. */
const PACED_SAMPLE_EVERY = 10;
/**
 * Commands of the paced phase unanswered at once, at most: a configuration that cannot keep the
 * pace (the machine busier than when the in-process rate was taken) falls behind the schedule
 * instead of piling up thousands of requests until they time out; the rate it kept is reported.
 */
const PACED_MAX_IN_FLIGHT = 64;

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

/**
 * The set-up; `commands` RecordOnlineHours from CLIENTS clients as fast as they are answered
 * (saturation: the rate), sampling append→view lag; then commands at a fixed `pacedRate` a
 * second for `pacedSeconds`, sent on schedule whatever the answers (open loop), every
 * PACED_SAMPLE_EVERY-th read back: the lag when the system is not saturated. A sample's lag runs
 * from the command's answer (its events committed) to the answer of a view asked with the
 * command's position as `minPosition` — what a client doing read-your-writes waits.
 */
async function workload(
  api: Api,
  teachersPerSchool: number,
  commands: number,
  pacing: { rate?: number; seconds: number },
): Promise<Measured> {
  let world: World | undefined;
  const setupSeconds = await timed(async () => {
    const setup = await setUp(api, teachersPerSchool);
    world = setup.world;
    // Start from quiet read models: the set-up is not what is measured.
    await api.progressAt('320000', setup.position);
  });
  if (!world) throw new Error('no set-up');
  const loaded = world;

  const latency = new LatencyRecorder();
  const lag = new LatencyRecorder();
  const samples: Promise<void>[] = [];
  let behind = 0;
  let highest = 0;
  const seconds = await timed(() =>
    inParallel(CLIENTS, commands, async (index) => {
      const started = process.hrtime.bigint();
      const { position, schoolId } = await recordHours(api, loaded, index);
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
  await Promise.all(samples);

  // Half the rate the in-process default sustained in the same run (its own, for itself).
  const rate = pacing.rate ?? commands / seconds / 2;
  const pacedCommands = Math.max(50, Math.round(rate * pacing.seconds));
  const pacedLatency = new LatencyRecorder();
  const pacedLag = new LatencyRecorder();
  const sent: Promise<void>[] = [];
  const inFlight = new Set<Promise<void>>();
  const pacedStart = process.hrtime.bigint();
  for (let n = 0; n < pacedCommands; n++) {
    const due = (n * 1000) / rate - since(pacedStart);
    if (due > 0) await sleep(due);
    while (inFlight.size >= PACED_MAX_IN_FLIGHT) await Promise.race(inFlight);
    const command = (async () => {
      const started = process.hrtime.bigint();
      const { position, schoolId } = await recordHours(api, loaded, commands + n);
      const answered = process.hrtime.bigint();
      pacedLatency.record(Number(answered - started) / 1e6);
      if (n % PACED_SAMPLE_EVERY === 0) {
        await api.progressAt(schoolId, position);
        pacedLag.record(since(answered));
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
  const kept = pacedCommands / (since(pacedStart) / 1000);
  return {
    commands,
    seconds,
    latency,
    lag,
    samples: samples.length,
    behind,
    drainMs,
    setupSeconds,
    paced: { rate, kept, commands: pacedCommands, latency: pacedLatency, lag: pacedLag },
  };
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

/** Every read model's consumer group Stable with `members` members. */
async function groupsStable(brokers: string, members: number, timeoutMs = 120_000): Promise<void> {
  const admin = new Kafka({ clientId: 'tip-bench-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups(
        READ_MODELS.map((readModel) => `tip-read-model-${readModel.projection.name}`),
      );
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

function report(label: string, children: ChildProcesses, measured: Measured | undefined): void {
  const lines = [`e2e-kafka ${label}: logs in ${logDir()}`];
  if (measured) {
    lines.push(
      `  set-up ${measured.setupSeconds.toFixed(1)} s; ${measured.commands} commands in ${measured.seconds.toFixed(1)} s = ${(measured.commands / measured.seconds).toFixed(0)}/s` +
        ` (p50 ${measured.latency.percentile(50).toFixed(1)} ms, p99 ${measured.latency.percentile(99).toFixed(1)} ms);` +
        ` lag over ${measured.samples} samples p50 ${measured.lag.percentile(50).toFixed(1)} ms, p99 ${measured.lag.percentile(99).toFixed(1)} ms, max ${measured.lag.percentile(100).toFixed(1)} ms;` +
        ` ${measured.behind} VIEW_BEHIND; views at the last command ${measured.drainMs.toFixed(0)} ms after it;` +
        ` paced at ${measured.paced.rate.toFixed(0)}/s (kept ${measured.paced.kept.toFixed(0)}/s): ${measured.paced.commands} commands (p50 ${measured.paced.latency.percentile(50).toFixed(1)} ms, p99 ${measured.paced.latency.percentile(99).toFixed(1)} ms),` +
        ` lag p50 ${measured.paced.lag.percentile(50).toFixed(1)} ms, p99 ${measured.paced.lag.percentile(99).toFixed(1)} ms`,
    );
  }
  for (const child of children.all()) {
    if (child.problems.length === 0) continue;
    lines.push(`  ${child.name}: ${child.problems.length} error/warning lines (${child.logFile}), first ones:`);
    for (const line of child.problems.slice(0, 8)) lines.push(`    ${line.slice(0, 600)}`);
  }
  console.error(lines.join('\n'));
}

/** (a) The embedded default: projectors in the API process. */
async function inProcess(
  database: BenchDatabase,
  secret: string,
  token: string,
  teachersPerSchool: number,
  commands: number,
  pacing: { seconds: number },
): Promise<Measured> {
  const children = new ChildProcesses();
  let measured: Measured | undefined;
  try {
    const url = await startApi(children, 'api-inprocess', {
      DATABASE_URL: await database.fresh(),
      TIP_JWT_SECRET: secret,
      TIP_PROJECTIONS: 'inprocess',
    });
    measured = await children.watch(workload(new Api(url, token), teachersPerSchool, commands, pacing));
    return measured;
  } finally {
    await children.stopAll();
    report('in-process projections', children, measured);
  }
}

/** (b) Distributed: the API appends and serves views, apps/relay publishes, two apps/projector workers build the read models. */
async function distributed(
  database: BenchDatabase,
  broker: KafkaBroker,
  secret: string,
  token: string,
  teachersPerSchool: number,
  commands: number,
  pacing: { rate: number; seconds: number },
): Promise<Measured> {
  const children = new ChildProcesses();
  let measured: Measured | undefined;
  try {
    const databaseUrl = await database.fresh();
    const kafka = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: broker.brokers,
      TIP_KAFKA_TOPIC: `tip-bench-${randomBytes(4).toString('hex')}`,
      TIP_KAFKA_PARTITIONS: String(PARTITIONS),
    };
    // The API first: it migrates the event store and the read models' schemas.
    const url = await startApi(children, 'api-kafka', {
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
    measured = await children.watch(workload(new Api(url, token), teachersPerSchool, commands, pacing));
    return measured;
  } finally {
    await children.stopAll();
    report('Kafka projections (relay + 2 projector workers)', children, measured);
  }
}

/**
 * RecordOnlineHours from CLIENTS clients with the read models built by projector workers fed
 * from Kafka, and how long a command takes to show in a view (minPosition) — each beside the
 * embedded default measured in the same run.
 */
export async function e2eKafkaBenchmarks(database: BenchDatabase, rows: BenchRow[], scale: number): Promise<void> {
  const teachersPerSchool = Math.max(2, Math.round(20 * scale));
  const commands = Math.max(1000, Math.round(20_000 * scale));
  const secret = randomBytes(32).toString('hex');
  const token = await mintToken(secret, { sub: 'bench', role: 'system' });
  const broker = await startKafkaBroker();
  try {
    const seconds = Math.max(10, Math.round(30 * scale));
    const a = await inProcess(database, secret, token, teachersPerSchool, commands, { seconds });
    // Both paced at the same rate: half of what the in-process default sustained.
    const b = await distributed(database, broker, secret, token, teachersPerSchool, commands, {
      rate: a.paced.rate,
      seconds,
    });
    const teachers = 50 * teachersPerSchool;
    rows.push({
      benchmark: `RecordOnlineHours over HTTP, read models via Kafka (relay + 2 projector workers, ${PARTITIONS} partitions), ${teachers} teachers, ${CLIENTS} clients`,
      unit: 'commands/s',
      ours: b.commands / b.seconds,
      baseline: a.commands / a.seconds,
      baselineName: 'same workload, in-process projectors',
      p50Ms: b.latency.percentile(50),
      p95Ms: b.latency.percentile(95),
      p99Ms: b.latency.percentile(99),
      baselineP99Ms: a.latency.percentile(99),
    });
    rows.push({
      benchmark: `append→view lag (p50) via Kafka at saturation: every ${SAMPLE_EVERY}th command read back with minPosition, ${b.samples} samples`,
      unit: 'ms',
      ours: b.lag.percentile(50),
      baseline: a.lag.percentile(50),
      baselineName: 'in-process projectors, saturated (p50)',
      p50Ms: b.lag.percentile(50),
      p95Ms: b.lag.percentile(95),
      p99Ms: b.lag.percentile(99),
      baselineP99Ms: a.lag.percentile(99),
    });
    rows.push({
      benchmark: `append→view lag (p50) via Kafka, commands paced at ${b.paced.rate.toFixed(0)}/s (half the in-process rate; kept ${b.paced.kept.toFixed(0)}/s, in-process ${a.paced.kept.toFixed(0)}/s, at most ${PACED_MAX_IN_FLIGHT} unanswered), every ${PACED_SAMPLE_EVERY}th read back, ${b.paced.lag.count} samples`,
      unit: 'ms',
      ours: b.paced.lag.percentile(50),
      baseline: a.paced.lag.percentile(50),
      baselineName: 'in-process projectors, same pace (p50)',
      p50Ms: b.paced.lag.percentile(50),
      p95Ms: b.paced.lag.percentile(95),
      p99Ms: b.paced.lag.percentile(99),
      baselineP99Ms: a.paced.lag.percentile(99),
    });
    rows.push({
      benchmark: 'views at the last command, after the load, via Kafka',
      unit: 'ms',
      ours: b.drainMs,
      baseline: a.drainMs,
      baselineName: 'in-process projectors',
    });
  } finally {
    await broker.stop();
  }
}
