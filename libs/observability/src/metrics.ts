import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStoreObserver } from '@tip/event-store';
import { inSpan, tracingEnabled } from './tracing';

/** What a pg Pool shows of itself (pg's Pool, or TypeORM's driver pool underneath). */
export interface PoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options?: { max?: number };
}

/** Seconds: from a sub-millisecond append to a command that waited on contention. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 10_000];

let processRegistry: Registry | undefined;

/**
 * Node's own figures (memory, event-loop delay, GC, handles), once per process however many
 * TIP instances it runs (tests start several): each collector samples the whole process.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

/**
 * The metrics of one TIP process (API, relay or projector worker), in Prometheus's text format.
 * Counters and histograms are fed as work happens; gauges of state (positions, pools) are read
 * when scraped, by the collectors the process registers.
 */
export class TipMetrics {
  readonly registry = new Registry();
  private readonly collectors: (() => Promise<void> | void)[] = [];

  readonly commands = new Counter({
    name: 'tip_commands_total',
    help: 'Commands handled, by command and outcome (ok, or the error code answered)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly commandSeconds = new Histogram({
    name: 'tip_command_duration_seconds',
    help: 'Time to handle a command, from the bus to its answer',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly appendSeconds = new Histogram({
    name: 'tip_append_duration_seconds',
    help: "One caller's append to the event store, from the call to its result (waiting for group commit included)",
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly appendEvents = new Histogram({
    name: 'tip_append_events',
    help: "Events in one caller's append",
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly transactionSeconds = new Histogram({
    name: 'tip_append_transaction_duration_seconds',
    help: 'One append transaction (group commit), from sending it to its commit',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly transactionAppends = new Histogram({
    name: 'tip_append_transaction_appends',
    help: "Callers' appends committed together in one transaction (group commit batch size)",
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly transactionEvents = new Histogram({
    name: 'tip_append_transaction_events',
    help: 'Events committed in one append transaction',
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });

  /** What the event store is told to report to. */
  readonly eventStoreObserver: EventStoreObserver = {
    // With tracing on, each append is a span of its own under the command's.
    ...(tracingEnabled()
      ? { appending: <T>(events: number, work: () => Promise<T>) => inSpan('append', { 'tip.events': events }, work) }
      : {}),
    appended: ({ events, seconds, outcome }) => {
      this.appendSeconds.observe({ outcome }, seconds);
      this.appendEvents.observe(events);
    },
    committed: ({ appends, events, seconds }) => {
      this.transactionSeconds.observe(seconds);
      this.transactionAppends.observe(appends);
      this.transactionEvents.observe(events);
    },
  };

  private readonly pools = new Map<string, PoolLike>();

  constructor() {
    const pools = this.pools;
    new Gauge({
      name: 'tip_db_pool_connections',
      help: 'Database connections of each pool: open (total), idle, and callers waiting for one',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [name, pool] of pools) {
          this.set({ pool: name, state: 'total' }, pool.totalCount);
          this.set({ pool: name, state: 'idle' }, pool.idleCount);
          this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
        }
      },
    });
    new Gauge({
      name: 'tip_db_pool_max_connections',
      help: 'The most connections each pool opens',
      labelNames: ['pool'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [name, pool] of pools) if (pool.options?.max) this.set({ pool: name }, pool.options.max);
      },
    });
  }

  /** Times a command and counts it under the outcome `outcomeOf` names for its error. */
  async timeCommand<T>(command: string, run: () => Promise<T>, outcomeOf: (error: unknown) => string): Promise<T> {
    const started = process.hrtime.bigint();
    const done = (outcome: string) => {
      this.commands.inc({ command, outcome });
      this.commandSeconds.observe({ command, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    try {
      const result = await run();
      done('ok');
      return result;
    } catch (error) {
      done(outcomeOf(error));
      throw error;
    }
  }

  /** Reports a connection pool's use under `name`. */
  observePool(name: string, pool: PoolLike | undefined): void {
    if (pool) this.pools.set(name, pool);
  }

  /**
   * Gauges read from the system when scraped, several in one go (one query serves many):
   * `read` returns each gauge's samples by its name. When it fails (the database is down) the
   * gauges are left empty rather than stale.
   */
  gauges<L extends string>(
    definitions: { name: string; help: string }[],
    labelNames: readonly L[],
    read: () => Promise<Record<string, { labels: Partial<Record<L, string>>; value: number }[]>>,
  ): void {
    const gauges = definitions.map(
      (definition) => [definition.name, new Gauge({ ...definition, labelNames, registers: [this.registry] })] as const,
    );
    this.collectors.push(async () => {
      let samples: Record<string, { labels: Partial<Record<L, string>>; value: number }[]>;
      try {
        samples = await read();
      } catch {
        samples = {};
      }
      for (const [name, gauge] of gauges) {
        gauge.reset();
        for (const sample of samples[name] ?? []) gauge.set(sample.labels, sample.value);
      }
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Everything in Prometheus's text format: this process's TIP metrics, then Node's. */
  async text(): Promise<string> {
    await Promise.all(this.collectors.map((collect) => collect()));
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }
}
