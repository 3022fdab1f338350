import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  checkJava,
  ensureKafkaDistribution,
  javaCommand,
  KafkaDistribution,
  lastLines,
  run,
  sleep,
} from './kafka-distribution';

export interface KafkaBrokerOptions {
  /** Default: ensureKafkaDistribution() (fetches the jars the first time). */
  readonly distribution?: KafkaDistribution;
  /** How long a start may take before it fails with the broker's last log lines; default 60 s. */
  readonly startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 15 s. */
  readonly stopTimeoutMs?: number;
  /** Extra or overriding server.properties entries. */
  readonly properties?: Readonly<Record<string, string | number | boolean>>;
  /** The JVM's heap, GC and compiler flags instead of JVM_OPTIONS (benchmarks: throughput over start-up). */
  readonly jvmOptions?: readonly string[];
}

export interface KafkaStopOptions {
  /** Keep the data (and the ports) so that start() brings the same broker back. Default false. */
  readonly keepData?: boolean;
}

/** A single-node KRaft Kafka (broker and controller in one JVM) on loopback, for tests. */
export interface KafkaBroker {
  /** `127.0.0.1:<port>`, the bootstrap address for clients. */
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  /** Temporary directory holding server.properties, the data and broker.log. */
  readonly dir: string;
  /** The broker's data directory (Kafka's `log.dirs`). */
  readonly logDir: string;
  /** The broker's own output (Log4j at INFO). */
  readonly logFile: string;
  /** The JVM's pid while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** How long the last start took, from spawning the JVM until a client could list topics. */
  readonly lastStartMs: number;
  /**
   * SIGTERM, then SIGKILL after stopTimeoutMs. Without keepData the directory is removed and the
   * broker cannot be started again.
   */
  stop(options?: KafkaStopOptions): Promise<void>;
  /** Starts a broker stopped with keepData again, on the same ports and data, so clients reconnect. */
  start(): Promise<void>;
  /** stop({ keepData: true }) then start(). */
  restart(): Promise<void>;
  /** The last lines of the broker's log. */
  logTail(lines?: number): string;
}

export class KafkaBrokerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The port was taken between picking it and the broker binding it. */
class PortTakenError extends KafkaBrokerStartError {}

const BROKER_LISTENER = 'PLAINTEXT';
const CONTROLLER_LISTENER = 'CONTROLLER';

/** JVM settings: small heap, and start-up speed over peak throughput (tests run on 2 cores). */
const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-UsePerfData',
  '-Djava.awt.headless=true',
];

const LOG4J2_PROPERTIES = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.state.name = state.change.logger
logger.state.level = warn
`;

export interface ServerPropertiesInput {
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly properties?: Readonly<Record<string, string | number | boolean>>;
}

/** server.properties for a single-node KRaft broker+controller listening on 127.0.0.1 only. */
export function kafkaServerProperties(input: ServerPropertiesInput): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${input.controllerPort}`,
    listeners: `${BROKER_LISTENER}://127.0.0.1:${input.port},${CONTROLLER_LISTENER}://127.0.0.1:${input.controllerPort}`,
    'advertised.listeners': `${BROKER_LISTENER}://127.0.0.1:${input.port}`,
    'listener.security.protocol.map': `${BROKER_LISTENER}:PLAINTEXT,${CONTROLLER_LISTENER}:PLAINTEXT`,
    'inter.broker.listener.name': BROKER_LISTENER,
    'controller.listener.names': CONTROLLER_LISTENER,
    'log.dirs': input.dataDir,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 5,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'num.partitions': 1,
    // TIP creates its topics itself; a typo must not create one.
    'auto.create.topics.enable': false,
    'group.initial.rebalance.delay.ms': 0,
    // Few threads and small buffers: it is a test broker on a 2-core machine.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'num.replica.fetchers': 1,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
    'log.segment.bytes': 64 * 1024 * 1024,
    ...input.properties,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

