import {
  Admin,
  Consumer,
  IHeaders,
  Kafka,
  logLevel,
  LogEntry,
  PartitionMetadata,
  Partitioners,
  Producer,
} from 'kafkajs';
import { EventStoreLogger } from '@tip/event-store';
import {
  ConsumerOptions,
  IncomingMessage,
  MessageBroker,
  MessageConsumer,
  MessageProducer,
  OutgoingMessage,
  PartitionLag,
} from '../port/message-broker';
import { stopIdleRequestChecks } from './request-queue-timer';

stopIdleRequestChecks();

export interface KafkaJsOptions {
  brokers: string[];
  clientId?: string;
  /** Where kafkajs's own warnings go (a rebalance is logged as an error there, but is routine); the console when unset. */
  logger?: EventStoreLogger;
  /** How consumers fetch; kafkajs's defaults (answer at the first byte, wait up to 5 s) when unset. */
  fetch?: FetchSettings;
}

/**
 * A consumer's fetch is answered once `minBytes` wait across its partitions or after
 * `maxWaitMs`: a few milliseconds more per fetch, but fewer and larger batches — each batch of a
 * partition is a transaction in every read model's worker.
 */
export interface FetchSettings {
  minBytes: number;
  maxWaitMs: number;
}

/** The kafkajs adapter of MessageBroker. */
export class KafkaJsBroker implements MessageBroker {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly logger: EventStoreLogger | undefined;
  private readonly closers = new Set<() => Promise<void>>();
  private readonly fetch: FetchSettings | undefined;
  /** The producer's own partitioner (murmur2 of the key, as Java's client): asked, not copied. */
  private readonly keyPartitioner = Partitioners.DefaultPartitioner();
  private readonly partitionLists = new Map<number, PartitionMetadata[]>();

  constructor(options: KafkaJsOptions) {
    this.logger = options.logger;
    this.fetch = options.fetch;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'tip',
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      ...(options.logger ? { logCreator: () => routeTo(options.logger as EventStoreLogger) } : {}),
      // Ride out a broker restart: retries with backoff up to about half a minute.
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 12 },
    });
  }

  async producer(): Promise<MessageProducer> {
    // One request in flight keeps a key's messages in order across retries; idempotence keeps retries from duplicating.
    const producer: Producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // An idempotent producer must not give up on its own (kafkajs warns it would break the guarantee).
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
    });
    await producer.connect();
    const close = () => producer.disconnect();
    this.closers.add(close);
    return {
      send: async (topic, messages) => {
        if (messages.length === 0) return;
        await producer.send({ topic, acks: -1, messages: messages.map(toKafkaMessage) });
      },
      close: async () => {
        this.closers.delete(close);
        await close();
      },
    };
  }

  async consume(options: ConsumerOptions): Promise<MessageConsumer> {
    let current: Consumer | undefined;
    let offsets: OffsetCommits | undefined;
    let stopped = false;
    let restartTimer: NodeJS.Timeout | undefined;
    const start = async (): Promise<void> => {
      const consumer = this.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        allowAutoTopicCreation: false,
        ...(this.fetch ? { minBytes: this.fetch.minBytes, maxWaitTimeInMs: this.fetch.maxWaitMs } : {}),
      });
      current = consumer;
      offsets = new OffsetCommits(consumer, options.groupId, this.logger);
      // kafkajs restarts a crashed consumer only for its own retriable errors; ours (a handler that
      // failed, a database away) would leave the group for good. This one always comes back.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || stopped) return;
        this.logger?.error('Kafka consumer crashed; starting it again in 2 s', {
          groupId: options.groupId,
          error: String(payload.error),
        });
        restartTimer = setTimeout(
          () =>
            void start().catch((error: unknown) =>
              this.logger?.error('Kafka consumer did not start', { groupId: options.groupId, error: String(error) }),
            ),
          2_000,
        );
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 4,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          const messages: IncomingMessage[] = batch.messages.map((message) => {
            let value: string | undefined;
            return {
              offset: Number(message.offset),
              key: message.key ? message.key.toString('utf8') : null,
              // Decoded when read: a consumer that passes a message over by its headers never pays for it.
              get value() {
                return (value ??= message.value ? message.value.toString('utf8') : '');
              },
              headers: fromKafkaHeaders(message.headers),
            };
          });
          await options.handle({ topic: batch.topic, partition: batch.partition, messages, heartbeat });
          // Only once handled: a crash before the commit redelivers, and the handler sees it has the batch already.
          const last = batch.messages[batch.messages.length - 1].offset;
          resolveOffset(last);
          offsets?.handled(batch.topic, batch.partition, Number(last) + 1);
          await heartbeat();
        },
      });
    };
    if (options.startOffsets) await this.seedOffsets(options.groupId, options.topic, await options.startOffsets());
    await start();
    const stop = async () => {
      stopped = true;
      clearTimeout(restartTimer);
      // Offsets not committed are only delivered again: a broker away does not hold the stop up for long.
      await Promise.race([offsets?.flush(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await current?.disconnect();
    };
    this.closers.add(stop);
    return {
      stop: async () => {
        this.closers.delete(stop);
        await stop();
      },
    };
  }

  partitionOf(key: string, partitions: number): number {
    // Only the metadata's length counts for a keyed message: one list per topic size, not one per event.
    let partitionMetadata = this.partitionLists.get(partitions);
    if (!partitionMetadata) {
      partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
      this.partitionLists.set(partitions, partitionMetadata);
    }
    return this.keyPartitioner({ topic: '', partitionMetadata, message: { key, value: null } });
  }

  async ensureTopic(topic: string, partitions: number): Promise<number> {
    const admin = await this.adminClient();
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }],
        waitForLeaders: true,
      });
    }
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return metadata.partitions.length;
  }

  /** The start offsets committed for the group's partitions that have none (see ConsumerOptions.startOffsets). */
  private async seedOffsets(groupId: string, topic: string, starts: ReadonlyMap<number, number>): Promise<void> {
    if (starts.size === 0) return;
    const admin = await this.adminClient();
    const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
    // kafkajs answers -1 for a partition the group has not committed on.
    const partitions = (group?.partitions ?? [])
      .filter(({ partition, offset }) => Number(offset) < 0 && starts.has(partition))
      .map(({ partition }) => ({ partition, offset: String(starts.get(partition)) }));
    if (partitions.length === 0) return;
    try {
      await admin.setOffsets({ groupId, topic, partitions });
      this.logger?.info('Kafka consumer group starts where its consumers stand', { groupId, topic, partitions });
    } catch (error) {
      // Another member joined first (a group must be empty to be given offsets) and seeded it, or
      // it starts at the beginning and passes over what was applied: slower, never wrong.
      this.logger?.warn('Kafka consumer group not given its start offsets', { groupId, error: String(error) });
    }
  }

  async consumerLag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const admin = await this.adminClient();
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    // kafkajs answers -1 for a partition the group has not committed on.
    const committed = new Map(
      (groups.find((group) => group.topic === topic)?.partitions ?? [])
        .map(({ partition, offset }) => [partition, Number(offset)] as const)
        .filter(([, offset]) => offset >= 0),
    );
    return ends
      .map(({ partition, high, low }) => {
        const end = Number(high);
        const at = committed.get(partition);
        return { partition, end, committed: at ?? null, lag: Math.max(0, end - (at ?? Number(low))) };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.closers].map((close) => close()));
    this.closers.clear();
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}

