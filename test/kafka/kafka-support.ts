import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { CommandGateway } from '@tip/application';
import { createPostgresEventStore, EventStore, EventStoreLogger, NewEvent, PostgresEventStore } from '@tip/event-store';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { EventRelay, KafkaJsBroker, MessageBroker } from '@tip/messaging';
import { liveSchemaOf, READ_MODELS, ReadModel, ReadModelHost, readModelsGroup } from '@tip/projections';
import { Snapshot, snapshotSchema } from '../read-models/support/read-model-snapshot';
import { commandPipelineOver } from '../read-models/support/training-scenario';

export const PARTITIONS = 4;

export const uniqueTopic = () => `tip-test-${randomBytes(4).toString('hex')}`;

/** An event no read model handles, for tests of what the relay sends. */
export const hoursRecorded = (): NewEvent => {
  const commandId = randomUUID();
  return {
    type: 'HoursRecorded',
    data: {},
    metadata: {
      eventId: randomUUID(),
      businessTime: '2021-01-04T02:00:00.000Z',
      actor: { sub: 'admin-1', role: 'school-admin', unitId: '320703001' },
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
};

/** Warnings and errors kept for the test to look at; nothing printed unless it fails. */
export function collectingLogger(into: string[]): EventStoreLogger {
  return {
    info: () => undefined,
    warn: (message, context) => into.push(`warn: ${message} ${JSON.stringify(context ?? {})}`),
    error: (message, context) => into.push(`error: ${message} ${JSON.stringify(context ?? {})}`),
  };
}

/** A projector worker in this process: its own Kafka client, one consumer group member per read model. */
export async function startWorker(
  databaseUrl: string,
  brokers: string,
  topic: string,
  logger: EventStoreLogger,
): Promise<{ host: ReadModelHost; broker: MessageBroker; stop(): Promise<void> }> {
  const broker = new KafkaJsBroker({ brokers: [brokers], clientId: 'tip-test-worker', logger });
  const host = await ReadModelHost.open(databaseUrl, undefined, READ_MODELS, {
    runProjectors: false,
    kafka: { topic, partitions: PARTITIONS, broker },
    logger,
  });
  return {
    host,
    broker,
    stop: async () => {
      await host.close();
      await broker.close();
    },
  };
}

const root = path.resolve(__dirname, '../..');

/** Where the read models stand on each partition: the offset after the lowest any of them applied. */
export async function nextOffsets(viewsUrl: string, topic: string): Promise<Map<number, number>> {
  const client = new Client({ connectionString: viewsUrl });
  await client.connect();
  try {
    const next = new Map<number, number>();
    for (const readModel of READ_MODELS)
      for (const [partition, offset] of await appliedOffsets(client, readModel, topic))
        next.set(partition, Math.min(next.get(partition) ?? Infinity, offset + 1));
    return next;
  } finally {
    await client.end();
  }
}

/** A projector worker as operators run it: its own process (apps/projector). */
export function spawnWorker(
  databaseUrl: string,
  brokers: string,
  topic: string,
  environment: Record<string, string> = {},
): ChildProcess {
  const child = spawn(process.execPath, ['-r', './scripts/register.js', 'apps/projector/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: brokers,
      TIP_KAFKA_TOPIC: topic,
      TIP_KAFKA_PARTITIONS: String(PARTITIONS),
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its log, to read when a test here fails.
  const log = createWriteStream(path.join(tmpdir(), `tip-projector-${child.pid}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

/** Waits until every read model a host reads has reached the store's head. */
export async function converged(host: ReadModelHost, store: EventStore, timeoutMs = 90_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const head = (await store.stats()).headPosition;
  for (;;) {
    const positions = await Promise.all(READ_MODELS.map((readModel) => host.position(readModel)));
    if (positions.every((position) => position >= head)) return head;
    if (Date.now() > deadline)
      throw new Error(`Read models at ${positions.join(', ')} after ${timeoutMs} ms, not at the head ${head}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every read model's tables, but what says how each copy was fed: the global checkpoint of the
 * in-process projectors, the Kafka partitions' offsets of the workers.
 */
export async function viewsOf(databaseUrl: string): Promise<Snapshot> {
  const all: Snapshot = {};
  for (const readModel of READ_MODELS) {
    const snapshot = await snapshotSchema(databaseUrl, liveSchemaOf(readModel));
    for (const [table, rows] of Object.entries(snapshot)) {
      if (table !== 'projection_checkpoint' && table !== 'kafka_partitions')
        all[`${readModel.projection.name}.${table}`] = rows;
    }
  }
  return all;
}

/** Waits until the read models' consumer group has this many members, settled. */
export async function groupsStable(
  brokers: string,
  members: number,
  timeoutMs = 60_000,
  groupPrefix = 'tip-read-model-',
): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups([
        readModelsGroup(
          READ_MODELS.map((readModel) => readModel.projection.name),
          groupPrefix,
        ),
      ]);
      if (groups.every((group) => group.state === 'Stable' && group.members.length === members)) return;
      if (Date.now() > deadline)
        throw new Error(
          `consumer groups not settled: ${groups.map((group) => `${group.groupId} ${group.state} ${group.members.length}`).join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * One history, built two ways: commands into an event store whose in-process projectors build
 * the views there, and a relay publishing it to a topic, for workers to build views in a second
 * database. Tests add the workers.
 */
export interface TwoWays {
  events: TestDatabase;
  kafkaViews: TestDatabase;
  store: PostgresEventStore;
  pipeline: CommandGateway;
  inProcess: ReadModelHost;
  readonly relay: EventRelay;
  topic: string;
  /** As if the relay crashed after publishing but before its checkpoint: it publishes again from `position`. */
  republishFrom(position: number): Promise<void>;
  close(): Promise<void>;
}

export async function twoWays(brokers: string, logger: EventStoreLogger): Promise<TwoWays> {
  const topic = uniqueTopic();
  const [events, kafkaViews] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  const store = await createPostgresEventStore({ connectionString: events.url, pollIntervalMs: 200 });
  const { pipeline, close: closePipeline } = await commandPipelineOver(events.url, store);
  const inProcess = await ReadModelHost.open(events.url, store, READ_MODELS, { runProjectors: true, logger });
  const relayBroker = new KafkaJsBroker({ brokers: [brokers], clientId: 'tip-test-relay', logger });
  let relay = await EventRelay.start(store, relayBroker, { topic, partitions: PARTITIONS, logger });
  return {
    events,
    kafkaViews,
    store,
    pipeline,
    inProcess,
    get relay() {
      return relay;
    },
    topic,
    republishFrom: async (position) => {
      await relay.stop();
      const client = new Client({ connectionString: events.url });
      await client.connect();
      await client.query(`update tip_subscription_checkpoints set position = $1 where name = 'kafka-relay'`, [
        position,
      ]);
      await client.end();
      relay = await EventRelay.start(store, relayBroker, { topic, partitions: PARTITIONS, logger });
    },
    close: async () => {
      await relay.stop();
      await relayBroker.close();
      await inProcess.close();
      await closePipeline();
      await store.close();
      await Promise.all([events.drop(), kafkaViews.drop()]);
    },
  };
}

/** The last offset a read model applied, by partition of the topic (those it has a row for). */
async function appliedOffsets(client: Client, readModel: ReadModel, topic: string): Promise<Map<number, number>> {
  const { rows } = await client.query<{ partition: number; applied_offset: string }>(
    `select partition, applied_offset from "${liveSchemaOf(readModel)}".kafka_partitions where topic = $1`,
    [topic],
  );
  return new Map(rows.map((row) => [row.partition, Number(row.applied_offset)]));
}

/** Waits until the workers have been through every message of the topic, each read model on every partition. */
export async function consumedToEnd(
  brokers: string,
  topic: string,
  viewsUrl: string,
  timeoutMs = 90_000,
): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const client = new Client({ connectionString: viewsUrl });
  await client.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind: string[] = [];
      for (const readModel of READ_MODELS) {
        const offsets = await appliedOffsets(client, readModel, topic);
        for (const { partition, high } of ends) {
          const applied = offsets.get(partition) ?? -1;
          if (applied < Number(high) - 1)
            behind.push(`${readModel.projection.name}/${partition}: ${applied} of ${Number(high) - 1}`);
        }
      }
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`workers still behind: ${behind.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.end();
    await admin.disconnect();
  }
}
