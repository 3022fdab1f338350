import { EventStore, EventStoreLogger, Subscription } from '@tip/event-store';
import { eventMessage, watermarkMessages } from '../integration-events';
import { MessageBroker, MessageProducer } from '../port/message-broker';

export interface RelayOptions {
  topic: string;
  /** Partitions the topic is created with when missing. */
  partitions: number;
  /** Name of the relay's subscription: its checkpoint and its lease. */
  subscriptionName?: string;
  batchSize?: number;
  /**
   * Following live appends, a page is read at least this long after the one before began: the
   * appends of that time go out as one request, not one each (each request is a broker append,
   * and a fetch and a transaction per partition in every consumer group). Default
   * RELAY_PAGE_INTERVAL_MS.
   */
  minPageIntervalMs?: number;
  logger: EventStoreLogger;
}

/** See RelayOptions.minPageIntervalMs: the in-process projectors' own page interval. */
export const RELAY_PAGE_INTERVAL_MS = 10;

/**
 * Publishes every stored event to Kafka: just another checkpointed subscriber of the event log
 * (no outbox table). Each page goes out keyed by stream id (a stream's events stay in order on
 * one partition), followed on every partition by a watermark, in the same request; the checkpoint
 * moves only after the broker acknowledged it, so a crash publishes a page again (at least once;
 * consumers deduplicate).
 */
export class EventRelay {
  private constructor(
    private readonly subscription: Subscription,
    private readonly producer: MessageProducer,
  ) {}

  static async start(store: EventStore, broker: MessageBroker, options: RelayOptions): Promise<EventRelay> {
    const partitions = await broker.ensureTopic(options.topic, options.partitions);
    // Views take their position from a watermark on every partition they are told of: a topic
    // with other partitions than configured would answer minPosition too early, or never.
    if (partitions !== options.partitions) {
      throw new Error(
        `Topic ${options.topic} has ${partitions} partitions, but TIP_KAFKA_PARTITIONS says ${options.partitions}: set it to ${partitions} for the API, the relay and the workers`,
      );
    }
    const producer = await broker.producer();
    const subscription = store.subscribeToAll({
      name: options.subscriptionName ?? 'kafka-relay',
      batchSize: options.batchSize ?? 1000,
      // A broker outage is waited out (backoff up to 5 s), never given up on.
      maxRetries: Number.POSITIVE_INFINITY,
      minPageIntervalMs: options.minPageIntervalMs ?? RELAY_PAGE_INTERVAL_MS,
      // One request for the page and its watermarks: a partition's events and its watermark after
      // them go to the broker as one record batch, appended together (one round trip, not two).
      handle: (events) =>
        producer.send(options.topic, [
          ...events.map(eventMessage),
          ...watermarkMessages(events[events.length - 1].position, partitions),
        ]),
    });
    subscription.finished.catch((error: unknown) =>
      options.logger.error('Kafka relay stopped', { error: String(error) }),
    );
    return new EventRelay(subscription, producer);
  }

  /** Position of the last event published. */
  get position(): number {
    return this.subscription.position;
  }

  whenCaughtUp(): Promise<void> {
    return this.subscription.whenCaughtUp();
  }

  async stop(): Promise<void> {
    await this.subscription.stop();
    await this.producer.close();
  }
}
