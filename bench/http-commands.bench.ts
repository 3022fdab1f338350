import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mintToken } from '@tip/auth';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { BenchDatabase, BenchRow, LatencyRecorder, processCpuSeconds, timed } from './harness';

const root = path.resolve(__dirname, '..');

interface Server {
  url: string;
  process: ChildProcess;
}

/** The API in its own process, as in production, so the load generator does not share its event loop. */
async function startServer(databaseUrl: string, secret: string): Promise<Server> {
  // BENCH_CHILD_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": a profile of the API.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  if (process.env.BENCH_COUNT_STATEMENTS || process.env.BENCH_PROFILE_DIR)
    nodeArgs.push('--require', path.join(__dirname, 'count-statements.js'));
  const child = spawn(process.execPath, [...nodeArgs, 'scripts/start.js'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      TIP_JWT_SECRET: secret,
      TIP_BENCH_ROUTES: '1',
      TIP_LOG_LEVEL: 'log',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /TIP is ready at (http:\/\/\S+\/api)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`the API exited (${code}) before it was ready:\n${output.slice(-2000)}`)),
    );
  });
  return { url, process: child };
}

/**
 * BENCH_COUNT_STATEMENTS=1: the statements the API sends PostgreSQL while `work` runs, by their
 * first words, each a figure per `units` (e.g. per command); printed, not kept.
 */
async function countingStatements<T>(server: Server, label: string, units: number, work: () => Promise<T>): Promise<T> {
  if (!process.env.BENCH_COUNT_STATEMENTS && !process.env.BENCH_PROFILE_DIR) return work();
  const file = process.env.BENCH_COUNT_STATEMENTS_FILE as string;
  rmSync(file, { force: true });
  server.process.kill('SIGUSR2');
  const result = await work();
  server.process.kill('SIGUSR2');
  let counts: Record<string, number> | undefined;
  for (let tries = 0; tries < 100 && !counts; tries++) {
    try {
      counts = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const rows = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, count]) => sum + count, 0);
  console.log(`statements sent by the API, ${label}: ${(total / units).toFixed(2)} per unit (${total} over ${units})`);
  for (const [text, count] of rows) console.log(`  ${(count / units).toFixed(3)}  ${text}`);
  return result;
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}

