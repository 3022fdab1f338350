import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, chmod, mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { EmbeddedPostgres, startEmbeddedPostgres } from '@tip/embedded-postgres';
import type { EventStore } from '@tip/event-store';

export interface BenchRow {
  benchmark: string;
  unit: string;
  ours: number;
  baseline: number;
  baselineName: string;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  baselineP99Ms?: number;
  /** Why there is no figure (ours and baseline are NaN): e.g. the data came from a cache. */
  notMeasured?: string;
}

export class LatencyRecorder {
  private readonly samples: number[] = [];
  record(milliseconds: number): void {
    this.samples.push(milliseconds);
  }
  get count(): number {
    return this.samples.length;
  }
  percentile(p: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  }
}

export async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Reads the whole log page by page, as a rebuild or a verify does; the number of events read. */
export async function readAllPages(store: EventStore, pageSize: number): Promise<number> {
  let read = 0;
  let from = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
    read += page.length;
    if (page.length < pageSize) return read;
    from = page[page.length - 1].position + 1;
  }
}

/** `action` called one after another, after three warm calls; each call's latency. */
export async function latencies(calls: number, action: () => Promise<unknown>): Promise<LatencyRecorder> {
  for (let warm = 0; warm < 3; warm++) await action();
  const recorder = new LatencyRecorder();
  for (let call = 0; call < calls; call++) {
    const started = process.hrtime.bigint();
    await action();
    recorder.record(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return recorder;
}

/** Linux's USER_HZ, in which /proc counts CPU time. */
const CLOCK_TICKS = 100;

/**
 * A process's /proc/<pid>/stat after "pid (comm) ": state ppid … utime (11) stime (12) cutime (13)
 * cstime (14), in clock ticks; undefined when it is gone or not on Linux.
 */
function procStatFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far, its own (utime and stime); undefined where /proc cannot say. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  const fields = pid === undefined ? undefined : procStatFields(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One PostgreSQL server for the whole run (embedded unless TIP_BENCH_DATABASE_URL is set), a fresh database per benchmark. */
export class BenchDatabase {
  private constructor(
    private readonly adminUrl: string,
    private readonly cleanup: () => Promise<void>,
    /** The embedded server's cluster (its postmaster.pid), for its CPU; none for an external server. */
    private readonly clusterDir?: string,
  ) {}

  static async start(): Promise<BenchDatabase> {
    const external = process.env.TIP_BENCH_DATABASE_URL;
    if (external) return new BenchDatabase(external, async () => undefined);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tip-bench-'));
    await chmod(dir, 0o755);
    const server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: dir });
    return new BenchDatabase(
      server.connectionString('postgres'),
      async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
      server.clusterDir,
    );
  }

  async fresh(): Promise<string> {
    const name = `tip_bench_${randomBytes(4).toString('hex')}`;
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    await client.query(`create database ${name}`);
    await client.end();
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /**
   * CPU seconds the embedded PostgreSQL has used so far (Linux /proc: its postmaster, the
   * backends running, and those that have exited, which the postmaster has waited for); NaN for
   * an external server or elsewhere. The difference over a step, per event, says which side of
   * the connection a figure is spent on.
   */
  postgresCpuSeconds(): number {
    if (!this.clusterDir) return NaN;
    try {
      const postmaster = readFileSync(path.join(this.clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0].trim();
      let ticks = 0;
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const fields = procStatFields(pid);
        if (!fields) continue; // exited meanwhile
        if (pid === postmaster)
          ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
        else if (fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
      }
      return ticks / CLOCK_TICKS;
    } catch {
      return NaN;
    }
  }

  stop(): Promise<void> {
    return this.cleanup();
  }
}

const number = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));

export function formatTable(rows: BenchRow[]): string {
  const header = [
    'benchmark',
    'ours',
    'baseline',
    'ratio',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'baseline p99 ms',
    'baseline is',
  ];
  const lines = rows.map((row) =>
    row.notMeasured !== undefined
      ? [row.benchmark, row.notMeasured, '', '', '', '', '', '', row.baselineName]
      : [
          row.benchmark,
          `${number(row.ours)} ${row.unit}`,
          `${number(row.baseline)} ${row.unit}`,
          `${(row.ours / row.baseline).toFixed(2)}×`,
          row.p50Ms === undefined ? '' : row.p50Ms.toFixed(2),
          row.p95Ms === undefined ? '' : row.p95Ms.toFixed(2),
          row.p99Ms === undefined ? '' : row.p99Ms.toFixed(2),
          row.baselineP99Ms === undefined ? '' : row.baselineP99Ms.toFixed(2),
          row.baselineName,
        ],
  );
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
}

export async function writeResults(rows: BenchRow[]): Promise<string> {
  const dir = path.join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    JSON.stringify(
      {
        when: new Date().toISOString(),
        cpus: os.cpus().length,
        node: process.version,
        rows: rows.map((row) => ({ ...row, ratio: row.ours / row.baseline })),
      },
      null,
      2,
    ),
  );
  return file;
}
