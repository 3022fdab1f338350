import { EventStoreLogger } from '@tip/event-store';
import { eventHeading, IncomingMessage, MessageBroker, MessageConsumer, receivedMessage } from '@tip/messaging';
import { PartitionItem, ProjectionRunner } from '../engine/projection-runner';
import { AwaitingEvents } from '../engine/view-changes';
import { inProjectionSpan } from '@tip/observability';

/** Projectors fed by the relay's topic instead of the event store's subscription. */
export interface KafkaFeed {
  topic: string;
  /** The topic's partitions: a view's position is the lowest watermark over all of them. */
  partitions: number;
  /** Set where this process runs projector workers; without it the process only reads positions. */
  broker?: MessageBroker;
  /** Consumer groups are `${groupPrefix}${read models}` (see readModelsGroup); default `tip-read-model-`. */
  groupPrefix?: string;
}

export const DEFAULT_GROUP_PREFIX = 'tip-read-model-';

/**
 * The consumer group of workers building these read models: the prefix and their names, sorted,
 * joined by "." (`tip-read-model-inspections.progress`; one read model's alone,
 * `tip-read-model-progress`). Workers building the same read models share the group's partitions.
 */
export function readModelsGroup(names: readonly string[], prefix = DEFAULT_GROUP_PREFIX): string {
  return `${prefix}${[...names].sort().join('.')}`;
}

const DEADLOCK = '40P01';
const SERIALIZATION_FAILURE = '40001';

/** A message of the topic as a read model's runner takes it; undefined when it is not TIP's. */
type Decoded = PartitionItem | undefined;

/**
 * The read models' projectors as members of one consumer group: each message is fetched and
 * decoded once for all of them (a group per read model fetched and decoded every message once a
 * read model, and gave each a transaction of its own a fetch); the group's workers share the
 * partitions, and each batch is applied by every runner with its partition's offset, once.
 */
export async function consumeIntoReadModels(
  runners: readonly ProjectionRunner[],
  feed: KafkaFeed & { broker: MessageBroker },
  logger: EventStoreLogger,
): Promise<MessageConsumer> {
  return feed.broker.consume({
    groupId: readModelsGroup(
      runners.map((runner) => runner.name),
      feed.groupPrefix,
    ),
    topic: feed.topic,
    // Where every read model stands: what they all applied is passed over anyway.
    startOffsets: async () => {
      const stored = await Promise.all(runners.map((runner) => runner.nextOffsets(feed.topic)));
      const starts = new Map<number, number>();
      // A partition some read model has no row for starts at the beginning.
      for (const partition of stored[0]?.keys() ?? []) {
        const next = stored.map((offsets) => offsets.get(partition));
        if (next.every((offset): offset is number => offset !== undefined)) starts.set(partition, Math.min(...next));
      }
      return starts;
    },
    handle: async ({ topic, partition, messages, heartbeat }) => {
      const decoded = new Map<IncomingMessage, Decoded>();
      const decode = (message: IncomingMessage): Decoded => {
        if (decoded.has(message)) return decoded.get(message);
        let item: Decoded;
        try {
          item = receivedMessage(message);
        } catch (error) {
          // Not TIP's (someone else wrote to the topic): passed over, loudly, rather than stop the partition for good.
          logger.warn('message passed over', {
            topic,
            partition,
            offset: message.offset,
            reason: (error as Error).message,
          });
        }
        decoded.set(message, item);
        return item;
      };
      const headings = messages.map((message) => eventHeading(message));
      const itemsOf = (runner: ProjectionRunner) =>
        messages.flatMap((message, index): PartitionItem[] => {
          // Most of a topic is other read models' events: their headers say so, their values stay unparsed.
          const heading = headings[index];
          if (heading && !runner.handles(heading))
            return [{ kind: 'passed', offset: message.offset, position: heading.position }];
          const item = decode(message);
          return item ? [item] : [];
        });
      // Side by side: the runners' batches of one fetch start in the same turn, and each runner
      // sends its partitions' batches in one transaction. Every runner to its end before a failure
      // is thrown (kafkajs then delivers the batch again; the runners that applied it skip it).
      const outcomes = await Promise.allSettled(
        runners.map((runner) => intoReadModel(runner, topic, partition, itemsOf(runner), feed, heartbeat, logger)),
      );
      for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    },
  });
}

async function intoReadModel(
  runner: ProjectionRunner,
  topic: string,
  partition: number,
  items: PartitionItem[],
  feed: KafkaFeed,
  heartbeat: () => Promise<void>,
  logger: EventStoreLogger,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await inProjectionSpan(
        runner.name,
        items.map((item) => (item.kind === 'event' ? item.event.metadata.traceparent : undefined)),
        items.length,
        () => runner.handlePartition(topic, partition, items, feed.partitions),
      );
      return;
    } catch (error) {
      // Out of global order across partitions, or crossing another worker: worth a retry.
      // Past the limit kafkajs restarts the consumer, which delivers the batch again.
      const code =
        (error as { driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      const transient = error instanceof AwaitingEvents || code === DEADLOCK || code === SERIALIZATION_FAILURE;
      if (!transient || attempt >= 100) throw error;
      if (attempt % 20 === 0)
        logger.warn('read model batch waits', {
          readModel: runner.name,
          partition,
          attempt,
          reason: (error as Error).message,
        });
      // Waiting here must not cost the membership (the session times out after 10 s).
      await heartbeat();
      await new Promise((resolve) => setTimeout(resolve, Math.min(20 * attempt, 250)));
    }
  }
}