/** How long a handled batch's offset may wait to be committed with others. */
const COMMIT_EVERY_MS = 200;

/**
 * Commits handled offsets at most every COMMIT_EVERY_MS, not once per batch: a broker round trip
 * less per batch. The consumers' handlers keep what they applied (read models: the partition's
 * offset, in the same transaction as the rows), so offsets handled but not yet committed when a
 * worker dies are delivered again and filtered out; only the broker's lag figure trails.
 */
class OffsetCommits {
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly groupId: string,
    private readonly logger: EventStoreLogger | undefined,
  ) {}

  handled(topic: string, partition: number, next: number): void {
    this.pending.set(`${topic}:${partition}`, { topic, partition, offset: String(next) });
    this.timer ??= setTimeout(() => void this.flush(), COMMIT_EVERY_MS);
  }

  /** Commits what is pending now; a failure (a rebalance under way) is logged, and the batches come again. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    if (offsets.length === 0) return this.committing;
    this.committing = this.committing
      .then(() => this.consumer.commitOffsets(offsets))
      .catch((error: unknown) =>
        this.logger?.warn('Kafka offsets not committed; their messages will be delivered again', {
          groupId: this.groupId,
          error: String(error),
        }),
      );
    return this.committing;
  }
}

function routeTo(logger: EventStoreLogger) {
  return ({ namespace, label, log }: LogEntry) => {
    const { message, ...details } = log;
    logger.warn(`kafkajs${namespace ? ` ${namespace}` : ''}: ${message}`, { ...details, kafkaLevel: label });
  };
}

function toKafkaMessage(message: OutgoingMessage) {
  return {
    key: message.key,
    value: message.value,
    headers: message.headers,
    ...(message.partition === undefined ? {} : { partition: message.partition }),
  };
}

function fromKafkaHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}