/** A Kafka cluster id: 16 random bytes, base64url (Kafka avoids ids starting with '-'). */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Starts a Kafka broker in a child JVM on free loopback ports and resolves once a client can list
 * topics. The JVM dies with this process: stop() ends it, and a watchdog ends it (and removes its
 * directory) when this process is gone without stopping it, even after SIGKILL.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  await checkJava();
  const distribution = options.distribution ?? (await ensureKafkaDistribution());
  for (let attempt = 1; ; attempt += 1) {
    const dir = await mkdtemp(path.join(tmpdir(), 'tip-test-kafka-'));
    const [port, controllerPort] = await freePorts(2);
    const broker = new LocalKafkaBroker(distribution, dir, port, controllerPort, options);
    try {
      await broker.format();
      await broker.start();
      return broker;
    } catch (error) {
      await broker.stop().catch(() => undefined);
      if (error instanceof PortTakenError && attempt < 3) continue;
      throw error;
    }
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

class LocalKafkaBroker implements KafkaBroker {
  readonly brokers: string;
  readonly logDir: string;
  readonly logFile: string;
  private readonly propertiesFile: string;
  private readonly log4jFile: string;
  private child: ChildProcess | undefined;
  private exit: Promise<Exit> | undefined;
  private exited: Exit | undefined;
  private removed = false;
  lastStartMs = 0;

  constructor(
    private readonly distribution: KafkaDistribution,
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly options: KafkaBrokerOptions,
  ) {
    this.brokers = `127.0.0.1:${port}`;
    this.logDir = path.join(dir, 'data');
    this.logFile = path.join(dir, 'broker.log');
    this.propertiesFile = path.join(dir, 'server.properties');
    this.log4jFile = path.join(dir, 'log4j2.properties');
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exited === undefined;
  }

  /** Writes the configuration and formats the (empty) data directory for a new cluster. */
  async format(): Promise<void> {
    const properties = kafkaServerProperties({
      port: this.port,
      controllerPort: this.controllerPort,
      dataDir: this.logDir,
      properties: this.options.properties,
    });
    await writeFile(this.propertiesFile, properties);
    await writeFile(this.log4jFile, LOG4J2_PROPERTIES);
    const args = [
      ...this.jvmOptions(['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData']),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      randomClusterId(),
      '--config',
      this.propertiesFile,
    ];
    const result = await run(javaCommand(), args, { timeoutMs: 60_000 });
    await appendFile(this.logFile, result.output);
    if (result.code !== 0) {
      throw new KafkaBrokerStartError(
        `formatting the Kafka data directory failed (${result.timedOut ? 'timed out' : `exit ${result.code}`}):\n` +
          lastLines(result.output, 30),
      );
    }
  }

  async start(): Promise<void> {
    if (this.removed) throw new Error(`the Kafka broker on ${this.brokers} was stopped without keepData and is gone`);
    if (this.running) return;
    const started = Date.now();
    const out = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        javaCommand(),
        [...this.jvmOptions(this.options.jvmOptions ?? JVM_OPTIONS), 'kafka.Kafka', this.propertiesFile],
        {
          stdio: ['ignore', out, out],
          env: process.env,
        },
      );
    } finally {
      closeSync(out);
    }
    this.child = child;
    this.exited = undefined;
    this.exit = new Promise<Exit>((resolve) => {
      const done = (exit: Exit): void => {
        if (this.child === child) this.exited = exit;
        running.delete(this);
        resolve(exit);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', () => done({ code: null, signal: null }));
    });
    if (child.pid !== undefined) {
      running.add(this);
      watchOverParent(child.pid, this.dir);
    }
    try {
      await this.waitUntilReady(started + (this.options.startTimeoutMs ?? 60_000));
    } catch (error) {
      // A broker that did not come up must not linger; its data stays for a look (or another start()).
      await this.stop({ keepData: true });
      throw error;
    }
    this.lastStartMs = Date.now() - started;
  }

  async stop(options: KafkaStopOptions = {}): Promise<void> {
    const child = this.child;
    const exit = this.exit;
    if (child && exit && this.running) {
      child.kill('SIGTERM');
      const timeout = this.options.stopTimeoutMs ?? 15_000;
      const killer = setTimeout(() => child.kill('SIGKILL'), timeout);
      try {
        await exit;
      } finally {
        clearTimeout(killer);
      }
    }
    if (!options.keepData && !this.removed) {
      this.removed = true;
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  async restart(): Promise<void> {
    await this.stop({ keepData: true });
    await this.start();
  }

  logTail(lines = 40): string {
    try {
      return lastLines(readFileSync(this.logFile, 'utf8'), lines);
    } catch {
      return '(no log)';
    }
  }

  private jvmOptions(memory: readonly string[]): string[] {
    return [...memory, `-Dlog4j2.configurationFile=${this.log4jFile}`, '-cp', this.distribution.classpath];
  }

  private async waitUntilReady(deadline: number): Promise<void> {
    for (;;) {
      if (this.exited) {
        const tail = this.logTail();
        const message =
          `the Kafka broker (${this.distribution.version}, ${this.brokers}) exited during start-up ` +
          `(code ${this.exited.code}, signal ${this.exited.signal}); last lines of ${this.logFile}:\n${tail}`;
        throw /BindException|Address already in use/.test(tail)
          ? new PortTakenError(message)
          : new KafkaBrokerStartError(message);
      }
      if (Date.now() > deadline) {
        const seconds = (this.options.startTimeoutMs ?? 60_000) / 1000;
        throw new KafkaBrokerStartError(
          `the Kafka broker (${this.distribution.version}, ${this.brokers}) was not ready within ${seconds} s; ` +
            `last lines of ${this.logFile}:\n${this.logTail()}`,
        );
      }
      if ((await portAccepts(this.port)) && (await listsTopics(this.brokers))) return;
      await sleep(200);
    }
  }
}

/** Brokers this process started and has not stopped: ended when it exits. */
const running = new Set<LocalKafkaBroker>();
let exitHookInstalled = false;

/**
 * Stops the JVM when this process goes away without stop(): on a normal exit at once, and after
 * any death (SIGKILL included) through a detached watchdog that polls for this process, then
 * SIGTERMs the JVM, SIGKILLs it 15 s later if need be and removes its directory. The watchdog
 * ends when the JVM does (removing the directory too if this process is gone by then).
 */
export function watchOverParent(pid: number, dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const broker of running) {
        const brokerPid = broker.pid;
        if (brokerPid !== undefined) signal(brokerPid, 'SIGTERM');
      }
    });
  }
  const script = `
parent=$1; child=$2; dir=$3
while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$parent" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    i=0
    while kill -0 "$child" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
    kill -KILL "$child" 2>/dev/null
    break
  fi
  sleep 1
done
# The JVM is gone. When its parent is gone too (Ctrl-C ends both), nobody else removes the directory.
sleep 1
kill -0 "$parent" 2>/dev/null || rm -rf "$dir"`;
  spawn('/bin/sh', ['-c', script, 'tip-kafka-watchdog', String(process.pid), String(pid), dir], {
    detached: true,
    stdio: 'ignore',
  }).unref();
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Distinct free TCP ports on 127.0.0.1 (held together while picking, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (address && typeof address === 'object') resolve(address.port);
            else reject(new Error('no port'));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

async function listsTopics(brokers: string): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'tip-test-kafka-ready',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