class Client {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async post(route: string, body: unknown): Promise<{ status: number; body: { error?: { code: string } } }> {
    const response = await fetch(`${this.url}/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
  }

  async get(route: string): Promise<number> {
    const response = await fetch(`${this.url}/${route}`, { headers: { authorization: `Bearer ${this.token}` } });
    await response.arrayBuffer();
    return response.status;
  }

  async command(name: string, body: unknown): Promise<void> {
    const result = await this.post(`commands/${name}`, body);
    if (result.status !== 200) throw new Error(`${name} refused (${result.status}): ${JSON.stringify(result.body)}`);
  }
}

/** `requests` calls spread over `concurrency` loops; every call must succeed. */
async function load(
  concurrency: number,
  requests: number,
  call: (index: number) => Promise<void>,
): Promise<{ seconds: number; latency: LatencyRecorder }> {
  const latency = new LatencyRecorder();
  let next = 0;
  const seconds = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let index = next++; index < requests; index = next++) {
          const started = process.hrtime.bigint();
          await call(index);
          latency.record(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }),
    ),
  );
  return { seconds, latency };
}

/** The process's CPU between two readings, in whole µs per unit. */
function cpuPerUnit(before: number | undefined, after: number | undefined, units: number): number | undefined {
  return before === undefined || after === undefined || Number.isNaN(before)
    ? undefined
    : Math.round(((after - before) * 1e6) / units);
}

const as = (actor: Actor, at: string) => ({ actor, at });

/**
 * Commands over HTTP: RecordOnlineHours across many teachers, and EnrollTeacher racing for
 * one school's seats, each beside the same stack answering a no-op route in the same run.
 */
export async function httpCommandBenchmarks(database: BenchDatabase, rows: BenchRow[], scale: number): Promise<void> {
  const secret = randomBytes(32).toString('hex');
  if (process.env.BENCH_COUNT_STATEMENTS || process.env.BENCH_PROFILE_DIR)
    process.env.BENCH_COUNT_STATEMENTS_FILE = path.join(os.tmpdir(), `tip-bench-statements-${process.pid}.json`);
  const server = await startServer(await database.fresh(), secret);
  try {
    const client = new Client(server.url, await mintToken(secret, { sub: 'bench', role: 'system' }));
    const teachers = Math.max(20, Math.round(400 * scale));
    const province: Actor = { sub: 'p', role: 'province-admin', unitId: '320000' };
    const schoolAdmin = (schoolId: string): Actor => ({
      sub: `admin-${schoolId}`,
      role: 'school-admin',
      unitId: schoolId,
    });
    for (const unit of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320100', kind: 'city', name: '南京市', parentId: '320000' },
      { unitId: '320102', kind: 'county', name: '玄武区', parentId: '320100' },
      { unitId: 'S-HOURS', kind: 'school', name: '学时学校', parentId: '320102' },
      { unitId: 'S-ENROL', kind: 'school', name: '报名学校', parentId: '320102' },
    ]) {
      await client.command('RegisterOrgUnit', unit);
    }
    await client.command('LaunchProgramme', {
      programmeId: 'JS-2.0',
      name: '江苏省提升工程2.0',
      provinceId: '320000',
      rulebook: 'jiangsu-2.0',
      ...as(province, '2020-10-01T08:00:00+08:00'),
    });
    await client.command('ScheduleBatch', {
      programmeId: 'JS-2.0',
      batchId: 'JS-1',
      name: '第一批',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
      ...as(province, '2020-10-01T08:00:00+08:00'),
    });
    const seats = (from: string, to: string, count: number) =>
      client.command('AllocateQuota', { batchId: 'JS-1', periodId: '1', fromUnitId: from, toUnitId: to, seats: count });
    await seats('320000', '320100', teachers * 2);
    await seats('320100', '320102', teachers * 2);
    await seats('320102', 'S-HOURS', teachers);
    await seats('320102', 'S-ENROL', teachers);
    const teacherIds = (schoolId: string) => Array.from({ length: teachers }, (_, index) => `${schoolId}-T${index}`);
    for (const schoolId of ['S-HOURS', 'S-ENROL']) {
      for (const [index, teacherId] of teacherIds(schoolId).entries()) {
        const first17 = `3201021980${String((index % 12) + 1).padStart(2, '0')}15${String(index % 1000).padStart(3, '0')}`;
        await client.command('RegisterTeacher', {
          teacherId,
          schoolId,
          name: `教师${index}`,
          idNumber: first17 + idNumberCheckCharacter(first17),
          gender: index % 2 ? 'male' : 'female',
          stage: '小学',
          subject: index % 3 ? '语文' : '数学',
          fullTime: true,
          birthDate: `1980-${String((index % 12) + 1).padStart(2, '0')}-15`,
        });
      }
    }
    for (const teacherId of teacherIds('S-HOURS')) {
      await client.command('EnrollTeacher', {
        batchId: 'JS-1',
        periodId: '1',
        teacherId,
        ...as(schoolAdmin('S-HOURS'), '2020-11-02T09:00:00+08:00'),
      });
    }

    // BENCH_HTTP_CLIENTS: fewer clients give the small pages of a quiet machine (one append, one page).
    const concurrency = Number(process.env.BENCH_HTTP_CLIENTS ?? 32);
    const requests = Math.max(200, Math.round(4000 * scale));
    const hoursTeachers = teacherIds('S-HOURS');
    const hoursBody = (index: number) => ({
      batchId: 'JS-1',
      teacherId: hoursTeachers[index % hoursTeachers.length],
      recordId: `R-${index}`,
      courseId: 'C-A1',
      hours: 0.5,
      at: '2020-11-10T10:00:00+08:00',
    });
    const cpuBeforeNoop = processCpuSeconds(server.process.pid);
    const postgresBeforeNoop = database.postgresCpuSeconds();
    // Counted and profiled too: what the single command costs beyond it is the figure to explain.
    const noop = await countingStatements(server, 'no-op route, per call', requests, () =>
      load(concurrency, requests, async (index) => {
        const result = await client.post('bench/noop', hoursBody(index));
        if (result.status !== 200) throw new Error(`no-op refused: ${result.status}`);
      }),
    );
    const cpuNoop = cpuPerUnit(cpuBeforeNoop, processCpuSeconds(server.process.pid), requests);
    const postgresNoop = cpuPerUnit(postgresBeforeNoop, database.postgresCpuSeconds(), requests);
    const cpuBeforeHours = processCpuSeconds(server.process.pid);
    const postgresBeforeHours = database.postgresCpuSeconds();
    const hours = await countingStatements(server, 'single RecordOnlineHours, per command', requests, () =>
      load(concurrency, requests, (index) => client.command('RecordOnlineHours', hoursBody(index))),
    );
    const cpuHours = cpuPerUnit(cpuBeforeHours, processCpuSeconds(server.process.pid), requests);
    const postgresHours = cpuPerUnit(postgresBeforeHours, database.postgresCpuSeconds(), requests);
    rows.push({
      benchmark: `RecordOnlineHours over HTTP, ${hoursTeachers.length} teachers, ${concurrency} clients${
        cpuHours === undefined || cpuNoop === undefined
          ? ''
          : `, CPU a command: the API ${cpuHours} µs (no-op ${cpuNoop}), PostgreSQL ${postgresHours} µs (no-op ${postgresNoop})`
      }`,
      unit: 'commands/s',
      ours: requests / hours.seconds,
      baseline: requests / noop.seconds,
      baselineName: 'same stack, no-op route',
      p50Ms: hours.latency.percentile(50),
      p99Ms: hours.latency.percentile(99),
      baselineP99Ms: noop.latency.percentile(99),
    });

    // The hour feed: the same records in batches, beside the no-op route receiving the same batches.
    const feedBatch = 500;
    const feedBatches = Math.max(4, Math.round(40 * scale));
    const feedBody = (batch: number) => ({
      records: Array.from({ length: feedBatch }, (_, index) => ({
        ...hoursBody(requests + batch * feedBatch + index),
        recordId: `F-${batch}-${index}`,
      })),
    });
    const feedClients = 4;
    const noopFeed = await load(feedClients, feedBatches, async (batch) => {
      const result = await client.post('bench/noop', feedBody(batch));
      if (result.status !== 200) throw new Error(`no-op refused: ${result.status}`);
    });
    const cpuBefore = processCpuSeconds(server.process.pid);
    const postgresBefore = database.postgresCpuSeconds();
    let fedPosition = 0;
    const fed = await countingStatements(server, 'hour feed, per record', feedBatches * feedBatch, () =>
      load(feedClients, feedBatches, async (batch) => {
        const result = await client.post('feeds/online-hours', feedBody(batch));
        const answer = result.body as { accepted?: number; records?: { position?: number }[] };
        if (result.status !== 200 || answer.accepted !== feedBatch)
          throw new Error(
            `the hour feed did not accept the batch (${result.status}): ${JSON.stringify(result.body).slice(0, 500)}`,
          );
        for (const record of answer.records ?? []) fedPosition = Math.max(fedPosition, record.position ?? 0);
      }),
    );
    // The CPU a record includes projecting it: the read model applies the last pages after the
    // last answer (a page is a turn, up to thousands of records), so it is waited for first.
    for (let status = 0; status !== 200;) {
      status = await client.get(`views/batches/JS-1/progress?minPosition=${fedPosition}`);
      if (status !== 200 && status !== 503) throw new Error(`the batch's progress answered ${status}`);
    }
    const cpuAfter = processCpuSeconds(server.process.pid);
    const postgresPerRecord = cpuPerUnit(postgresBefore, database.postgresCpuSeconds(), feedBatches * feedBatch);
    const cpuPerRecord =
      (cpuBefore === undefined || cpuAfter === undefined
        ? ''
        : `, the API's CPU (its projections' included) ${Math.round(((cpuAfter - cpuBefore) * 1e6) / (feedBatches * feedBatch))} µs a record`) +
      (postgresPerRecord === undefined ? '' : `, PostgreSQL's ${postgresPerRecord} µs`);
    rows.push({
      benchmark: `hour feed (POST /api/feeds/online-hours), batches of ${feedBatch} records over ${hoursTeachers.length} teachers, ${feedClients} clients${cpuPerRecord} (target ≥ 20,000 records/s)`,
      unit: 'records/s',
      ours: (feedBatches * feedBatch) / fed.seconds,
      baseline: (feedBatches * feedBatch) / noopFeed.seconds,
      baselineName: 'same stack, no-op route, same batches',
      p50Ms: fed.latency.percentile(50),
      p99Ms: fed.latency.percentile(99),
      baselineP99Ms: noopFeed.latency.percentile(99),
    });

