import { EventStoreLogger } from '@tip/event-store';
import { eventHeading, MessageBroker, MessageConsumer, receivedMessage } from '@tip/messaging';
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
  /** Consumer groups are `${groupPrefix}${readModel}`; default `tip-read-model-`. */
  groupPrefix?: string;
}

const DEADLOCK = '40P01';
const SERIALIZATION_FAILURE = '40001';

/**
 * One read model's projector as a member of a Kafka consumer group: the group's workers share
 * the partitions; each batch is applied by the runner with its partition's offset, once.
 */
export async function consumeIntoReadModel(
  runner: ProjectionRunner,
  feed: KafkaFeed & { broker: MessageBroker },
  logger: EventStoreLogger,
): Promise<MessageConsumer> {
  return feed.broker.consume({
    groupId: `${feed.groupPrefix ?? 'tip-read-model-'}${runner.name}`,
    topic: feed.topic,
    handle: async ({ topic, partition, messages, heartbeat }) => {
      const items = messages.flatMap((message): PartitionItem[] => {
        // Most of a topic is other read models' events: their headers say so, their values stay unparsed.
        const heading = eventHeading(message);
        if (heading && !runner.handles(heading))
          return [{ kind: 'passed', offset: message.offset, position: heading.position }];
        try {
          return [receivedMessage(message)];
        } catch (error) {
          // Not TIP's (someone else wrote to the topic): passed over, loudly, rather than stop the partition for good.
          logger.warn('message passed over', {
            topic,
            partition,
            offset: message.offset,
            reason: (error as Error).message,
          });
          return [];
        }
      });
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
    },
  });
}