    const enrolTeachers = teacherIds('S-ENROL');
    const enrolBody = (index: number) => ({
      batchId: 'JS-1',
      periodId: '1',
      teacherId: enrolTeachers[index],
      ...as(schoolAdmin('S-ENROL'), '2020-11-02T09:00:00+08:00'),
    });
    const noopEnrol = await load(concurrency, enrolTeachers.length, async (index) => {
      const result = await client.post('bench/noop', enrolBody(index));
      if (result.status !== 200) throw new Error(`no-op refused: ${result.status}`);
    });
    const enrol = await load(concurrency, enrolTeachers.length, (index) =>
      client.command('EnrollTeacher', enrolBody(index)),
    );
    rows.push({
      benchmark: `EnrollTeacher over HTTP, ${enrolTeachers.length} teachers racing for one school's seats, ${concurrency} clients`,
      unit: 'commands/s',
      ours: enrolTeachers.length / enrol.seconds,
      baseline: enrolTeachers.length / noopEnrol.seconds,
      baselineName: 'same stack, no-op route',
      p50Ms: enrol.latency.percentile(50),
      p99Ms: enrol.latency.percentile(99),
      baselineP99Ms: noopEnrol.latency.percentile(99),
    });
  } finally {
    await stopServer(server);
  }
}
